"""Every form refuses text that would read differently from what is stored (app.forms)."""

import pytest
from wtforms import BooleanField, PasswordField, StringField, TextAreaField

from app.forms import Form


class Sample(Form):
    class Meta:
        csrf = False

    name = StringField()
    body = TextAreaField()
    password = PasswordField()


def _errors(app, **data) -> dict:
    with app.test_request_context("/", method="POST", data=data):
        form = Sample()
        form.validate()
        return form.errors


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Zoé \u202eLefèvre"}, "name", "invisible characters (U+202E)"),
        ({"name": "Terminale\u200b B"}, "name", "invisible characters (U+200B)"),
        ({"name": "a\x01b\x7f"}, "name", "invisible characters (U+0001, U+007F)"),
        ({"name": "\u200b\u200b"}, "name", "invisible characters only"),
        ({"body": "\u200b \u2060"}, "body", "invisible characters only"),
        ({"body": "one\ntwo\nthree \u202eevil"}, "body", "(U+202E, line 3)"),
        ({"body": "bell\x07"}, "body", "(U+0007, line 1)"),
        # Line breaks are line feeds only, as a text box shows them: a form feed is refused.
        ({"body": "a\x0cb\nc"}, "body", "(U+000C, line 1)"),
        ({"body": "x\u2028y\n\u202e"}, "body", "(U+2028, U+202E, line 1)"),
    ],
)
def test_hidden_characters_are_refused_and_named(app, data, field, message):
    errors = _errors(app, **data)
    assert list(errors) == [field] and message in errors[field][0]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Zoé Lefèvre-Œuvray", "body": "Line one\r\n\tindented\nline three"},
        {"name": "Classe 👩‍🏫 de Théo"},  # emoji joined by U+200D
        {"body": "Le mot « coopé\u00adration » coupé où il faut"},  # a soft hyphen in a long text
        {"password": "\x01\u202e any characters"},  # a password is its owner's business
        {"name": "", "body": ""},  # empty: the fields' own rules say whether that is allowed
    ],
)
def test_ordinary_text_passes(app, data):
    assert _errors(app, **data) == {}


def test_a_checkbox_shows_its_hint_and_points_to_it(app):
    """The field macro gives a checkbox's description the id its aria-describedby names."""

    class Consent(Form):
        agreed = BooleanField("Replace them", description="Unticked, nothing is replaced.")

    with app.test_request_context():
        field = app.jinja_env.get_template("_forms.html").module.field
        html = str(field(Consent()["agreed"]))
    assert 'aria-describedby="agreed-hint"' in html
    assert '<p class="hint" id="agreed-hint">Unticked, nothing is replaced.</p>' in html
