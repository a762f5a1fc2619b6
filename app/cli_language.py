"""The language of Cadre's command line, one way for every ``flask --app wsgi …`` command.

``@localised``, written with a command's options (by custom right above its ``def``), gives the
command an eager ``--lang fr|en`` option whose callback sets the language, with ``force_locale``,
for all the rest of the command: the other options' callbacks, the body, its prompts and the
messages of the errors it raises (the locale is restored when the command's context closes). Without
--lang the locale variables choose (LC_ALL, then LC_MESSAGES, then LANG, as gettext reads them),
else English, the usual language of terminals and build logs that ask for none. The command's
sentences go through ``gettext``/``ngettext`` with named placeholders.

What stays English on purpose:

- the --help texts of commands and options: click renders them before any command runs, and
  they are not extracted for translation (they document the code for operators, like the README);
- click's own words: "Error:", "Usage:", "Aborted!", "Invalid value for…", "Missing option…";
- output meant for scripts (CSV, tab-separated lists, exit codes): it must not change with the
  language of whoever runs the command.
"""

from collections.abc import Callable, Mapping
from os import environ
from typing import TypeVar

import click
from flask_babel import force_locale

from app.i18n import gettext

LANGUAGES = ("fr", "en")  # those of the interface (config LANGUAGES), with a catalogue each
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order: the first one set wins

F = TypeVar("F", bound=Callable)


def environment_language(variables: Mapping[str, str]) -> str | None:
    """fr or en when the locale variables ask for it (LC_ALL, then LC_MESSAGES, then LANG)."""
    for name in LOCALE_VARIABLES:
        value = variables.get(name)
        if value:  # the first one set wins, as in gettext; "C" or "de_DE" means no choice here
            language = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return language if language in LANGUAGES else None
    return None


def command_language(lang: str | None) -> str:
    """The --lang choice, else the one the locale variables ask for, else English."""
    return lang or environment_language(environ) or "en"


def _speak(context: click.Context, _parameter: click.Parameter, lang: str | None) -> None:
    # Eager, so this runs before the other options' callbacks (whose errors are then translated
    # too); the language holds until the command's context closes, once the command is done.
    context.with_resource(force_locale(command_language(lang)))


def localised(command: F) -> F:
    """Add ``--lang`` to a command and run it in the language chosen (see the module's doc)."""
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        is_eager=True,
        expose_value=False,
        callback=_speak,
        help="Language of the messages: fr or en (default: LC_ALL, LC_MESSAGES or LANG"
        " if it is French or English, else en).",
    )(command)


def confirm(question: str) -> None:
    """Ask a yes/no question in the current language; anything but yes stops the command.

    click.confirm would show "[y/N]" and accept only y or yes, in French too.
    """
    word = gettext("yes").lower()
    answers = {"y", "yes", word, word[:1]}
    answer = click.prompt(
        gettext("%(question)s [y/N]", question=question), default="", show_default=False, prompt_suffix=" "
    )
    if answer.strip().lower() not in answers:
        raise click.Abort
