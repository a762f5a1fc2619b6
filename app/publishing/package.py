"""Course packages: one course as a .zip in the repository's layout, read safely and written reproducibly.

A package holds courses/<slug>/course.md, courses/<slug>/NN-<module>.md, quizzes/<slug>/<module>.md and
the course's images, courses/<slug>/images/<name> (the images themselves, not a draft's references to
them: app.publishing.images encodes them again and stores them), and nothing else but, in a package
downloaded from Cadre, cadre-draft.txt: the hash of the draft it was made from (see ``made_from``).
Uploaded packages are hostile input: nothing is ever extracted to disk, entries are read into memory
in chunks while counting the real bytes (headers can lie), and reading stops as soon as a size limit
is passed.
Whether the files are a good course is app.content.checker's job.
"""

from __future__ import annotations

import copy
import io
import re
import stat
import struct
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from app.content.checker import is_slug
from app.content.image_refs import FOLDER, parse_reference
from app.i18n import lazy_gettext as _l

TOP_FOLDERS = ("courses", "quizzes")
MARKER = "cadre-draft.txt"  # at the root of a downloaded package: the draft it was made from
MARKER_MAX_BYTES = 2048
MARKER_HASH = re.compile(r"^draft: ([0-9a-f]{64})\s*$", re.MULTILINE)
MARKER_TEXT = """\
Ce paquet a été téléchargé depuis Cadre. Gardez ce fichier quand vous zippez le dossier à nouveau\u00a0:
il dit à Cadre de quel état du brouillon vos modifications partent, pour que l’envoi ne remplace
pas sans le dire des modifications faites depuis, dans le navigateur ou par quelqu’un d’autre.

This package was downloaded from Cadre. Keep this file when you zip the folder again: it tells
Cadre which state of the draft your changes start from, so that uploading it does not silently
replace changes made since, in the browser or by someone else.

draft: {draft_hash}
"""
LITTER_FILES = (".ds_store", "thumbs.db")  # compared case-insensitively
RATIO_FLOOR = 64 * 1024  # short text compresses very well: only larger entries have their ratio checked
CHUNK = 64 * 1024
MB = 1024 * 1024
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
REGULAR_FILE = (stat.S_IFREG | 0o644) << 16
ENCRYPTED = 0x1  # general purpose flag bit 0
ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # deflate's output is bounded as we read
DRIVE = re.compile(r"[A-Za-z]:")
MAX_SHOWN = 120  # characters of an entry name quoted in a message
# What zipfile and zlib raise on a damaged archive or entry (a bad UTF-8 name is a ValueError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # zipfile's answer to a compression method it cannot read (not a to-do)
    EOFError,
    OSError,
    ValueError,
    struct.error,
)


@dataclass(frozen=True)
class PackageLimits:
    max_upload_bytes: int = 10 * MB  # the .zip itself
    max_files: int = 200  # file entries
    max_file_bytes: int = MB // 4  # one file, uncompressed (a long module is 15 KB)
    max_total_bytes: int = 4 * MB  # all files, uncompressed
    max_ratio: int = 100  # uncompressed/compressed per entry (zip bombs)
    max_image_bytes: int = 5 * MB  # one image in courses/<slug>/images/, not counted in max_total_bytes


DEFAULT_LIMITS = PackageLimits()


class PackageError(ValueError):
    """The package is refused; .problems lists messages for the person, each naming the entry and problem."""

    def __init__(self, problems):
        self.problems = [str(problem) for problem in problems]  # in the locale current when refused
        super().__init__("\n".join(self.problems))


