"""Folded text for sorting and searching the catalogue, the same in Python and in the database.

« Écrire » sorts among the E, and a search for « comedien » finds « Comédiens »: titles and
searched texts are stored without accents and case (Course.sort_title, Course.search_text), and a
query is folded the same way before it is compared with them.
"""

import re
import unicodedata
from functools import lru_cache

from sqlalchemy import func

MAX_TERMS = 8  # words of a query that count; a longer query narrows nothing a reader can see
MAX_TERM = 40


def fold(text: str) -> str:
    """``text`` without accents, ligatures or case: « Cœur À l’écran » → « coeur a l'ecran »."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = text.replace("’", "'")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()


# Latin letters NFKD leaves whole, read as the letters they are sorted with.
_AS_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


@lru_cache(maxsize=8192)
def name_order(name: str) -> str:
    """A person's name as a reader sorts it: accents set aside (« Élodie » with the E's), case too,
    every other letter kept (unlike ``fold``, which drops what ASCII lacks: « Мария » would sort
    as an empty name). Kept per name: a class page sorts its 40 students three times a visit, and
    this walks every letter."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_AS_LETTERS)


def one_space(value: str) -> str:
    """Blanks as a page shows them, one space: « BTS  2 » and « BTS 2 » would be two names that
    look alike in every list."""
    return " ".join(value.split())


# Accented Latin letters and the plain ones that names are compared with, in Python and in SQL
# (translate(), PostgreSQL's own, which app.extensions gives SQLite): « Lefevre » finds « Lefèvre ».
# translate() puts one letter for one, so the ligatures are spelt out after it: « Laetitia » finds
# « Lætitia », « COEUR » finds « Cœur ».
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸŒÆ"
_PLAIN = "".join(unicodedata.normalize("NFD", letter)[0].lower() for letter in _ACCENTED)
_TO_PLAIN = str.maketrans(_ACCENTED, _PLAIN)


def plain(text: str) -> str:
    """A name as ``plain_sql`` compares it: single spaces, lower case, accents set aside."""
    return one_space(text).lower().translate(_TO_PLAIN).replace("œ", "oe").replace("æ", "ae")


def plain_sql(column):
    """The column's text lower-cased with its accents set aside, in the database (SQLite's lower()
    knows only ASCII letters: the table holds the accented capitals too)."""
    folded = func.translate(func.lower(column), _ACCENTED, _PLAIN)
    return func.replace(func.replace(folded, "œ", "oe"), "æ", "ae")


def sort_key(title: str) -> str:
    """``title`` folded, its numbers padded so that « Atelier 2 » comes before « Atelier 10 »."""
    return re.sub(r"\d+", lambda number: number.group().zfill(6), fold(title))[:200]


def terms(query: str) -> list[str]:
    """The words of a reader's query, folded: letters and digits only, so they are safe anywhere."""
    return [word[:MAX_TERM] for word in re.findall(r"[a-z0-9]+", fold(query))][:MAX_TERMS]
