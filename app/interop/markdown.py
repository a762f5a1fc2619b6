"""Cadre Markdown from the texts of a GIFT file: HTML, Moodle's auto-format, plain text, Markdown.

Cadre's own sanitised HTML (what its GIFT export writes) comes back as Markdown that renders to
the very same HTML: the round-trip test checks it on every bundled quiz. Other HTML keeps its text
and what Cadre's Markdown has (emphasis, code, links, lists, quotes, code blocks); images are
counted, for the importer to refuse them, since a text file cannot bring them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .gift import GiftText

VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
HIDDEN = frozenset({"head", "script", "style", "template", "title"})
CONTAINERS = frozenset(
    {"address", "article", "div", "dl", "dd", "dt", "figure", "figcaption", "footer", "header", "section"}
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
PARAGRAPHS = HEADINGS | {"caption", "p", "tr"}
BLOCKS = CONTAINERS | PARAGRAPHS | {"blockquote", "hr", "ol", "pre", "table", "tbody", "thead", "ul"}
RAW_INLINE = frozenset({"abbr", "del", "sub", "sup"})  # Cadre keeps them; Markdown has no syntax
SAFE_HREF = re.compile(r"(?:https?:|mailto:)[^\s<>]*", re.IGNORECASE)
# ASCII only: the no-break spaces of French typography stay where they are.
BLANKS = re.compile(r"[ \t\f\v\r]+")  # within a line: a paragraph keeps its line breaks
ASCII_BLANKS = re.compile(r"[ \t\n\f\v\r]+")
MARKDOWN_CHARS = re.compile(r"([\\`*_\[\]])")
TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
ENTITY_START = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
LINE_START = re.compile(r"^(?:([#>+-])|(\d+)([.)]))")  # a heading, quote, list item or number


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _Tree(HTMLParser):
    """An HTML fragment as a tree, forgiving as browsers are with unclosed tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self.images += tag == "img"
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass(frozen=True)
class Converted:
    blocks: tuple[str, ...]  # Markdown blocks, to be separated by blank lines
    images: int = 0

    @property
    def line(self) -> str:
        """The text on one line (a question's heading, a choice)."""
        return one_line(" ".join(self.blocks))


def one_line(text: str) -> str:
    """Line breaks and runs of ASCII blanks as one space (str.split would eat no-break spaces)."""
    return ASCII_BLANKS.sub(" ", text).strip(" ")


def convert(text: GiftText) -> Converted:
    """A GIFT text as Cadre Markdown blocks, whatever its format."""
    if text.format == "markdown":
        return Converted(tuple(b.strip() for b in re.split(r"\n[ \t]*\n", text.text) if b.strip()))
    source = text.text
    if text.format != "html":  # plain shows tags as written; Moodle's auto-format allows HTML
        source = html.escape(source, quote=False) if text.format == "plain" else source
        source = "".join(f"<p>{part}</p>" for part in re.split(r"\n[ \t]*\n", source))
    tree = _Tree()
    tree.feed(source)
    tree.close()
    return Converted(tuple(_blocks(tree.root)), tree.images)


def _escape(text: str) -> str:
    text = TAG_START.sub("&lt;", ENTITY_START.sub("&amp;", text))
    return MARKDOWN_CHARS.sub(r"\\\1", text)


def _paragraph(text: str) -> str:
    """Inline Markdown as a paragraph: blanks folded, no line taken for a heading, list or quote."""
    lines = [line.strip(" ") for line in BLANKS.sub(" ", text).split("\n")]
    return "\n".join(LINE_START.sub(_escape_start, line) for line in lines if line)


def _escape_start(found: re.Match[str]) -> str:
    """A backslash before the character that would start a block: "\\# x", "1\\. x"."""
    return f"\\{found[1]}" if found[1] else f"{found[2]}\\{found[3]}"


def _text(node: _Node) -> str:
    return "".join(child if isinstance(child, str) else _text(child) for child in node.children)


def _inline(nodes: list[_Node | str]) -> str:
    return "".join(_escape(n) if isinstance(n, str) else _inline_node(n) for n in nodes)


def _wrap(marker: str, inner: str) -> str:
    """*inner* between Markdown markers, its outer blanks kept outside (or no emphasis is read)."""
    core = inner.strip(" \n")
    if not core:
        return inner
    start, end = inner[: len(inner) - len(inner.lstrip(" \n"))], inner[len(inner.rstrip(" \n")) :]
    return f"{start}{marker}{core}{marker}{end}"


def _code_span(text: str) -> str:
    text = " ".join(text.split("\n"))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _inline_node(node: _Node) -> str:
    inner = "" if node.tag in HIDDEN else _inline(node.children)
    if node.tag in ("em", "i"):
        return _wrap("*", inner)
    if node.tag in ("strong", "b"):
        return _wrap("**", inner)
    if node.tag == "code":
        return _code_span(_text(node))
    if node.tag == "br":
        return "\n"
    if node.tag == "a" and SAFE_HREF.fullmatch(node.attrs.get("href", "")):
        href = node.attrs["href"].replace("(", "%28").replace(")", "%29")
        title = node.attrs.get("title", "").replace('"', "&quot;")
        return f'[{inner}]({href} "{title}")' if title else f"[{inner}]({href})"
    if node.tag in RAW_INLINE:
        title = node.attrs.get("title", "")
        attribute = f' title="{html.escape(title)}"' if node.tag == "abbr" and title else ""
        return f"<{node.tag}{attribute}>{inner}</{node.tag}>"
    if node.tag in BLOCKS:
        return f"\n{inner}\n"
    return inner


def _blocks(node: _Node) -> list[str]:
    """Markdown blocks for the children of *node*; runs of inline content make paragraphs."""
    blocks: list[str] = []
    run: list[_Node | str] = []

    def flush() -> None:
        paragraph = _paragraph(_inline(run))
        if paragraph:
            blocks.append(paragraph)
        run.clear()

    for child in node.children:
        if isinstance(child, str) or child.tag not in BLOCKS:
            run.append(child)
            continue
        flush()
        blocks.extend(_block(child))
    flush()
    return [block for block in blocks if block.strip()]


def _block(node: _Node) -> list[str]:
    if node.tag in ("ul", "ol"):
        return [_list(node)]
    if node.tag == "blockquote":
        inner = "\n\n".join(_blocks(node))
        return ["\n".join(f"> {line}".rstrip() for line in inner.split("\n"))]
    if node.tag == "pre":
        code = _text(node).removesuffix("\n")
        fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
        return [f"{fence}\n{code}\n{fence}"]
    if node.tag in PARAGRAPHS and not any(isinstance(c, _Node) and c.tag in BLOCKS for c in node.children):
        cells = [c for c in node.children if isinstance(c, _Node) and c.tag in ("td", "th")]
        text = " | ".join(_inline(c.children).strip() for c in cells) if cells else _inline(node.children)
        paragraph = _paragraph(text)
        return [f"**{paragraph}**" if node.tag in HEADINGS and paragraph else paragraph]
    return _blocks(node)  # containers, tables, and blocks holding other blocks


def _list(node: _Node) -> str:
    """A list; paragraphs in its items make it loose (blank lines between items), else tight."""
    items = [child for child in node.children if isinstance(child, _Node) and child.tag == "li"]
    loose = any(isinstance(c, _Node) and c.tag == "p" for item in items for c in item.children)
    written = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}. " if node.tag == "ol" else "- "
        first, *rest = ("\n\n" if loose else "\n").join(_blocks(item)).split("\n")
        written.append("\n".join([marker + first, *(f"    {line}" if line else "" for line in rest)]))
    return ("\n\n" if loose else "\n").join(written)
