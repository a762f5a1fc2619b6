"""The licences a course may state in its front matter (``licence``), as SPDX identifiers.

Creative Commons licences suit training content; ``all-rights-reserved`` (no SPDX identifier
exists for it) is what a course without the field means. Each Creative Commons licence has a
deed, a plain-language summary that creativecommons.org serves in many languages.
"""

from __future__ import annotations

ALL_RIGHTS_RESERVED = "all-rights-reserved"

# SPDX identifier -> the path of its deed on creativecommons.org, in the order offered to publishers.
_CREATIVE_COMMONS = {
    "CC-BY-4.0": "licenses/by/4.0",
    "CC-BY-SA-4.0": "licenses/by-sa/4.0",
    "CC-BY-NC-4.0": "licenses/by-nc/4.0",
    "CC-BY-NC-SA-4.0": "licenses/by-nc-sa/4.0",
    "CC-BY-ND-4.0": "licenses/by-nd/4.0",
    "CC-BY-NC-ND-4.0": "licenses/by-nc-nd/4.0",
    "CC0-1.0": "publicdomain/zero/1.0",
}
LICENCES = (*_CREATIVE_COMMONS, ALL_RIGHTS_RESERVED)
PUBLIC_DOMAIN = "CC0-1.0"  # a waiver of rights rather than a licence: said differently
DEED_LANGUAGES = ("fr", "en")


def short_name(licence: str) -> str | None:
    """The name Creative Commons gives the licence ("CC BY-SA 4.0"); None if it is not one of theirs."""
    if licence not in _CREATIVE_COMMONS:
        return None
    code, _dash, version = licence.rpartition("-")
    kind, _dash, elements = code.partition("-")
    return " ".join(part for part in (kind, elements, version) if part)


def deed_url(licence: str, language: str) -> str | None:
    """The licence's deed on creativecommons.org in *language* (English if not offered); None if none."""
    path = _CREATIVE_COMMONS.get(licence)
    if path is None:
        return None
    deed = language if language in DEED_LANGUAGES else "en"
    return f"https://creativecommons.org/{path}/deed.{deed}"
