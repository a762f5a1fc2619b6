"""A module's model document: the section its author titles « Modèle : … » ("Template: …").

A model document is something a professional takes back to work (a consent form, contract
clauses, a checklist). It lives in the module's text like any section; this finds it in the
rendered HTML so that the module page can point to it and a page can show it alone, to print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .render import plain_text

# What the heading says before its colon, compared case-insensitively.
PREFIXES = frozenset({"modèle", "template"})
_H2 = re.compile(r"<h2(?: id=\"([^\"]*)\")?>(.*?)</h2>", re.S)
_SUBHEADING = re.compile(r"<(/?)h([3-6])\b")


@dataclass(frozen=True)
class ModelDocument:
    anchor: str  # the heading's id in the module page
    title: str  # the heading without its prefix, capitalised: « Autorisation d'enregistrement… »
    html: str  # the section's body, up to the next section (already sanitised)


@lru_cache(maxsize=512)  # module pages ask on every request; a module's text changes only on import
def model_document(body_html: str) -> ModelDocument | None:
    """The first section of *body_html* whose heading reads « Modèle : <title> », if any."""
    headings = list(_H2.finditer(body_html))
    for index, heading in enumerate(headings):
        text = " ".join(plain_text(heading.group(2)).split())
        prefix, colon, title = text.partition(":")
        if colon and title.strip() and prefix.strip().casefold() in PREFIXES:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(body_html)
            title = title.strip()
            title = title[0].upper() + title[1:]  # « Modèle : autorisation… » titles a page « Autorisation… »
            body = body_html[heading.end() : end].strip()
            return ModelDocument(heading.group(1) or "", title, _promote_headings(body))
    return None


def _promote_headings(html: str) -> str:
    """Sub-headings one level up: on its own page the section's title is the h1, so its h3 become h2."""
    return _SUBHEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) - 1}", html)
