"""The authoring guide (docs/authoring.md) read inside the site, with a table of contents.

French readers get its translation, docs/authoring.fr.md; a language without its own file gets
the English guide with a notice. Each file's section anchors come from its own headings, so the
two differ: the contents list links within one file, and nothing else in the site links to a
section (tests/publishing/test_guide_fr.py keeps it so, or checks the link in both languages).

Public: it describes the file format and holds nothing about anyone, and people deciding whether
to publish with Cadre may read it before they have an account. It is rendered by the one
sanitising ``render_markdown``, like authors' text, though it comes from the repository.
"""

import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from flask_babel import get_locale

from app.content.render import plain_text, render_markdown

bp = Blueprint("guide", __name__, url_prefix="/guide")
# The "## " sections (h3 once rendered: the page owns h1, the contents list h2) and their "### ".
_HEADING = re.compile(r'<h([34]) id="([^"]+)">(.*?)</h\1>', re.S)


def docs_folder() -> Path:
    """The repository's docs/ folder, where the guide and its translations are."""
    return Path(current_app.root_path).parent / "docs"


def guide_file(language: str) -> Path | None:
    """docs/authoring.<language>.md if it exists, else the English docs/authoring.md (None if absent)."""
    docs = docs_folder()
    for path in (docs / f"authoring.{language}.md", docs / "authoring.md"):
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=4)
def _rendered(path: str, modified: float) -> tuple[str, str, tuple]:
    """The guide's title, body HTML and contents: (id, text, children) per section; cached per version."""
    text = Path(path).read_text(encoding="utf-8")
    first, _newline, rest = text.partition("\n")
    title = first.removeprefix("# ").strip() if first.startswith("# ") else ""
    html = render_markdown(rest if title else text)  # "##" gives h3: h2 is the contents' level
    contents: list[tuple[str, str, list]] = []
    for level, anchor, inner in _HEADING.findall(html):
        entry = (anchor, plain_text(inner), [])
        if level == "3" or not contents:
            contents.append(entry)
        else:
            contents[-1][2].append(entry)
    return title, html, tuple(contents)


@bp.get("/")
def authoring():
    """How to write courses, modules and quizzes, in the reader's language when it exists."""
    language = str(get_locale() or "en").split("_")[0]
    path = guide_file(language)
    if path is None:
        abort(404)
    title, html, contents = _rendered(str(path), path.stat().st_mtime)
    translated = path.name == f"authoring.{language}.md" or language == "en"
    guide_language = language if path.name == f"authoring.{language}.md" else "en"
    return render_template(
        "guide/authoring.html",
        title=title,
        html=html,
        contents=contents,
        translated=translated,
        guide_language=guide_language,
    )
