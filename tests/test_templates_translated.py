"""No template shows text outside the translation functions.

Every word a page shows comes from ``_()``, ``ngettext()`` or data (titles, names). The scan
below removes Jinja's tags, expressions and comments, then reads what is left as HTML: text nodes
and the attributes people read or hear (alt, title, aria-label, placeholder). Anything with two
letters in a row is text someone forgot to translate, except the few kept in their own language
on purpose, listed with why.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
ON_PURPOSE = {
    ("base.html", "· Cadre"): "the site's name, after each page's title",
    ("base.html", "Cadre"): "the site's name, the header's logo text",
    ("base.html", "Version française"): "the language switch names each language in itself",
    ("base.html", "English version"): "the language switch names each language in itself",
    ("legal/privacy.html", "www.cnil.fr/fr/plaintes"): "an address, shown as written",
    ("publishing/_images.html", "![ ](images/ )"): "Markdown to copy, the same in every language",
    ("publishing/read.html", "course.md"): "a file's name",
}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")
        self.found += [
            value for name, value in attrs if name in READ_ATTRIBUTES and value and WORDS.search(value)
        ]

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._hidden and WORDS.search(data):
            self.found.append(data)


def untranslated(text: str) -> list[str]:
    """The text of a template that no translation function produces, spaces squeezed."""
    parser = _Text()
    parser.feed(JINJA.sub(lambda tag: re.sub(r"\S", " ", tag.group(0)), text))
    return [" ".join(found.split()) for found in parser.found]


def test_the_scan_finds_raw_text_and_leaves_translated_text_alone():
    raw = (
        '<p title="Hello">{{ _("Hi") }} Bonjour</p>'
        "<img alt=\"{{ _('x') }}\">{# Note #}<script>var a;</script>"
    )
    assert untranslated(raw) == ["Hello", "Bonjour"]


def test_every_template_translates_what_it_shows():
    found = {
        (str(path.relative_to(TEMPLATES)), text)
        for path in sorted(TEMPLATES.rglob("*.html"))
        for text in untranslated(path.read_text(encoding="utf-8"))
    }
    forgotten = sorted(found - set(ON_PURPOSE))
    assert forgotten == [], "text outside _() in templates:\n" + "\n".join(f"{p}: {t}" for p, t in forgotten)
    assert set(ON_PURPOSE) <= found, "ON_PURPOSE lists text no template shows any more"
