"""Item statistics as CSV, one line per option, for a French or an English spreadsheet.

The same styles as the class table export (app.schools.export): ";" and decimal commas for a
French spreadsheet, "," and decimal points otherwise, UTF-8 with a byte-order mark.
"""

import csv
import io

from babel.numbers import format_decimal
from flask_babel import force_locale

from app.i18n import gettext as _
from app.learning.statistics import QuizStats
from app.schools.export import ENGLISH, FRENCH, Style, as_text

STYLES = {"fr": FRENCH, "en": ENGLISH}


def _number(value: float | None, style: Style, pattern: str = "0.00") -> str:
    return "" if value is None else format_decimal(value, pattern, locale=style.locale)


def _percent(value: float | None, style: Style) -> str:
    return "" if value is None else _number(value * 100, style, "0.0")


def rows(quizzes: list[QuizStats], style: Style) -> list[list[str]]:
    """Header and one line per option of each question; headers and flags in the style's language."""
    with force_locale(style.locale):
        yes, no = _("yes"), _("no")
        lines = [
            [
                _("Quiz"),
                _("Final test"),
                _("Question"),
                _("Question key"),
                _("Question text"),
                _("Shown"),
                _("Share right (percent)"),
                _("Discrimination"),
                _("Flags"),
                _("Option"),
                _("Option text"),
                _("Right answer"),
                _("Chosen"),
                _("Chosen (percent of times shown)"),
            ]
        ]
        for quiz in quizzes:
            for q in quiz.questions:
                flags = " / ".join(flag.text() for flag in q.flags)
                for option in q.options:
                    lines.append(
                        [
                            as_text(quiz.title),
                            yes if quiz.is_final else no,
                            str(q.position),
                            as_text(q.key),
                            as_text(q.prompt_text),
                            str(q.shown),
                            _percent(q.right_share, style),
                            _number(q.discrimination, style),
                            as_text(flags),
                            option.letter,
                            as_text(option.label_text),
                            "" if option.right is None else (yes if option.right else no),
                            str(option.chosen),
                            _percent(option.share, style),
                        ]
                    )
    return lines


def csv_bytes(quizzes: list[QuizStats], style: Style) -> bytes:
    """The whole file, UTF-8 with a byte-order mark (without it Excel reads accents as Latin-1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerows(rows(quizzes, style))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
