"""Characters no one types on purpose, which make a text read differently from what is stored.

Control characters, and format characters such as direction overrides (U+202E turns "Zoé" into
"éoZ" on screen) or zero-width spaces (a name that looks blank, a comment that says nothing).
Forms, names and the content checker refuse them, naming each so that one can find it.
"""

import unicodedata

# Control (Cc), format (Cf), line and paragraph separators (Zl, Zp).
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Joiners belong in some scripts and in emoji sequences ("👩‍🏫"): kept in one-line texts.
JOINERS = frozenset("\u200c\u200d")
# In a longer text (a comment, a module's Markdown) only what reorders or hides it is refused:
# controls other than tab and line breaks, and the bidirectional embeddings, overrides and isolates.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
TEXT_BREAKS = frozenset("\t\n\r")


def hidden_characters(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The invisible characters of a one-line ``text`` (but ``allowed``), once each, in order."""
    return list(
        dict.fromkeys(c for c in text if c not in allowed and unicodedata.category(c) in HIDDEN_CATEGORIES)
    )


def hidden_in_text(text: str) -> list[tuple[int, str]]:
    """(line number, character) of each reordering or control character of a longer text, lines
    counted as a text box shows them (split at line feeds only: a form feed or U+2028 is refused
    like any other control, not taken for a new line)."""
    found = {}
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        for c in line:
            category = unicodedata.category(c)
            if c in BIDI_CONTROLS or category in ("Zl", "Zp") or (category == "Cc" and c not in TEXT_BREAKS):
                found.setdefault(c, number)
    return [(number, c) for c, number in found.items()]


def only_invisible(text: str) -> bool:
    """True for a text that is not empty but shows nothing: spaces and format characters only."""
    return bool(text) and all(c.isspace() or unicodedata.category(c) in HIDDEN_CATEGORIES for c in text)


def code_points(characters) -> str:
    """Characters one cannot see, named so that one can: "U+202E, U+200B"."""
    return ", ".join(f"U+{ord(c):04X}" for c in characters)
