"""HTML back to Cadre Markdown: rendering the Markdown again gives the same sanitised HTML, for the
constructs Cadre's renderer produces and the characters Markdown would otherwise read as syntax."""

import pytest

from app.content.render import render_inline, render_markdown
from app.interop.gift import GiftText
from app.interop.markdown import convert


@pytest.mark.parametrize(
    "markdown",
    [
        "1\\. not a list, 2) nor this",
        "\\# not a heading",
        "\\- not a list\n\\+ nor this\n\\> nor a quote",
        "a \\* b \\_ c \\` d \\[e\\] f\\\\g &lt;b&gt; R&D &amp;amp; 5 < 6",
        '*em* **strong** `co*de` ``a`b`` [link](https://example.org "t") H<sub>2</sub>O x<sup>2</sup>',
        "Une «\u00a0citation\u00a0» ; une question\u202f?",
        "- one\n- *two*\n    - nested\n\n1. first\n2. second",
        "> quoted\n>\n> - item",
        "```\ncode <b> `x`\n```",
        "Line one\nline two of the same paragraph",
        "- loose\n\n- list\n\n    with two paragraphs",
    ],
)
def test_cadre_html_comes_back_as_markdown_that_renders_the_same(markdown):
    html = render_markdown(markdown)
    converted = convert(GiftText(html, "html"))
    assert render_markdown("\n\n".join(converted.blocks)) == html


def test_inline_html_comes_back_on_one_line():
    html = render_inline("**Quelle** clause *choisir*\u00a0? `x` & <y>")
    assert render_inline(convert(GiftText(html, "html")).line) == html


def test_moodle_formats():
    plain = convert(GiftText("<b>not bold</b>\nsame paragraph\n\nsecond", "plain"))
    assert plain.blocks == ("&lt;b>not bold&lt;/b>\nsame paragraph", "second")
    assert convert(GiftText("a <b>bold</b> word", "moodle")).blocks == ("a **bold** word",)
    assert convert(GiftText("# kept\n\nas *written*", "markdown")).blocks == ("# kept", "as *written*")
    assert convert(GiftText('<p><img src="a.png" alt="a"> text</p>', "html")).images == 1