def read_package(data: bytes, limits: PackageLimits = DEFAULT_LIMITS) -> tuple[str, dict[str, str | bytes]]:
    """Return (course slug, files) with files mapping relative paths ("courses/<slug>/course.md", …) to text,
    and the images' paths to their bytes (not checked here: see app.publishing.images).

    Raises PackageError listing every problem found, without reading past any size limit.
    """
    check_size(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        raise PackageError([_l("This file is not a zip package, or it is damaged.")]) from None
    with archive:
        # Skipped litter counts too, against a looser cap: it costs memory all the same.
        if len(archive.infolist()) > 2 * limits.max_files:
            raise PackageError([_l("The package holds more than %(count)d files.", count=limits.max_files)])
        entries = [info for info in archive.infolist() if not _is_ignored(info.orig_filename)]
        if len(entries) > limits.max_files:
            raise PackageError([_l("The package holds more than %(count)d files.", count=limits.max_files)])
        problems: list = []
        entries = [info for info in entries if _entry_is_acceptable(info, problems)]
        entries = _without_duplicates(entries, problems)
        slug = _course_slug([info.orig_filename for info in entries], problems)
        files = _read_entries(archive, entries, len(data), limits, problems)
    if problems:
        raise PackageError(problems)
    return slug, files


def check_size(data: bytes, limits: PackageLimits = DEFAULT_LIMITS) -> None:
    """Raise PackageError if the zip itself is over the limit (before anything is read of it)."""
    if len(data) > limits.max_upload_bytes:
        raise PackageError(
            [_l("The package is larger than %(size)s.", size=_megabytes(limits.max_upload_bytes))]
        )


def write_package(
    files: Mapping[str, str], images: Mapping[str, bytes] | None = None, draft_hash: str | None = None
) -> bytes:
    """A deterministic zip (sorted names, fixed timestamps, deflate, regular files 0o644).

    An image's reference is replaced by its bytes, from *images* (sha256 -> bytes). Once its images
    are stored again (app.publishing.images), read_package(write_package(files)) gives back exactly
    *files* when they form a valid package. With *draft_hash*, the package names the draft it is
    made from in cadre-draft.txt, which ``made_from`` reads back.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if draft_hash is not None:
            marker = MARKER_TEXT.format(draft_hash=draft_hash).encode("utf-8")
            archive.writestr(_entry_info(MARKER), marker, compresslevel=9)
        for name in sorted(files):
            info = _entry_info(name)
            ref = parse_reference(files[name]) if _is_image_entry(name) else None
            image = (images or {}).get(ref.sha256) if ref is not None else None
            if image is not None:
                info.compress_type = zipfile.ZIP_STORED  # already compressed: deflate would only cost
                archive.writestr(info, image)
            else:  # text, or an image whose bytes are lost: its reference (refused if uploaded)
                archive.writestr(info, files[name].encode("utf-8"), compresslevel=9)
    return buffer.getvalue()


def made_from(data: bytes) -> str | None:
    """The hash of the draft a package downloaded from Cadre was made from, as its cadre-draft.txt
    names it; None when the package holds no such file (or a damaged or foreign one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(MARKER)
            if info.file_size > MARKER_MAX_BYTES or info.flag_bits & ENCRYPTED:
                return None
            text = _read_at_most(archive, info, MARKER_MAX_BYTES).decode("utf-8", errors="replace")
    except (KeyError, *ZIP_ERRORS):
        return None
    found = MARKER_HASH.search(text)
    return found.group(1) if found else None


def _entry_info(name: str) -> zipfile.ZipInfo:
    """A regular file's entry with a fixed time, deflated, the same on every machine."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, wherever it runs, so the mode bits mean the same
    info.external_attr = REGULAR_FILE
    return info


def _is_image_entry(name: str) -> bool:
    """courses/<slug>/images/<name>: an image of the course (its name is the checker's to judge)."""
    parts = name.split("/")
    return len(parts) == 4 and parts[0] == "courses" and parts[2] + "/" == FOLDER


def _is_ignored(name: str) -> bool:
    """Folder entries, the litter archivers add (__MACOSX/, .DS_Store, Thumbs.db, ._*) and the
    marker (read by ``made_from``) are skipped."""
    base = name.rsplit("/", 1)[-1]
    return (
        name == MARKER
        or name.endswith("/")
        or name.startswith("__MACOSX/")
        or base.casefold() in LITTER_FILES
        or base.startswith("._")
    )


def _shown(name: str) -> str:
    """The entry name as it can be safely quoted to the person: control characters escaped, cut short."""
    shown = "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in name)
    return shown if len(shown) <= MAX_SHOWN else shown[:MAX_SHOWN] + "…"


def _entry_is_acceptable(info: zipfile.ZipInfo, problems: list) -> bool:
    """Check one entry's name, type, encryption and place; report each problem and say if there was none."""
    name = info.orig_filename  # .filename is cut at the first NUL
    entry = _shown(name)
    found = _name_problems(name, entry)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        found.append(_l("%(entry)s: symbolic links are not allowed", entry=entry))
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: archivers that record no Unix mode
        found.append(_l("%(entry)s: not a regular file", entry=entry))
    if info.flag_bits & ENCRYPTED:
        found.append(_l("%(entry)s: encrypted files are not allowed", entry=entry))
    elif info.compress_type not in ALLOWED_METHODS:
        found.append(_l("%(entry)s: unsupported compression method; use a standard zip", entry=entry))
    if not found:
        parts = name.split("/")
        if parts[0] not in TOP_FOLDERS or len(parts) < 3:
            found.append(
                _l(
                    "%(entry)s: unexpected file; a package holds only courses/<slug>/ and quizzes/<slug>/",
                    entry=entry,
                )
            )
        elif len(parts) > 3 and not _is_image_entry(name):
            found.append(
                _l(
                    "%(entry)s: sub-folders are not allowed in courses/<slug>/ or quizzes/<slug>/",
                    entry=entry,
                )
            )
    problems += found
    return not found


def _name_problems(name: str, entry: str) -> list:
    """Whatever makes a name unsafe to use as a path, on any system."""
    found = []
    absolute = name.startswith("/") or DRIVE.match(name) is not None
    segments = name.split("/")
    if absolute:
        found.append(_l("%(entry)s: absolute paths are not allowed", entry=entry))
    if "\\" in name:
        found.append(_l("%(entry)s: backslashes are not allowed in names; use /", entry=entry))
    if any(unicodedata.category(c) == "Cc" for c in name):
        found.append(_l("%(entry)s: control characters are not allowed in names", entry=entry))
    if ".." in segments:
        found.append(_l("%(entry)s: '..' is not allowed in paths", entry=entry))
    if "." in segments or "" in segments[1 if absolute else 0 :]:
        found.append(_l("%(entry)s: empty or '.' folder names are not allowed", entry=entry))
    elif any(segment.startswith(".") and segment != ".." for segment in segments):
        # The checker skips hidden files, so they would be published without being checked.
        found.append(_l("%(entry)s: hidden files (names starting with '.') are not allowed", entry=entry))
    return found


def _without_duplicates(entries: list[zipfile.ZipInfo], problems: list) -> list[zipfile.ZipInfo]:
    """Drop (and report) entries whose name repeats an earlier one, once in NFC or regardless of case."""
    kept = []
    by_nfc: dict[str, str] = {}
    by_fold: dict[str, str] = {}
    for info in entries:
        name = info.orig_filename
        entry = _shown(name)
        nfc = unicodedata.normalize("NFC", name)
        if by_nfc.get(nfc) == name:
            problems.append(_l("%(entry)s: the package holds this file twice", entry=entry))
        elif nfc in by_nfc:
            problems.append(
                _l(
                    "%(entry)s: same name as %(other)s once Unicode is normalised",
                    entry=entry,
                    other=_shown(by_nfc[nfc]),
                )
            )
        elif nfc.casefold() in by_fold:
            problems.append(
                _l(
                    "%(entry)s: differs from %(other)s only in upper or lower case",
                    entry=entry,
                    other=_shown(by_fold[nfc.casefold()]),
                )
            )
        else:
            kept.append(info)
            by_nfc[nfc] = name
            by_fold[nfc.casefold()] = name
    return kept


def _course_slug(names: list[str], problems: list) -> str:
    """The one course slug the package names (in courses/ or quizzes/), with its course.md."""
    slugs: dict[str, str] = {}  # slug -> first entry naming it
    for name in names:
        slugs.setdefault(name.split("/")[1], name)
    for slug, name in slugs.items():
        if not is_slug(slug):
            problems.append(
                _l(
                    "%(entry)s: the course folder '%(slug)s' must be lower-case letters, digits and hyphens",
                    entry=_shown(name),
                    slug=_shown(slug),
                )
            )
    if not slugs:
        problems.append(_l("The package holds no course: it needs courses/<slug>/course.md."))
        return ""
    if len(slugs) > 1:
        listed = ", ".join(_shown(slug) for slug in sorted(slugs))
        problems.append(
            _l("The package names several courses (%(slugs)s); it must hold exactly one.", slugs=listed)
        )
        return ""
    slug = next(iter(slugs))
    if f"courses/{slug}/course.md" not in names:
        problems.append(_l("%(entry)s is missing", entry=_shown(f"courses/{slug}/course.md")))
    return slug


def _read_entries(
    archive: zipfile.ZipFile,
    entries: list[zipfile.ZipInfo],
    upload_bytes: int,
    limits: PackageLimits,
    problems: list,
) -> dict[str, str]:
    """Read and decode each entry, stopping at the first size limit passed."""
    files: dict[str, str | bytes] = {}
    total = 0  # text
    expanded = 0  # text and images
    # Declared compressed sizes can lie: the whole package may not expand more than the ratio either.
    package_cap = max(RATIO_FLOOR, limits.max_ratio * upload_bytes)
    for info in entries:
        name = info.orig_filename
        entry = _shown(name)
        # The declared compressed size bounds what zipfile reads; it cannot exceed the upload.
        ratio_cap = max(RATIO_FLOOR, limits.max_ratio * min(info.compress_size, upload_bytes))
        image = _is_image_entry(name)
        file_cap = limits.max_image_bytes if image else limits.max_file_bytes
        text_cap = package_cap if image else limits.max_total_bytes - total
        cap = min(file_cap, ratio_cap, text_cap, package_cap - expanded)
        try:
            content = _read_at_most(archive, info, cap + 1)
        except ZIP_ERRORS:
            problems.append(_l("%(entry)s: the file is damaged in the zip", entry=entry))
            continue
        total += 0 if image else len(content)
        expanded += len(content)
        if len(content) > cap:
            if len(content) > file_cap:
                size = _megabytes(file_cap)
                problems.append(
                    _l("%(entry)s: larger than %(size)s once uncompressed", entry=entry, size=size)
                )
            elif len(content) > min(ratio_cap, package_cap - expanded + len(content)):
                problems.append(
                    _l(
                        "%(entry)s: compressed more than %(ratio)d times; is it a zip bomb?",
                        entry=entry,
                        ratio=limits.max_ratio,
                    )
                )
            else:
                size = _megabytes(limits.max_total_bytes)
                problems.append(_l("The files add up to more than %(size)s once uncompressed.", size=size))
            break  # stop reading: what follows would only cost more
        if len(content) != info.file_size:
            problems.append(_l("%(entry)s: the file is damaged in the zip", entry=entry))
            continue
        if image:
            files[name] = content
            continue
        try:
            text: str | None = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:
            problems.append(_l("%(entry)s: not UTF-8 text", entry=entry))
            continue
        if "\0" in text:  # valid UTF-8 but binary, and no database text holds it
            problems.append(_l("%(entry)s: holds a NUL character, which a text file never does", entry=entry))
            continue
        files[name] = text
    return files


def _read_at_most(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    """Up to *size* bytes of the entry, however many its header declares."""
    # zipfile stops at the declared file_size, so a header declaring less than the data holds would hide
    # the real size: lift that bound on a copy and count what really comes out. The CRC is still checked
    # when the data ends.
    unbounded = copy.copy(info)
    unbounded.file_size = sys.maxsize
    chunks: list[bytes] = []
    got = 0
    with archive.open(unbounded) as stream:
        while got < size:
            chunk = stream.read(min(CHUNK, size - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    return b"".join(chunks)


def _megabytes(size: int):
    """A size for people: 10485760 gives "10 MB", 262144 gives "256 KB"."""
    if size < MB:
        return _l("%(number)s KB", number=format(size / 1024, ".3g"))
    return _l("%(number)s MB", number=format(size / MB, ".3g"))
