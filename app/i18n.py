"""Locale selection and the language switcher."""

import re
from collections import defaultdict
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import LazyString, force_locale, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept

from app.extensions import babel, db
from app.urls import safe_next

bp = Blueprint("i18n", __name__)

# The interface's languages, each named in its own: found by whoever landed on a page in the other.
ENDONYMS = {"fr": "Français", "en": "English"}


def select_locale() -> str:
    """The learner's explicit choice, else the browser's preference, else French.

    Outside a request (the command line, a background job) there is no learner: the default.
    A page in the language the browser asked for says so (``Vary: Accept-Language``), so that a
    shared cache never gives it to a browser asking for another.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    locale, negotiated = choose_locale(current_app.config, session.get("locale"), request.accept_languages)
    if negotiated:
        g.locale_negotiated = True
    return locale


def choose_locale(config, chosen: str | None, accepted: LanguageAccept) -> tuple[str, bool]:
    """The interface language for a choice kept in the session and a browser's Accept-Language,
    and whether it came from the latter (app.page_cache chooses it too, before Flask is entered)."""
    languages = config["LANGUAGES"]
    if chosen in languages:
        return chosen, False
    return accepted.best_match(languages) or config["BABEL_DEFAULT_LOCALE"], True


def local_zone() -> ZoneInfo:
    """The reader's time zone (Europe/Paris by default) as zoneinfo. Babel hands back a pytz zone,
    whose summer time stops in 2037 and which ``replace(tzinfo=...)`` reads as local mean time."""
    return ZoneInfo(str(get_timezone()))


def vary_on_language(response):
    if g.get("locale_negotiated"):
        response.vary.add("Accept-Language")
    return response


@bp.post("/language/<code>")
def set_language(code: str):
    """Remember the chosen interface language (POST, so it carries a CSRF token)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if remember_language(code):
        # The footer's switch also changes the account's language: said, as the account page says it.
        with force_locale(code):
            flash(_("Language saved: Cadre will use it wherever you sign in."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("catalog.index"))


LOCALE_OF = "locale_of"  # the session's: whose account its language came from, if it did


def remember_language(code: str) -> bool:
    """A language chosen: the browser keeps it; a signed-in person's account keeps it too, so that
    their next sign-in, in another browser, opens in it, and their e-mails use it
    (app.notifications.services.mail_locale). Whether the account's language changed."""
    session["locale"] = code
    if not current_user.is_authenticated:
        session.pop(LOCALE_OF, None)  # the browser's own choice, which a sign-in leaves alone
        return False
    session[LOCALE_OF] = current_user.id
    if current_user.locale == code:
        return False
    current_user.locale = code
    db.session.commit()
    return True


def restore_language(user) -> None:
    """On signing in: the account's language, unless this browser chose one itself.

    A language that came from another account (the person before, on a shared computer or in a
    school's platform) gives way to this one's, or to the browser's preference if it has none.
    """
    if "locale" in session and LOCALE_OF not in session:
        return
    if user.locale in current_app.config["LANGUAGES"]:
        session["locale"], session[LOCALE_OF] = user.locale, user.id
    elif session.get(LOCALE_OF) != user.id:
        session.pop("locale", None)
        session.pop(LOCALE_OF, None)


def _translations():
    """The current locale's translations, found once per request and locale.

    Flask-Babel finds them again for every string a template translates (its context, the locale,
    the locale's name, a cache lookup): a catalogue page translates a few hundred. Kept with the
    locale object it was found for, so ``force_locale`` (a mail or a certificate in the reader's
    language) and a locale refreshed mid-request each get their own.
    """
    if not g:
        return get_translations()
    ctx = g.get("_flask_babel")
    kept = g.get("_cadre_translations")
    if kept is not None and ctx is not None and kept[0] is getattr(ctx, "babel_locale", None):
        return kept[1]
    translations = get_translations()
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    if locale is not None:  # no locale chosen yet: nothing to key them by
        g._cadre_translations = (locale, translations)
    return translations


# Templates' sentences without variables as written, per catalogue, string and escaping: most of
# what a page translates. Bounded: a template may translate a value it was given.
_WRITTEN: dict[tuple, str] = {}
MAX_WRITTEN = 20_000


@pass_eval_context
def template_gettext(eval_ctx, string: str, /, **variables) -> str:
    """Jinja's "newstyle" ``_()`` and ``gettext()`` (``jinja2.ext._make_new_gettext``): the
    translation is a format string filled in with ``variables``, escaped when the template is.

    Called directly rather than through Jinja's alias and wrapper (two more calls through the
    template's context each time), and a sentence without variables written once: a page
    translates one or two hundred, at a few microseconds each."""
    translations = _translations()
    # Kept only for a literal sentence and a catalogue Flask-Babel keeps (outside an app context
    # it gives a new, empty one each call).
    if variables or type(string) is not str or not has_app_context():
        return _filled(eval_ctx, translations.ugettext(string), variables)
    key = (translations, string, eval_ctx.autoescape)
    written = _WRITTEN.get(key)
    if written is None:
        if len(_WRITTEN) >= MAX_WRITTEN:
            _WRITTEN.clear()
        written = _WRITTEN[key] = _filled(eval_ctx, translations.ugettext(string), {})
    return written


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    """Jinja's "newstyle" ``ngettext()`` (``jinja2.ext._make_new_ngettext``), called directly."""
    variables.setdefault("num", num)
    return _filled(eval_ctx, _translations().ungettext(singular, plural, num), variables)


def _filled(eval_ctx, translated: str, variables: dict) -> str:
    """As Jinja does: in an escaped template the translation is trusted as the template's own text,
    and what fills it in is escaped (``Markup.__mod__``). Numbers as the reader's language writes
    them (``grouped``)."""
    translated, variables = grouped(translated, variables)
    return (Markup(translated) if eval_ctx.autoescape else translated) % variables  # noqa: S704


# Numbers that name a place or an edition rather than count (a line, a page, a version: "current"
# and "old"/"new" are versions too) are written as they are, as French typography writes page
# numbers and years.
NOT_GROUPED = frozenset({"line", "page", "v", "version", "current", "old", "new", "source"})
_INTEGER_FORMAT = re.compile(r"%\((\w+)\)([-#0 +]*\d*)([diu]?)")
# (translated sentence, names of its values of 1,000 or more) → the sentence that writes them as
# strings, and the names it does
_GROUPED_SENTENCES: dict[tuple[str, tuple[str, ...]], tuple[str, frozenset[str]]] = {}


def grouped(translated: str, variables: dict) -> tuple[str, dict]:
    """A sentence and its values, with each whole number of 1,000 or more written in the reader's
    language: « 1 000 » (a narrow no-break space) in French, "1,000" in English, where
    ``%(num)d`` would write "1000" in both. Below 1,000 both write digits alone, and the sentence
    is left as it is: the case of nearly every call, which costs one look at its values.

    Only a value the sentence writes as an integer everywhere (``%(num)d``, ``%(num)5d``) is
    grouped: one it writes as ``%(id)s`` may be a code or a year, and ``%(x)x`` must stay a number.
    """
    big = ()  # no tuple made for the usual sentence
    for name, value in variables.items():
        if type(value) is int and not -1000 < value < 1000 and name not in NOT_GROUPED:
            big += (name,)
    if not big:
        return translated, variables
    found = _GROUPED_SENTENCES.get((translated, big))
    if found is None:
        formats = defaultdict(set)
        for name, _flags, conversion in _INTEGER_FORMAT.findall(translated):
            formats[name].add(conversion)
        names = frozenset(name for name in big if formats.get(name) and formats[name] <= {"d", "i", "u"})
        sentence = _INTEGER_FORMAT.sub(lambda m: f"%({m[1]})s" if m[1] in names else m[0], translated)
        if len(_GROUPED_SENTENCES) >= MAX_WRITTEN:
            _GROUPED_SENTENCES.clear()
        found = _GROUPED_SENTENCES[(translated, big)] = (sentence, names)
    sentence, names = found
    if not names:
        return translated, variables
    return sentence, {**variables, **{name: _written(variables[name]) for name in names}}


def _written(value: int) -> str:
    return format_decimal(value, locale=get_locale() or "en")


def _fill(translated: str, variables: dict) -> str:
    translated, variables = grouped(translated, variables)
    return translated % variables


def number(value):
    """A count as the reader's language writes it (the ``number`` filter): « 12 345 » in French."""
    return _written(value) if type(value) is int and not -1000 < value < 1000 else value


def gettext(string: str, /, **variables) -> str:
    """Flask-Babel's ``gettext``, with numbers as the reader's language writes them (``grouped``).
    Python code translates through this one and its two siblings below."""
    translated = _translations().ugettext(string)
    return _fill(translated, variables) if variables else translated


def ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    """Flask-Babel's ``ngettext``, with numbers as the reader's language writes them."""
    variables.setdefault("num", num)
    return _fill(_translations().ungettext(singular, plural, num), variables)


class FillableText(str):
    """A translated sentence that a library fills in itself (WTForms: ``message % {"max": 2000}``),
    its numbers grouped as ``gettext`` groups them."""

    __slots__ = ()

    def __mod__(self, other):
        return _fill(str(self), other) if isinstance(other, dict) else str(self) % other


def fillable(string: str) -> FillableText:
    """The translation of a sentence its caller fills in itself, numbers grouped as ``gettext``
    groups them: what the content checker's messages are translated with (``Message.text``)."""
    return FillableText(_translations().ugettext(string))


class LazyText(LazyString):
    """A sentence translated when it is read. Filled in later (``message % {"max": 5000}``, as
    WTForms fills in a validator's message), its numbers are grouped as ``gettext`` groups them."""

    def __mod__(self, other):
        return FillableText(self) % other


def lazy_gettext(string: str, /, **variables) -> LazyText:
    """Flask-Babel's ``lazy_gettext``, translated by ``gettext`` above when it is read."""
    return LazyText(gettext, string, **variables)


_ = gettext


def init_app(app) -> None:
    """Bind Flask-Babel and expose the current language to templates."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.register_blueprint(bp)
    app.after_request(vary_on_language)

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
