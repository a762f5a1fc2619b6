"""The base of Cadre's forms: Flask-WTF's, with WTForms' own messages read once per language.

Flask-WTF reads WTForms' catalogue from disk on each request whose form asks for one (a field
without a label asks, to make one from its name): a fifth of a millisecond per page. Here each
language's catalogue is read once per process, then shared.
"""

from functools import cache

from babel import support
from flask import current_app, g, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.i18n import messages_path

from app.characters import JOINERS, code_points, hidden_characters, hidden_in_text, only_invisible
from app.i18n import FillableText
from app.i18n import gettext as _


@cache
def _catalogue(language: str) -> support.Translations | support.NullTranslations:
    """WTForms' messages in ``language`` (a code Cadre serves, so few), or none to translate with."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class _Translations:
    """The request's language, as Flask-WTF's translations; English outside a request."""

    @staticmethod
    def _current():
        locale = get_locale() if has_request_context() else None
        return _catalogue(str(locale)) if locale is not None else support.NullTranslations()

    def gettext(self, string: str) -> str:
        return FillableText(self._current().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # « 2 000 caractères », as Cadre's own messages write numbers, when WTForms fills it in
        return FillableText(self._current().ungettext(singular, plural, n))


_TRANSLATIONS = _Translations()


class Form(FlaskForm):
    """Every form of Cadre's: CSRF as Flask-WTF does it, WTForms' messages in the reader's language.

    The request's forms are noted, so that a page shown again with errors says so in its title
    (``forms_have_errors``), whichever form and however its errors were added.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("cadre_forms", []).append(self)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own rules, then one for every text typed in: no invisible characters that
        would make it read differently from what is stored (``app.characters``)."""
        valid = super().validate(extra_validators)
        for field in self:
            problem = None if field.errors else invisible_text_problem(field)
            if problem:
                field.errors.append(problem)
                valid = False
        return valid

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            """A text area's line breaks arrive as CR LF; each is kept, and counted, as one "\\n"."""
            if issubclass(unbound_field.field_class, TextAreaField):
                filters = (one_line_break, *unbound_field.kwargs.get("filters", ()))
                return unbound_field.bind(form=form, **options, filters=filters)
            return super().bind_field(form, unbound_field, options)


def one_line_break(text: str | None) -> str | None:
    """Line breaks as "\\n" only: the browser sends CR LF, and a length limit (its counter in forms.js,
    the field's Length rule) counts one character for each."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def invisible_text_problem(field) -> str | None:
    """Why the text typed into ``field`` is refused (hidden or reordering characters), or None.

    A one-line field refuses every control and format character but joiners; a text area keeps
    its line breaks and tabs, and refuses controls and direction overrides, saying on which line.
    Passwords are any characters their owner likes; hidden fields are the page's own.
    """
    if isinstance(field, PasswordField | HiddenField) or not isinstance(field, StringField):
        return None
    text = field.data if isinstance(field.data, str) else ""
    if only_invisible(text) and not text.isspace():
        return _("This text shows nothing: it holds invisible characters only.")
    if isinstance(field, TextAreaField):
        found = hidden_in_text(text)
        if found:
            line, _first = found[0]
            return _(
                "This text holds invisible characters that change how it reads (%(codes)s, line "
                "%(line)d): delete them and type the text again there.",
                codes=code_points(c for _line, c in found),
                line=line,
            )
        return None
    hidden = hidden_characters(text, allowed=JOINERS)
    if hidden:
        return _(
            "This field holds invisible characters (%(codes)s): type it again without them.",
            codes=code_points(hidden),
        )
    return None


def forms_have_errors() -> bool:
    """Whether a form of this request holds errors: its page is shown again to correct them."""
    return any(form.errors for form in g.get("cadre_forms", ()))
