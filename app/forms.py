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
from wtforms.i18n import messages_path


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
        return self._current().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._current().ungettext(singular, plural, n)


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

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


def forms_have_errors() -> bool:
    """Whether a form of this request holds errors: its page is shown again to correct them."""
    return any(form.errors for form in g.get("cadre_forms", ()))
