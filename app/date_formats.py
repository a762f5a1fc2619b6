"""Which locale's date and time formats a reader of each interface language gets.

Pure Babel, so that the pages (app.templating) and the certificates' PDFs (app.certificates.pdf),
which know nothing of requests, write dates alike.
"""

import functools

from babel import Locale

# Babel's English formats are American ("December 5, 2026", "12/5/26", "6:00 PM"): a European
# reader takes 12/5 for the 12th of May. Cadre's English writes dates as in Britain and Ireland,
# day before month and a 24-hour clock, as its French pages and both certificates do.
DATE_FORMATS_OF = {"en": "en_GB"}
# A day in a table: « 06/12/2026 » reads well in French, but in English (whatever the order) a
# reader who just typed a date into an American mm/dd/yyyy picker takes 06/12 for June: "6 Dec 2026".
SHORT_DAY_WIDTH = {"en": "medium"}


@functools.cache
def date_locale(code: str) -> Locale:
    """The locale whose date and time formats a reader of ``code`` gets."""
    return Locale.parse(DATE_FORMATS_OF.get(code, code))


def first_of_month(text: str, day, locale: Locale) -> str:
    """French writes the first day of a month as an ordinal: « 1er mars 2027 », not « 1 mars 2027 »
    (Babel's pattern has no ordinals). Only in a long date, which starts with the day."""
    if day.day == 1 and locale.language == "fr" and text.startswith("1 "):
        return "1er" + text[1:]
    return text
