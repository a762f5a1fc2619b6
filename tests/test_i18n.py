"""French by default, English on request, and the switcher remembers the choice."""

import pytest

from app.extensions import db
from tests.conftest import make_app, text_of


@pytest.fixture
def french_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'i18n.sqlite'}", BABEL_DEFAULT_LOCALE="fr")
    with app.app_context():
        db.create_all()
        yield app


def test_french_by_default(french_app):
    page = text_of(french_app.test_client().get("/account/login"))
    assert '<html lang="fr">' in page
    assert "Mot de passe" in page


def test_browser_preference_for_english(french_app):
    page = text_of(french_app.test_client().get("/account/login", headers={"Accept-Language": "en-GB,en"}))
    assert '<html lang="en">' in page
    assert "Password" in page


def test_switcher_remembers_the_choice(french_app):
    client = french_app.test_client()
    response = client.post("/language/en", data={"next": "/account/login"})
    assert response.status_code == 302 and response.location == "/account/login"
    assert '<html lang="en">' in text_of(client.get("/account/login"))
    # An unknown language or an off-site next changes nothing dangerous.
    assert client.post("/language/de").status_code == 404
    assert client.post("/language/fr", data={"next": "https://evil.example"}).location == "/courses"


def test_outside_a_request_messages_use_the_default_language(french_app):
    """The command line and background jobs have no browser: they get the default, never a crash."""
    from flask_babel import gettext

    with french_app.app_context():
        assert gettext("Password") == "Mot de passe"


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_templates_translate_as_jinja_own_newstyle_gettext(french_app, autoescape, language):
    """app.i18n's template_gettext and template_ngettext, called directly and keeping sentences
    without variables, write what Jinja's own functions write, escaped or not, twice in a row."""
    from jinja2.ext import _gettext_alias, _make_new_gettext, _make_new_ngettext

    from app.i18n import _translations, template_gettext, template_ngettext

    globals_ = french_app.jinja_env.globals
    assert (
        globals_["_"] is globals_["gettext"] is template_gettext and globals_["ngettext"] is template_ngettext
    )

    source = (
        '{{ _("Log out") }}|{{ gettext("Log out") }}|{{ _("100%% sure") }}|{{ _("not in the catalogue") }}|'
        '{{ _("due %(when)s", when="<b>&") }}|{{ _("Hello %(string)s", string="<i>") }}|'
        '{{ ngettext("%(num)d attempt", "%(num)d attempts", 1) }}|'
        '{{ ngettext("%(num)d attempt", "%(num)d attempts", 3) }}|'
        '{{ ngettext("%(num)d of %(name)s", "%(num)d of %(name)s", 2, name="<x>") }}|'
        "{% trans n=2 %}{{ n }} file{% pluralize %}{{ n }} files{% endtrans %}|"
        '{% trans who="<me>" %}by {{ who }}{% endtrans %}|{{ _("it\'s <ok>") }}'
    )
    jinja = {
        "_": _gettext_alias,
        "gettext": _make_new_gettext(lambda s: _translations().ugettext(s)),
        "ngettext": _make_new_ngettext(lambda s, p, n: _translations().ungettext(s, p, n)),
    }
    environment = french_app.jinja_env.overlay(autoescape=autoescape)
    with french_app.test_request_context(headers={"Accept-Language": language}):
        french_app.jinja_env.overlay(autoescape=not autoescape).from_string(source).render()  # kept first
        template = environment.from_string(source)
        theirs = template.render(**jinja)
        assert "Se déconnecter" in theirs if language == "fr" else "Log out" in theirs
        assert template.render() == theirs
        assert template.render() == theirs  # the sentences kept the first time
    assert ("&lt;b&gt;&amp;" in theirs) == autoescape and "it's <ok>" in theirs


