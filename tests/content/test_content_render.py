"""Markdown rendering and sanitising: hostile input never survives, legit content does."""

from html.parser import HTMLParser

import pytest

from app.content.render import BLOCK_TAGS, render_inline, render_markdown, slugify, static_src

ALLOWED_ATTRIBUTES = {"href", "title", "src", "alt", "id", "rel"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class _Tags(HTMLParser):
    """Collects every start tag with its (entity-decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_safe(html: str) -> None:
    """No disallowed tag, no event handler, no script URL, no image from outside /static/."""
    for tag, attrs in tags_of(html):
        assert tag in BLOCK_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name in ALLOWED_ATTRIBUTES, (name, html)
            if name in {"href", "src"}:
                # Browsers ignore whitespace and control characters inside a scheme.
                squeezed = "".join(ch for ch in value or "" if ch > " ").lower()
                assert not squeezed.startswith(BAD_SCHEMES), html
            if name == "src":
                assert (value or "").startswith("/static/"), html
            if name == "id":
                assert tag in {"h2", "h3", "h4"}, html


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=/static/x.png onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    "<a href='vbscript:msgbox(1)'>x</a>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)><circle r=1></circle></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<style>body{display:none}</style>",
    '<p style="position:fixed;top:0">x</p>',
    '<p class="admin" id="login">x</p>',
    '<form action="/logout"><input type="submit"><button>go</button></form>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "![x](javascript:alert(1))",
    "![x](https://tracker.example/pixel.png)",
    "![x](//tracker.example/pixel.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](/static/../admin/delete)",
    "![x](/static/%2e%2e/admin)",
    "<h1 onclick=alert(1)>title</h1>",
    '<h2 id="main">clobber</h2>',
    '<details open ontoggle="alert(1)">x</details>',
    '<video><source onerror="alert(1)"></video>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    "<table><tr><td background=javascript:alert(1)>x</td></tr></table>",
    "<!-- <script>alert(1)</script> -->",
    "[TOC]\n\n# Heading",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_neutralised(source):
    html = render_markdown(source)
    assert_safe(html)
    assert "<script" not in html.lower()


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_inline_is_neutralised(source):
    html = render_inline(source)
    assert_safe(html)
    assert "<p" not in html


def test_author_ids_and_classes_are_dropped():
    html = render_markdown('<h2 id="main">x</h2>\n\n<p class="admin" id="login">y</p>')
    assert "id=" not in html
    assert "class=" not in html


def test_headings_shift_one_level_and_get_ids():
    html = render_markdown("# Intro\n\n## Qu'est-ce que l'opt-out ?\n\n### Deep\n\n#### Deeper")
    assert '<h2 id="intro">Intro</h2>' in html
    assert '<h3 id="qu-est-ce-que-l-opt-out">' in html
    assert '<h4 id="deep">Deep</h4>' in html
    assert "<h5>Deeper</h5>" in html
    assert "<h1" not in html


def test_duplicate_headings_get_unique_ids():
    html = render_markdown("# Same\n\n# Same")
    assert '<h2 id="same">' in html
    assert '<h2 id="same_1">' in html


def test_table_survives_without_style():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in html
    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html


def test_fenced_code_is_escaped():
    html = render_markdown("```python\nif a < b:\n    print('<b>')\n```")
    assert "<pre><code>if a &lt; b:" in html
    assert "&lt;b&gt;" in html
    assert "class=" not in html


def test_static_images_are_kept_and_normalised():
    html = render_markdown("![A](/static/img/x.png) ![B](static/img/y.png)")
    assert '<img alt="A" src="/static/img/x.png">' in html
    assert '<img alt="B" src="/static/img/y.png">' in html


def test_external_image_loses_its_src():
    html = render_markdown("![Pixel](https://tracker.example/p.png)")
    assert '<img alt="Pixel">' in html


def test_links_keep_safe_urls_with_rel():
    html = render_markdown("[a](https://example.org/x) [b](/courses/x) [c](#intro) [d](mailto:a@example.org)")
    assert '<a href="https://example.org/x" rel="noopener noreferrer">a</a>' in html
    assert 'href="/courses/x"' in html
    assert 'href="#intro"' in html
    assert 'href="mailto:a@example.org"' in html


def test_lists_quotes_and_emphasis_survive():
    html = render_markdown("1. one\n2. **two**\n\n> *quoted*\n\n---\n\nH~2~O")
    assert "<ol>" in html
    assert "<strong>two</strong>" in html
    assert "<blockquote>" in html
    assert "<em>quoted</em>" in html
    assert "<hr>" in html


def test_render_inline_has_no_block():
    assert render_inline("**Yes**, `a<b` and [c](https://c.example)") == (
        "<strong>Yes</strong>, <code>a&lt;b</code> and "
        '<a href="https://c.example" rel="noopener noreferrer">c</a>'
    )
    assert render_inline("1. not a list") == "1. not a list"
    assert render_inline("# not a heading") == "# not a heading"
    assert render_inline("> not a quote") == "&gt; not a quote"
    assert render_inline("<h2>x</h2> y") == "x y"


def test_render_inline_keeps_french_no_break_spaces():
    # « Qu’en dit-on ? » : U+00A0 after « and before », U+202F before ?, folded tabs and newlines
    assert render_inline("\u00ab\u00a0Qu’en dit-on\u202f?\u00a0\u00bb \t\n suite") == (
        "\u00ab&nbsp;Qu’en dit-on\u202f?&nbsp;\u00bb suite"  # nh3 writes U+00A0 as &nbsp;
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Qu'est-ce que l'opt-out ?", "qu-est-ce-que-l-opt-out"),
        ("Œuvres & données — 2025", "uvres-donnees-2025"),
        ("Déjà vu", "deja-vu"),
        ("???", ""),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("/static/img/x.png", "/static/img/x.png"),
        ("static/img/x.png", "/static/img/x.png"),
        (" /static/x.svg ", "/static/x.svg"),
        ("/static/../x.png", None),
        ("/static//evil.example/x.png", None),
        ("/static/x.png?a=1", None),
        ("/statics/x.png", None),
        ("https://cdn.example/static/x.png", None),
        ("//static/x.png", None),
    ],
)
def test_static_src(src, expected):
    assert static_src(src) == expected
