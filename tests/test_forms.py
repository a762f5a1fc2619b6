"""Every form refuses text that would read differently from what is stored (app.forms)."""

import pytest
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

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


def test_a_text_area_line_break_is_one_character(app):
    """Browsers send a text area's line breaks as CR LF; the form keeps each as one "\\n", so a
    length limit counts them as the page's counter does (forms.js) and what is stored is the same."""

    class Limited(Form):
        class Meta:
            csrf = False

        body = TextAreaField(validators=[Length(max=10)])
        # A field's own filters still run, after.
        trimmed = TextAreaField(filters=[lambda text: text and text.strip()])

    sent = {"body": "ab\r\ncd\r\nef\rg", "trimmed": " x\r\n"}
    with app.test_request_context("/", method="POST", data=sent):
        form = Limited()
        assert form.validate(), form.errors
        assert form.body.data == "ab\ncd\nef\ng" and form.trimmed.data == "x"
    with app.test_request_context("/", method="POST", data={"body": "a\r\n" * 5 + "b"}):
        form = Limited()
        assert not form.validate() and "longer than 10" in form.errors["body"][0]
