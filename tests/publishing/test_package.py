"""Course packages: the round trip, and every hostile zip read_package must refuse (built in memory)."""

import io
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from app.content.checker import load_tree
from app.publishing.package import PackageError, PackageLimits, made_from, read_package, write_package

VALID = Path(__file__).parents[1] / "fixtures" / "content" / "valid"
SLUG = "voix-et-ia"
MODULE = f"courses/{SLUG}/01-cadre-legal.md"
MB = 1024 * 1024
# Offsets of fields in a central directory record (PKWARE APPNOTE.TXT, 4.3.12).
CENTRAL_SIGNATURE = b"PK\x01\x02"
FLAGS_AT, FILE_SIZE_AT, NAME_LENGTH_AT, NAME_AT = 8, 24, 28, 46


def course_files() -> dict[str, str]:
    """The valid fixture course and its quizzes, as text."""
    files = {path: text for path, text in load_tree(VALID).items() if path.split("/")[1] == SLUG}
    assert all(isinstance(text, str) for text in files.values())
    return files


def make_zip(*extra, method=zipfile.ZIP_DEFLATED, course=True) -> bytes:
    """A zip of the valid course (unless course=False) followed by *extra* (name or ZipInfo, data) pairs."""
    entries = list(course_files().items()) if course else []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in [*entries, *extra]:
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_central(data: bytes, name: str, at: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of the central directory record of *name*, where zipfile reads it from."""
    patched = bytearray(data)
    start = patched.find(CENTRAL_SIGNATURE)
    while start >= 0:
        (length,) = struct.unpack_from("<H", patched, start + NAME_LENGTH_AT)
        if patched[start + NAME_AT : start + NAME_AT + length] == name.encode():
            struct.pack_into(fmt, patched, start + at, value)
            return bytes(patched)
        start = patched.find(CENTRAL_SIGNATURE, start + 1)
    raise AssertionError(f"{name} is not in the central directory")


def refusal(data: bytes, limits: PackageLimits | None = None) -> str:
    """All the messages of the PackageError that reading *data* raises, one per line."""
    with pytest.raises(PackageError) as caught:
        read_package(data, limits or PackageLimits())
    assert str(caught.value) == "\n".join(caught.value.problems)
    return str(caught.value)


def with_mode(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


# --- the round trip ------------------------------------------------------------------------------


def test_round_trip_gives_back_the_course():
    files = course_files()
    assert f"courses/{SLUG}/course.md" in files and f"quizzes/{SLUG}/cadre-legal.md" in files
    assert read_package(write_package(files)) == (SLUG, files)


def test_write_package_is_deterministic():
    files = course_files()
    data = write_package(files)
    assert write_package(dict(reversed(files.items()))) == data
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert [info.filename for info in infos] == sorted(files)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.external_attr >> 16 == stat.S_IFREG | 0o644


def test_a_package_names_the_draft_it_was_made_from():
    files, draft_hash = course_files(), "ab" * 32
    data = write_package(files, draft_hash=draft_hash)
    assert made_from(data) == draft_hash and made_from(write_package(files)) is None
    assert read_package(data) == (SLUG, files)  # the marker is not one of the course's files
    assert write_package(files, draft_hash=draft_hash) == data
    marker = zipfile.ZipFile(io.BytesIO(data)).read("cadre-draft.txt").decode()
    assert "Gardez ce fichier" in marker and "Keep this file" in marker


@pytest.mark.parametrize(
    "marker",
    [
        b"draft: " + b"0" * 63,  # too short
        b"draft: " + b"G" * 64,
        b"\xff\xfe" * 10,
        b"draft: " + b"0" * 64 + b"\n" + b" " * 4096,  # too large to be ours: not read
    ],
)
def test_a_foreign_or_damaged_marker_names_no_draft(marker):
    data = make_zip(("cadre-draft.txt", marker))
    assert made_from(data) is None
    assert read_package(data) == (SLUG, course_files())
    assert made_from(b"not a zip") is None


def test_folder_entries_and_archive_litter_are_ignored():
    data = make_zip(
        ("courses/", b""),
        (f"courses/{SLUG}/", b""),
        (f"__MACOSX/courses/{SLUG}/._course.md", b"\x00\x05\x16\x07"),
        (f"courses/{SLUG}/._01-cadre-legal.md", b"\xff\xfe"),
        (".DS_Store", b"\x00\x00\x00\x01Bud1"),
        (f"courses/{SLUG}/.DS_Store", b"\x00\x00\x00\x01Bud1"),
        (f"quizzes/{SLUG}/Thumbs.db", b"\xd0\xcf\x11\xe0"),
    )
    assert read_package(data) == (SLUG, course_files())


# --- the archive as a whole ----------------------------------------------------------------------


def test_upload_larger_than_the_limit():
    data = make_zip()
    refused = refusal(data, PackageLimits(max_upload_bytes=len(data) - 1))
    assert refused.startswith("The package is larger than")
    assert refusal(b"x" * (10 * MB + 1)) == "The package is larger than 10 MB."


@pytest.mark.parametrize(
    "data",
    [b"", b"a course, honest", b"PK\x03\x04" + b"\x00" * 100, make_zip()[:-30], make_zip()[:200]],
    ids=["empty", "text", "bad header", "cut end", "cut start"],
)
def test_not_a_zip_or_corrupt(data):
    assert refusal(data) == "This file is not a zip package, or it is damaged."


def test_damaged_entry_data():
    data = bytearray(make_zip())
    start = data.index(MODULE.encode()) + len(MODULE)  # its data follows its local header's name
    data[start + 10 : start + 60] = b"\xff" * 50
    assert refusal(bytes(data)) == f"{MODULE}: the file is damaged in the zip"


def test_local_name_differing_from_the_central_directory():
    data = make_zip().replace(MODULE.encode(), b"courses/voix-et-ia/../../../etc/x.md"[: len(MODULE)], 1)
    assert refusal(data) == f"{MODULE}: the file is damaged in the zip"


def test_encrypted_entry():
    data = patch_central(make_zip(), MODULE, FLAGS_AT, "<H", 0x1)
    assert refusal(data) == f"{MODULE}: encrypted files are not allowed"


def test_unsupported_compression_method():
    data = make_zip((f"quizzes/{SLUG}/consentement.md", b"x" * 100), method=zipfile.ZIP_BZIP2)
    assert f"{MODULE}: unsupported compression method; use a standard zip" in refusal(data)


# --- sizes ---------------------------------------------------------------------------------------


def test_too_many_files():
    modules = [(f"courses/{SLUG}/{n:02d}-m{n}.md", "x") for n in range(4, 4 + 196)]
    assert len(course_files()) + len(modules) == 201
    assert read_package(make_zip(*modules[:-1]))[0] == SLUG
    assert refusal(make_zip(*modules)) == "The package holds more than 200 files."


def test_file_larger_than_the_limit():
    data = make_zip((f"courses/{SLUG}/04-long.md", "a" * (MB + 1)), method=zipfile.ZIP_STORED)
    assert refusal(data) == f"courses/{SLUG}/04-long.md: larger than 256 KB once uncompressed"


def test_header_declaring_less_than_the_data_holds():
    name = f"courses/{SLUG}/04-long.md"
    data = make_zip((name, "a" * (2 * MB)), method=zipfile.ZIP_STORED)
    data = patch_central(data, name, FILE_SIZE_AT, "<I", 100)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(name).file_size == 100
    assert refusal(data) == f"{name}: larger than 256 KB once uncompressed"


def test_header_declaring_more_than_the_data_holds():
    data = patch_central(make_zip(), MODULE, FILE_SIZE_AT, "<I", 900 * MB)
    assert refusal(data) == f"{MODULE}: the file is damaged in the zip"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """The valid course plus 50 MB of zeros deflated (about 50 KB), written without holding 50 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in course_files().items():
            archive.writestr(name, text)
        with archive.open(f"courses/{SLUG}/04-bomb.md", "w") as entry:
            for _ in range(50):
                entry.write(bytes(MB))
    return buffer.getvalue()


def test_zip_bomb_is_stopped_by_the_file_limit(zip_bomb):
    assert refusal(zip_bomb) == f"courses/{SLUG}/04-bomb.md: larger than 256 KB once uncompressed"


def test_zip_bomb_is_stopped_by_its_compression_ratio(zip_bomb):
    limits = PackageLimits(max_file_bytes=100 * MB, max_total_bytes=100 * MB)
    expected = f"courses/{SLUG}/04-bomb.md: compressed more than 100 times; is it a zip bomb?"
    assert refusal(zip_bomb, limits) == expected


def test_small_text_may_compress_very_well():
    files = {**course_files(), f"courses/{SLUG}/04-blank.md": "-" * 60_000}
    assert read_package(write_package(files)) == (SLUG, files)


def test_total_larger_than_the_limit_stops_reading():
    data = make_zip(
        *[(f"courses/{SLUG}/{n:02d}-m{n}.md", "x" * 40_000) for n in (4, 5, 6)],
        (f"courses/{SLUG}/07-binary.md", b"\xff" * 10),  # never read, so never reported
    )
    limits = PackageLimits(max_total_bytes=MB // 10)
    assert refusal(data, limits) == "The files add up to more than 102 KB once uncompressed."


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/passwd", "absolute paths are not allowed"),
        ("C:\\courses\\x.md", "absolute paths are not allowed"),
        ("C:/courses/x.md", "absolute paths are not allowed"),
        (f"courses/{SLUG}/../../x.md", "'..' is not allowed in paths"),
        (f"courses\\{SLUG}\\02-x.md", "backslashes are not allowed in names; use /"),
        (f"courses//{SLUG}/02-x.md", "empty or '.' folder names are not allowed"),
        (f"courses/./{SLUG}/02-x.md", "empty or '.' folder names are not allowed"),
        (f"courses/{SLUG}/02-x\x1b[31m.md", "control characters are not allowed in names"),
    ],
)
def test_unsafe_names(name, problem):
    shown = name.replace("\x1b", "\\x1b")
    assert f"{shown}: {problem}" in refusal(make_zip((name, "x")))


