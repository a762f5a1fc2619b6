"""Markdown to sanitised HTML.

Authors' Markdown (and any raw HTML in it) is rendered with Python-Markdown, then ALWAYS passed
through nh3 (Ammonia) with an explicit allow-list. The sanitiser, not the Markdown step, is the
security boundary: nothing rendered here is trusted until nh3 has cleaned it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor

from .image_refs import ShownImage
from .messages import MAX_BRACKETS, MAX_NESTING, TOO_DEEP, TOO_MANY_BRACKETS

# Inline tags: what may appear inside a paragraph, a quiz choice or a question heading.
INLINE_TAGS = frozenset({"a", "abbr", "b", "br", "code", "del", "em", "i", "img", "strong", "sub", "sup"})
# Authors' "#" becomes h2 because the page owns the single h1, so h1 is never allowed.
BLOCK_TAGS = INLINE_TAGS | {
    "p", "hr", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    # width, height and loading only as course_images_extension sets them (see _filter).
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "abbr": {"title"},
    # Only ids made by the toc extension survive (see _filter): they are the heading anchors.
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with their content, not just unwrapped: their text is never meant to be read.
CLEAN_CONTENT_TAGS = frozenset({
    "script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript",
    "textarea", "select", "title", "xmp", "noembed", "noframes", "applet",
})  # fmt: skip
LINK_REL = "noopener noreferrer"

# Images may only come from our own static folder: no tracking pixels, no data: payloads and no
# GET to arbitrary same-site URLs. Empty segments, "..", "%", "?" and "\\" are refused so the
# path cannot escape static/.
_STATIC_SRC = re.compile(r"/?static(?:/[A-Za-z0-9._-]+)+")
# A scheme as a browser would read it once tabs, newlines and other controls are dropped.
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_ASCII_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
# What opens a line: indentation, quote marks and list markers, in any order ("> > - x",
# "    > x", "- - x": Python-Markdown reads a list item's text as blocks again, so each counts).
_MARKER = re.compile(r"(?:[*+-]|\d+\.) ")
_LEAD = re.compile(r"(?:[ >]|(?:[*+-]|\d+\.)(?= ))*")


class RenderError(ValueError):
    """The Markdown cannot be rendered; ``message`` is the checker message (a translatable Message)."""

    @property
    def message(self):
        return self.args[0]


def slugify(text: str) -> str:
    """ASCII-folded slug: "Qu'est-ce que l'opt-out ?" gives "qu-est-ce-que-l-opt-out"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The visible text of sanitised HTML (to slug headings, count words, compare choices)."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def static_src(src: str) -> str | None:
    """Return *src* as "/static/..." if it points into static/, else None."""
    src = src.strip()
    if not _STATIC_SRC.fullmatch(src) or ".." in src:
        return None
    return src if src.startswith("/") else "/" + src


def _safe_href(href: str) -> bool:
    """Second line of defence behind nh3's scheme check: squeeze out every blank or control
    character and refuse any scheme but http, https and mailto."""
    squeezed = "".join(ch for ch in href if ch > " ").lower()
    scheme = _SCHEME.match(squeezed)
    return scheme is None or scheme.group(1) in URL_SCHEMES


def _make_filter(nonce: str):
    """Build the nh3 attribute filter for one rendering; *nonce* marks toc-made heading ids."""

    def _filter(tag: str, attr: str, value: str) -> str | None:
        if attr == "id":
            # Authors' raw HTML could carry ids (to clobber page elements); only toc knows the
            # nonce, so an id without it came from the author and is dropped.
            return value[len(nonce) :] if value.startswith(nonce) else None
        if tag == "img" and attr == "src":
            # A course's own image, as the renderer itself resolved it (an author's raw HTML
            # cannot know the nonce), or a file of static/.
            return value[len(nonce) :] if value.startswith(nonce) else static_src(value)
        if tag == "img" and attr in ("width", "height", "loading"):
            return value[len(nonce) :] if value.startswith(nonce) else None
        if attr == "href" and not _safe_href(value):
            return None
        return value

    return _filter


def _new_nonce() -> str:
    """A fresh unguessable prefix (starting with a letter) for the ids toc makes."""
    return "h" + secrets.token_hex(8) + "-"


def _clean(html: str, tags: frozenset[str], nonce: str) -> str:
    return nh3.clean(
        html,
        tags=set(tags),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ATTRIBUTES.items() if tag in tags},
        attribute_filter=_make_filter(nonce),
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
    )