def test_wtforms_own_messages_are_in_the_readers_language_and_read_once_per_language(french_app):
    from flask_babel import refresh
    from wtforms import StringField
    from wtforms.validators import InputRequired

    from app import forms

    class Named(forms.Form):
        class Meta:
            csrf = False

        name = StringField(validators=[InputRequired()])  # WTForms' message, and a label from the name

    forms._catalogue.cache_clear()
    french, english = "Ce champ est requis.", "This field is required."
    for language, message in [("fr", french), ("en", english), ("fr", french)]:
        with french_app.test_request_context("/", method="POST", headers={"Accept-Language": language}):
            refresh()  # the fixture's app context outlives each request's: forget its language
            form = Named()
            assert not form.validate()
            assert form.name.errors == [message]
            assert form.name.label.text == "Name"
    assert forms._catalogue.cache_info().misses == 2  # French, English: each read once


def test_every_form_of_cadre_is_an_app_form(french_app):
    """A form built on Flask-WTF's own class would read WTForms' catalogue on every request."""
    from flask_wtf import FlaskForm

    from app.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = [form for form in subclasses(FlaskForm) if form.__module__.startswith("app.")]
    assert len(found) > 20
    assert [form for form in found if not issubclass(form, Form)] == []


def test_a_headings_e_mail_does_not_break_at_its_hyphen(client):
    """On a phone, « Changer mon adresse e-mail » broke into « e- » and « mail »."""
    from flask_babel import lazy_gettext
    from markupsafe import Markup

    from app.templating import unbroken

    kept = '<span class="nowrap">e-mail</span>'
    assert unbroken("Inviter des élèves par e-mail") == f"Inviter des élèves par {kept}"
    assert unbroken("E-mails, re-mail <b>") == Markup(
        '<span class="nowrap">E-mails</span>, re-mail &lt;b&gt;'
    )
    # What a template's _() gives is Markup: escaped once, not twice, and its tags left alone.
    assert unbroken(Markup('Lea &amp; e-mail <a href="https://e-mail.example">x</a>')) == (
        f'Lea &amp; {kept} <a href="https://e-mail.example">x</a>'
    )
    assert unbroken(lazy_gettext("Stop these e-mails")) == Markup(
        'Stop these <span class="nowrap">e-mails</span>'
    )
    assert unbroken(None) == Markup()
    page = client.get("/notifications/unsubscribe/nope").get_data(as_text=True)
    assert '<h1>Stop these <span class="nowrap">e-mails</span></h1>' in page


