"""How a course's images appear in its files, its Markdown and its pages (no Pillow, no Flask).

An image is the file ``courses/<slug>/images/<name>`` of a draft, a version or a package. In a
draft or a version its text is a reference to the stored bytes, ``sha256:<hex> <width>x<height>``,
so drafts, versions, diffs and the checker keep working on one {path: text} mapping; in a zip
package and in the repository it is the image itself (bytes), encoded again when read.
Modules show it with ``![alt text](images/<name>)``; pages load it from the address
``/images/<course>/<sha256>/<name>``, which changes whenever the image does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FOLDER = "images/"
MAX_NAME = 80  # the name's stem, like a slug
IMAGE_NAME = re.compile(r"([a-z0-9]+(?:-[a-z0-9]+)*)\.(png|jpg|webp)")
REFERENCE = re.compile(r"sha256:([0-9a-f]{64}) ([1-9][0-9]{0,5})x([1-9][0-9]{0,5})")
URL_PREFIX = "/images/"
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}  # by extension
# ![alt](src) or ![alt](src "title"), on one line; the alt text may not hold brackets.
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^\s)>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


@dataclass(frozen=True)
class ImageRef:
    """What a reference says: the stored bytes' hash and the image's size in pixels."""

    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class ShownImage:
    """An image as a page shows it: its address and size (for width and height attributes)."""

    url: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageUse:
    """One ``![alt](src)`` written in a Markdown text, with its line in the file."""

    line: int
    alt: str
    src: str


def is_image_name(name: str) -> bool:
    """A lower-case slug and the extension of its format: "voice-booth.png", "plan-2.jpg"."""
    match = IMAGE_NAME.fullmatch(name)
    return match is not None and len(match[1]) <= MAX_NAME


def make_reference(sha256: str, width: int, height: int) -> str:
    return f"sha256:{sha256} {width}x{height}"


def parse_reference(text: str) -> ImageRef | None:
    """The reference a draft's image file holds, or None if the text is not one."""
    match = REFERENCE.fullmatch(text.strip()) if isinstance(text, str) else None
    return ImageRef(match[1], int(match[2]), int(match[3])) if match else None


def image_url(course: str, sha256: str, name: str) -> str:
    return f"{URL_PREFIX}{course}/{sha256}/{name}"


def image_path(course: str, name: str) -> str:
    """Where the image named *name* lives in a course's files."""
    return f"courses/{course}/{FOLDER}{name}"


def course_images(files, course: str) -> dict[str, ImageRef]:
    """The course's images {name: reference} found in *files* (texts that are not one left out)."""
    prefix = f"courses/{course}/{FOLDER}"
    found = {}
    for path, text in files.items():
        name = path.removeprefix(prefix)
        ref = parse_reference(text) if path.startswith(prefix) and is_image_name(name) else None
        if ref is not None:
            found[name] = ref
    return dict(sorted(found.items()))


def shown_images(course: str, refs: dict[str, ImageRef]) -> dict[str, ShownImage]:
    """What the renderer needs: each "images/<name>" a module may write, and how to show it."""
    return {
        FOLDER + name: ShownImage(image_url(course, ref.sha256, name), ref.width, ref.height)
        for name, ref in refs.items()
    }


def image_uses(text: str, first_line: int = 1) -> list[ImageUse]:
    """Every ``![alt](src)`` of a Markdown text outside code, with its line (*first_line* is the
    file line of the text's first line)."""
    uses = []
    fence = None
    for number, line in enumerate(text.split("\n"), start=first_line):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening[1]
            continue
        for match in _IMAGE.finditer(_CODE_SPAN.sub("", line)):
            uses.append(ImageUse(number, match[1].strip(), match[2]))
    return uses