class _CourseImages(Treeprocessor):
    """Point each ``![alt](images/<name>)`` of the course at its address, with its size."""

    def __init__(self, md: markdown.Markdown, images: Mapping[str, ShownImage], nonce: str) -> None:
        super().__init__(md)
        self.images, self.nonce = images, nonce

    def run(self, root) -> None:
        for element in root.iter("img"):
            image = self.images.get(element.get("src", ""))
            if image is not None:
                element.set("src", self.nonce + image.url)
                element.set("width", f"{self.nonce}{image.width}")
                element.set("height", f"{self.nonce}{image.height}")
                element.set("loading", self.nonce + "lazy")


class _CourseImagesExtension(Extension):
    def __init__(self, images: Mapping[str, ShownImage], nonce: str) -> None:
        super().__init__()
        self.images, self.nonce = images, nonce

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.treeprocessors.register(_CourseImages(md, self.images, self.nonce), "course_images", 0)


def render_markdown(text: str, images: Mapping[str, ShownImage] | None = None) -> str:
    """Render block Markdown to sanitised HTML; headings shift one level down ("#" gives h2).

    *images* maps the "images/<name>" a course's text may show to their address and size; any
    other image source but static/ is dropped. Raises RenderError for pathological nesting that
    Python-Markdown cannot parse.
    """
    if text.count("[") > MAX_BRACKETS:
        raise RenderError(TOO_MANY_BRACKETS)
    if nesting(text) > MAX_NESTING:
        raise RenderError(TOO_DEEP)
    nonce = _new_nonce()
    toc = TocExtension(
        baselevel=2,  # "#" -> h2: the page template owns the only h1
        marker="",  # no [TOC] placeholder: its links would carry the nonce
        slugify=lambda value, _sep: nonce + (slugify(value) or "section"),
    )
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", toc, _CourseImagesExtension(images or {}, nonce)]
    )
    try:
        html = md.convert(text)
    except RecursionError as exc:  # Python-Markdown before 3.11 recursed once per nested level
        raise RenderError(TOO_DEEP) from exc
    return _clean(html, BLOCK_TAGS, nonce).strip()


def nesting(text: str) -> int:
    """An upper bound on how deeply *text* nests lists and quotes, read from its lines alone.

    Each line counts its quote marks, its list markers and one level per 4 columns of indentation
    (Python-Markdown nests a list 4 columns in; tabs are 4 columns): the innermost of 40 lists
    inside each other counts 40. Closed fenced code blocks are code, not nesting; an unclosed
    fence is no fence for Python-Markdown either, so it hides nothing. The text is first cleaned
    as Python-Markdown cleans it, so that both see the same lines and the same fences.
    """
    text = text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n")
    deepest = 0
    # fenced_code's own pattern: what it takes for code is exactly what is left out here.
    for line in FencedBlockPreprocessor.FENCED_BLOCK_RE.sub("", text.expandtabs(4)).split("\n"):
        if line.strip(" "):  # a blank line nests nothing; a line of quote marks does
            lead = _LEAD.match(line).group()
            quotes = lead.count(">")
            markers = len(_MARKER.findall(lead))
            indent = _MARKER.sub("", lead.replace("> ", ">")).count(" ") // 4
            deepest = max(deepest, quotes + markers + indent)
    return deepest


# Python-Markdown's block processors, except "empty" and "paragraph"; "reference" too, or a line
# like "[a]: http://x" would vanish as a link definition.
_BLOCK_PROCESSORS = (
    "indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote", "reference",
)  # fmt: skip


def _inline_markdown() -> markdown.Markdown:
    """A Markdown instance that only knows paragraphs, so "1. x" or "# x" stay plain text."""
    md = markdown.Markdown()
    for name in _BLOCK_PROCESSORS:
        md.parser.blockprocessors.deregister(name, strict=False)
    return md


def render_inline(text: str) -> str:
    """Render one line of inline Markdown to sanitised HTML, without a wrapping <p>."""
    # One line (newlines would start new blocks); only ASCII blanks are folded, so the no-break
    # spaces of French typography (« ; ? ! : ») stay where the author put them.
    line = _ASCII_BLANKS.sub(" ", text).strip(" ")
    # "p" is not an inline tag, so nh3 unwraps the paragraph Markdown puts around the line.
    if line.count("[") > MAX_BRACKETS:
        raise RenderError(TOO_MANY_BRACKETS)
    html = _clean(_inline_markdown().convert(line), INLINE_TAGS, _new_nonce())
    # Unwrapped raw HTML blocks leave newlines behind; inline HTML reads them as spaces anyway.
    return html.replace("\n", " ").strip()