@pytest.mark.parametrize(
    ("language", "thousand", "many"),
    [("fr", "1\u202f000", "12\u202f345"), ("en", "1,000", "12,345")],
)
def test_numbers_of_a_thousand_and_more_are_written_as_the_readers_language_writes_them(
    french_app, language, thousand, many
):
    """« 1000 formations » is not French: ``%(num)d`` wrote every number as bare digits. Quantities
    are grouped in templates, in Python's messages and in messages filled in later (a validator's);
    a page, a line or a version keeps its bare digits, as typography writes page numbers."""
    from app.i18n import gettext, lazy_gettext, ngettext

    source = (
        '{{ ngettext("See the %(num)d course", "See all %(num)d courses", total) }}|'
        '{{ _("Courses, page %(page)d of %(pages)d", page=page, pages=total) }}|'
        '{{ _("%(name)s, %(count)d", name="<b>", count=total) }}|{{ total|number }}|{{ many|number }}|'
        "{{ 999|number }}|{{ none|number }}"
    )
    with french_app.test_request_context(headers={"Accept-Language": language}):
        template = french_app.jinja_env.from_string(source)
        big = template.render(total=1000, page=1200, many=12345, none=None).split("|")
        small = template.render(total=999, page=2, many=5, none=None).split("|")
        assert big[0] == ("Voir les 1\u202f000 formations" if language == "fr" else "See all 1,000 courses")
        assert big[1].endswith(f"1200 {'sur' if language == 'fr' else 'of'} {thousand}")
        assert big[2:] == [f"&lt;b&gt;, {thousand}", thousand, many, "999", "None"]
        assert small[0] == ("Voir les 999 formations" if language == "fr" else "See all 999 courses")
        assert small[2:5] == ["&lt;b&gt;, 999", "999", "5"]

        assert gettext("%(name)s, %(count)d", name="x", count=1000) == f"x, {thousand}"
        assert gettext("line %(line)d of %(count)d", line=1000, count=1000) == f"line 1000 of {thousand}"
        assert gettext("100%% sure") == "100%% sure"  # no values: not a format string, as Flask-Babel
        assert ngettext("%(num)d course", "%(num)d courses", 12345).startswith(many)
        assert ngettext("%(num)d course", "%(num)d courses", 2).startswith("2 ")
        message = lazy_gettext("A message may hold at most %(max)d characters.")  # as WTForms fills it in
        assert f" {thousand} " in message % {"min": -1, "max": 1000}
        assert " 999 " in message % {"min": -1, "max": 999}

        # Only what the sentence writes as an integer everywhere: an int written with %s may be a
        # code or a year, and %x must stay a number.
        assert gettext("%(code)s, %(num)5d, %(hex)x", code=1234, num=1234, hex=4096) == (
            f"1234, {'1' + thousand[1] + '234'}, 1000"
        )
        assert gettext("%(num)d then %(num)s", num=1234) == "1234 then 1234"
        # The content checker's messages, filled in by Message.text (app/content has no Flask)
        from app.content.documents import Message
        from app.i18n import fillable

        assert (
            Message("draws %(draw)d of %(pool)d", draw=5, pool=2000).text(fillable)
            == f"draws 5 of 2{thousand[1:]}"
        )

    from flask_babel import refresh
    from wtforms import StringField
    from wtforms.validators import Length

    from app import forms

    class Described(forms.Form):
        class Meta:
            csrf = False

        description = StringField(validators=[Length(max=1000)])  # WTForms' own message

    with french_app.test_request_context(
        "/", method="POST", data={"description": "x" * 1001}, headers={"Accept-Language": language}
    ):
        refresh()
        form = Described()
        assert not form.validate()
        assert f" {thousand} " in form.description.errors[0]


def test_app_code_translates_through_app_i18n():
    """Flask-Babel's own ``gettext`` would write « 1000 »: Python code takes app.i18n's."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "app"
    direct = re.compile(
        r"^\s*from flask_babel import [^\n]*\b(gettext|ngettext|lazy_gettext)\b"
        r"|^\s*from flask_babel import \([^)]*\b(gettext|ngettext|lazy_gettext)\b"
        r"|\bflask_babel\.(gettext|ngettext|lazy_gettext)\b",
        re.MULTILINE,
    )
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "i18n.py" and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    for line in (  # the pattern finds each way of taking them
        "from flask_babel import force_locale, ngettext",
        "from flask_babel import (\n    get_locale,\n    gettext,\n)",
        "import flask_babel\nflask_babel.lazy_gettext('x')",
    ):
        assert direct.search(line), line
    assert not direct.search("from flask_babel import get_translations, force_locale")


def test_line_page_and_version_numbers_are_named_so_that_they_keep_bare_digits():
    """« Page 1200 », « ligne 1200 », « version 1000 »: a number that names is not grouped, and
    grouped() knows it by its name (app.i18n.NOT_GROUPED)."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    from app.i18n import NOT_GROUPED

    root = Path(__file__).resolve().parent.parent
    with open(root / "app/translations/messages.pot", "rb") as pot:
        catalogue = read_po(pot)
    naming = re.compile(r"\b(?:page|line|version)s? %\((\w+)\)", re.IGNORECASE)
    found = {}
    for message in catalogue:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for name in naming.findall(text or ""):
                found.setdefault(name, text)
    assert "version" in found and "line" in found and "page" in found  # the pattern finds them
    assert {name: text for name, text in found.items() if name not in NOT_GROUPED} == {}