def test_nul_in_a_name():
    # zipfile cuts names at a NUL when writing, so write a placeholder and put the NUL in the bytes.
    data = make_zip((f"courses/{SLUG}/02-a#b.md", "x")).replace(b"02-a#b.md", b"02-a\x00b.md")
    assert f"courses/{SLUG}/02-a\\x00b.md: control characters are not allowed in names" in refusal(data)


def test_same_name_twice():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate we want
        data = make_zip((MODULE, "again"))
    assert refusal(data) == f"{MODULE}: the package holds this file twice"


def test_names_equal_once_normalised():
    composed, decomposed = f"courses/{SLUG}/02-\u00e9.md", f"courses/{SLUG}/02-e\u0301.md"
    expected = f"{decomposed}: same name as {composed} once Unicode is normalised"
    assert refusal(make_zip((composed, "x"), (decomposed, "y"))) == expected


def test_names_differing_only_in_case():
    upper = f"courses/{SLUG}/01-Cadre-Legal.md"
    assert refusal(make_zip((upper, "x"))) == f"{upper}: differs from {MODULE} only in upper or lower case"


# --- file types ----------------------------------------------------------------------------------


def test_symbolic_link():
    link = with_mode(f"courses/{SLUG}/02-link.md", stat.S_IFLNK | 0o777)
    assert refusal(make_zip((link, "/etc/passwd"))) == f"{link.filename}: symbolic links are not allowed"


