"""The French catalogue covers every user-facing string, keeps its placeholders and compiles.

Messages are extracted from the sources exactly as ``make extract-messages`` does (the
mapping of ``babel.cfg``, Babel's default keywords plus ``_l``, ``lazy_gettext`` and ``N_``), so a
string added to a template or a Python module without a French translation fails here.
"""

import re
from collections import Counter
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
FR_PO = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
# Same keywords as `pybabel extract -k _l -k lazy_gettext -k N_` (the defaults include _, gettext
# and ngettext; N_ marks the content checker's warning templates, translated where shown).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
HOW_TO_FIX = (
    "run `make extract-messages`, translate the new entries in "
    "app/translations/fr/LC_MESSAGES/messages.po (no `#, fuzzy` flag left), then "
    "`make translations`"
)

# A %-format directive: a literal `%%`, or a conversion with an optional `(name)`.
FORMAT_DIRECTIVE = re.compile(
    r"%(?:%|(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa])"
)


@cache
def extracted() -> dict[str, list[str]]:
    """Every msgid found in the sources, mapped to the places it occurs."""
    with BABEL_CFG.open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(BABEL_CFG))
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@cache
def catalog() -> Catalog:
    with FR_PO.open("rb") as po:
        return read_po(po, locale="fr", ignore_obsolete=True)


def translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, list | tuple) else [message.id]


def placeholders(text: str) -> Counter:
    """The %-placeholders of ``text`` (named or not), without the literal ``%%``."""
    return Counter(m.group(0) for m in FORMAT_DIRECTIVE.finditer(text) if m.group(0) != "%%")


def test_extraction_covers_python_and_templates():
    """Guards the extraction itself: an extractor that silently finds nothing proves nothing."""
    places = [place for where in extracted().values() for place in where]
    for kind in ("app/", "templates/", ".html:", ".txt:"):
        assert any(kind in place for place in places), f"no message extracted from {kind}"


def test_every_message_has_a_french_translation():
    cat = catalog()
    missing = []
    for msgid, where in sorted(extracted().items()):
        message = cat.get(msgid)
        if message is None or message.fuzzy or not all(s.strip() for s in translations(message)):
            missing.append(f"  {msgid!r}  ({', '.join(where)})")
    assert not missing, (
        f"{len(missing)} message(s) without a French translation:\n"
        + "\n".join(missing)
        + f"\nTo fix: {HOW_TO_FIX}."
    )


def test_no_fuzzy_entries_left():
    fuzzy = [m.id for m in catalog() if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {FR_PO.name}: {fuzzy}. To fix: {HOW_TO_FIX}."


def test_translations_keep_the_placeholders():
    wrong = []
    for message in catalog():
        if not message.id:
            continue
        expected = [placeholders(msgid) for msgid in ids(message)]
        percent_in_msgid = any("%" in msgid for msgid in ids(message))
        for text in translations(message):
            if not text:
                continue
            leftover = FORMAT_DIRECTIVE.sub("", text)
            if placeholders(text) not in expected:
                wrong.append(f"{message.id!r} -> {text!r}: not the same placeholders")
            elif "%" in text and not percent_in_msgid:
                # Python code formats a string only when given variables, templates always
                # do (Jinja's newstyle gettext): a '%' is safe in neither, here.
                wrong.append(f"{message.id!r} -> {text!r}: '%' where the msgid has none")
            elif "%" in leftover:
                wrong.append(f"{message.id!r} -> {text!r}: stray '%' (a literal one is '%%')")
    assert not wrong, "\n".join(wrong)


# French typography (the Imprimerie nationale's rules, as the interface writes them): a no-break
# space before a colon and inside « », a narrow no-break space before ; ! and ?, so that none of
# them starts a line on a phone. A sign quoted alone (« ? ») is a character, not punctuation.
TYPOGRAPHY = (
    ("ordinary or no-break space before ; ! ?", re.compile(r"(?<!«)[ \u00a0](?=[;!?](\s|$))")),
    ("no space before ; ! ?", re.compile(r"[^\s\u202f\u00a0«](?=[;!?](\s|$))")),
    ("ordinary or narrow space before :", re.compile(r"[ \u202f](?=:(\s|$))")),
    # « champ: valeur » quotes front matter's syntax, which has no space.
    ("no space before :", re.compile(r"[^\s\u00a0\u202f](?<!champ)(?=:(\s|$))")),
    ("ordinary space inside « »", re.compile(r"«[ \u202f]|[ \u202f]»")),
    ("no space inside « »", re.compile(r"«(?=\S)|(?<=\S)»")),
)


def test_french_punctuation_has_its_no_break_spaces():
    """Older strings mixed no-break and narrow spaces before « ; », some had an ordinary one."""
    wrong = [
        f"{rule}: {text!r}"
        for message in catalog()
        if message.id
        for text in translations(message)
        for rule, pattern in TYPOGRAPHY
        if text and pattern.search(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_catalogue_checks_and_compiles():
    cat = catalog()
    errors = [f"{message.id!r}: {'; '.join(str(e) for e in errs)}" for message, errs in cat.check()]
    assert not errors, "\n".join(errors)

    buffer = BytesIO()
    write_mo(buffer, cat)
    buffer.seek(0)
    compiled = read_mo(buffer)
    assert compiled.get("Log in").string == cat.get("Log in").string
    assert len([m for m in compiled if m.id]) == len([m for m in cat if m.id])