@pytest.mark.parametrize("kind", [stat.S_IFIFO, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFSOCK, stat.S_IFDIR])
def test_other_non_regular_files(kind):
    entry = with_mode(f"courses/{SLUG}/02-odd.md", kind | 0o644)
    assert refusal(make_zip((entry, ""))) == f"{entry.filename}: not a regular file"


# --- layout --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["README.md", "static/img/schema.png", "courses/notes.md", f"docs/{SLUG}/x.md"]
)
def test_file_outside_the_course_folders(name):
    expected = f"{name}: unexpected file; a package holds only courses/<slug>/ and quizzes/<slug>/"
    assert refusal(make_zip((name, "x"))) == expected


def test_sub_folder():
    name = f"courses/{SLUG}/drafts/02-x.md"
    expected = f"{name}: sub-folders are not allowed in courses/<slug>/ or quizzes/<slug>/"
    assert refusal(make_zip((name, "x"))) == expected


def test_several_courses():
    data = make_zip(("courses/autre/course.md", "x"), ("quizzes/troisieme/a.md", "x"))
    expected = "The package names several courses (autre, troisieme, voix-et-ia); it must hold exactly one."
    assert refusal(data) == expected


@pytest.mark.parametrize(
    "extra", [[], [(".DS_Store", b"x"), ("courses/", b"")]], ids=["empty", "only litter"]
)
def test_no_course(extra):
    expected = "The package holds no course: it needs courses/<slug>/course.md."
    assert refusal(make_zip(*extra, course=False)) == expected


def test_bad_course_slug():
    data = make_zip(("courses/Voix_IA/course.md", "x"), course=False)
    problem = "the course folder 'Voix_IA' must be lower-case letters, digits and hyphens"
    expected = f"courses/Voix_IA/course.md: {problem}"
    assert refusal(data) == expected


def test_no_course_md():
    files = {path: text for path, text in course_files().items() if not path.endswith("/course.md")}
    assert refusal(write_package(files)) == f"courses/{SLUG}/course.md is missing"


# --- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"caf\xe9 en latin-1", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_content_that_is_not_utf8_text(content):
    name = f"courses/{SLUG}/02-x.md"
    assert refusal(make_zip((name, content))) == f"{name}: not UTF-8 text"


def test_a_nul_character_is_named_as_such():  # valid UTF-8, but no text file holds one
    name = f"courses/{SLUG}/02-x.md"
    assert (
        refusal(make_zip((name, b"ok\x00"))) == f"{name}: holds a NUL character, which a text file never does"
    )


def test_every_problem_is_reported_at_once():
    data = make_zip(
        ("../evil.md", "x"), (f"courses/{SLUG}/02-x.md", b"\xff"), ("courses/autre/course.md", "x")
    )
    assert refusal(data).splitlines() == [
        "../evil.md: '..' is not allowed in paths",
        "The package names several courses (autre, voix-et-ia); it must hold exactly one.",
        f"courses/{SLUG}/02-x.md: not UTF-8 text",
    ]


def test_hidden_files_are_refused_since_the_checker_would_skip_them():
    data = make_zip((f"courses/{SLUG}/.notes.md", "pas relu"))
    assert (
        refusal(data) == f"courses/{SLUG}/.notes.md: hidden files (names starting with '.') are not allowed"
    )


def test_litter_counts_against_a_looser_cap():
    extra = [(f"__MACOSX/x{i}", "") for i in range(401)]
    assert refusal(make_zip(*extra)) == "The package holds more than 200 files."


def test_lying_compressed_sizes_cannot_bypass_the_ratio():
    # Each entry declares a compressed size far above the truth; the whole package still may not
    # expand more than max_ratio times its own size.
    data = make_zip(*[(f"courses/{SLUG}/0{i}-pad.md", "[" * 60_000) for i in range(4, 9)])
    for i in range(4, 9):
        data = patch_central(data, f"courses/{SLUG}/0{i}-pad.md", 20, "<I", 50_000)
    limits = PackageLimits(max_ratio=10)
    assert "is it a zip bomb?" in refusal(data, limits)
