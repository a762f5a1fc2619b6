"""Course images: hostile files refused or neutralised, and the checker's image messages.

Every image is decoded and saved again from its pixels alone, so metadata and anything appended
or hidden in the file is gone; Pillow may open PNG, JPEG and WebP only, and no more pixels than
the limit (decompression bombs are refused before they are decoded).
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from app.content import messages as msg
from app.content.checker import check_files, check_root
from app.content.image_refs import image_uses, make_reference
from app.content.images import ImageLimits, ImageRefused, prepare_image
from app.content.render import render_markdown
from tests.content.test_content_checker import BASE, COURSE

SHA = "ab" * 32
SMALL = ImageLimits(max_bytes=64 * 1024, max_pixels=10_000)


def png(size=(40, 30), color=(200, 30, 30), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG", **save)
    return buffer.getvalue()


def encoded(fmt: str, size=(40, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with a few bytes of data: a decompression bomb's
    shape (nothing here would ever be decoded if the header is believed first)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(data: bytes, limits: ImageLimits = SMALL) -> str:
    with pytest.raises(ImageRefused) as caught:
        prepare_image(data, limits)
    return str(caught.value)


# --- decoding and encoding again ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension", "media_type"),
    [("PNG", "png", "image/png"), ("JPEG", "jpg", "image/jpeg"), ("WEBP", "webp", "image/webp")],
)
def test_the_three_formats_are_encoded_again_in_their_own(fmt, extension, media_type):
    image = prepare_image(encoded(fmt))
    assert (image.extension, image.media_type, image.width, image.height) == (extension, media_type, 40, 30)
    assert reopened(image.data).format == fmt


def test_oversized_bytes_are_refused():
    assert refusal(png(size=(90, 90)) + b"\0" * (64 * 1024)) == str(msg.image_too_large(64))


@pytest.mark.parametrize(("width", "height"), [(120, 100), (100_000, 100_000), (2**31 - 1, 1)])
def test_too_many_pixels_and_decompression_bombs_are_refused_before_decoding(width, height):
    """120 × 100 is between the limit and twice it (Pillow only warns there), 100,000² is a bomb
    Pillow refuses itself: both are the same clear refusal, and no warning escapes."""
    assert refusal(png_header_only(width, height)) == str(msg.image_too_many_pixels("0.01"))


def test_a_real_bomb_of_zeros_is_refused_with_the_default_limit():
    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, "PNG")  # 25 million pixels in a few kilobytes
    assert len(bomb.getvalue()) < 64 * 1024
    assert "million pixels" in refusal(bomb.getvalue(), ImageLimits())


def test_a_png_zip_polyglot_loses_its_zip():
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    polyglot = png() + payload.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # a zip reader finds the archive in the original
    clean = prepare_image(polyglot).data
    assert not zipfile.is_zipfile(io.BytesIO(clean))
    assert b"PK\x03\x04" not in clean and b"evil.html" not in clean and b"<script" not in clean


def test_a_png_html_polyglot_loses_its_html_chunks_and_trailer():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(document.cookie)</script></html>")
    polyglot = png(pnginfo=info) + b"<html><body onload=alert(1)>"
    clean = prepare_image(polyglot).data
    assert b"<script" not in clean and b"<html" not in clean and b"Comment" not in clean
    assert reopened(clean).size == (40, 30)


def test_exif_and_its_gps_position_are_stripped():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    photo = encoded("JPEG", exif=exif, comment=b"shot at home")
    assert reopened(photo).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the original tells where
    clean = prepare_image(photo).data
    image = reopened(clean)
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in clean and b"PhoneMaker" not in clean and b"shot at home" not in clean
    assert "exif" not in image.info and "comment" not in image.info and "icc_profile" not in image.info


def test_a_sideways_photo_is_turned_upright_before_its_exif_goes():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    image = prepare_image(encoded("JPEG", size=(40, 20), exif=exif))
    assert (image.width, image.height) == (20, 40)


def test_transparency_is_kept():
    image = prepare_image(png(mode="RGBA", color=(0, 0, 0, 0)))
    assert reopened(image.data).mode == "RGBA"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    "data",
    [
        SVG,
        b"<html><script>alert(1)</script></html>",
        encoded("GIF"),
        encoded("BMP"),
        encoded("TIFF"),
        b"just some text",
        b"\x89PNG\r\n\x1a\n",  # a signature and nothing else
    ],
    ids=["svg", "html", "gif", "bmp", "tiff", "text", "signature-only"],
)
def test_other_formats_are_refused(data):
    assert refusal(data, ImageLimits()) == str(msg.IMAGE_NOT_ACCEPTED)


def test_a_truncated_image_is_refused():
    data = encoded("PNG", size=(300, 300))
    assert refusal(data[: len(data) // 2], ImageLimits()) in (
        str(msg.IMAGE_DAMAGED),
        str(msg.IMAGE_NOT_ACCEPTED),
    )


# --- the checker -------------------------------------------------------------------------------------

MODULE_WITH = """---
title: M
duration: 10
objectives:
  - Learn
---
Body.

{image}
"""


def course_with(image_line: str, **images: str) -> dict:
    files = {**BASE, "courses/c/01-m.md": MODULE_WITH.format(image=image_line)}
    files.update({f"courses/c/images/{name}": text for name, text in images.items()})
    return files


REF = make_reference(SHA, 800, 600)


def image_warnings(result) -> list[tuple[str, str]]:
    """The warnings about images (the base course's durations are warned about too)."""
    return [(n.path, n.template) for n in result.warnings if n.template == msg.UNUSED_IMAGE]


def test_a_module_shows_its_image_with_size_and_alt_text():
    result = check_files(
        course_with("![Une cabine d’enregistrement](images/cabine.png)", **{"cabine.png": REF})
    )
    assert result.problems == [] and image_warnings(result) == []
    html = result.courses[0].modules[0].body_html
    assert (
        f'<img alt="Une cabine d’enregistrement" height="600" loading="lazy" src="/images/c/{SHA}/cabine.png"'
        ' width="800">'
    ) in html


def test_an_image_without_alt_text_is_a_problem_on_its_line():
    result = check_files(course_with("![ ](images/cabine.png)", **{"cabine.png": REF}))
    assert [str(p) for p in result.problems] == [f"courses/c/01-m.md:9: {msg.IMAGE_WITHOUT_ALT}"]


def test_an_image_the_course_does_not_have_is_a_problem_on_its_line():
    result = check_files(course_with("![Une cabine](images/cabin.png)", **{"cabine.png": REF}))
    assert [str(p) for p in result.problems] == [
        f"courses/c/01-m.md:9: {msg.missing_image('images/cabin.png')}"
    ]


@pytest.mark.parametrize(
    ("src", "problem"),
    [
        ("https://example.com/cabine.png", msg.IMAGE_ELSEWHERE),  # would be dropped from the page
        ("//example.com/cabine.png", msg.IMAGE_ELSEWHERE),
        ("data:image/png;base64,iVBORw0KGgo=", msg.IMAGE_ELSEWHERE),
        ("cabine.png", msg.IMAGE_ELSEWHERE),  # not in images/
        ("/static/img/../../wsgi.py", msg.IMAGE_ELSEWHERE),
        ("/static/img/absente.png", msg.missing_static_image("/static/img/absente.png")),
        ("static/css/absente.png", msg.missing_static_image("/static/css/absente.png")),
    ],
)
def test_an_image_the_page_would_not_show_is_a_problem_on_its_line(src, problem):
    """The checker said nothing, and learners met the alt text where the image was meant to be."""
    result = check_files(course_with(f"![Une cabine]({src})"))
    assert [str(p) for p in result.problems] == [f"courses/c/01-m.md:9: {problem}"]


def test_a_file_of_the_sites_static_folder_may_be_shown():
    result = check_files(course_with("![Le cadre de Cadre](/static/img/favicon.svg)"))
    assert result.problems == []
    assert 'src="/static/img/favicon.svg"' in result.courses[0].modules[0].body_html


def test_an_image_no_module_shows_is_a_warning_only():
    result = check_files(course_with("No image here.", **{"cabine.png": REF}))
    assert result.problems == [] and len(result.courses) == 1
    assert image_warnings(result) == [("courses/c/images/cabine.png", msg.UNUSED_IMAGE)]


def test_the_introduction_may_show_an_image_too():
    files = course_with("Body.", **{"cabine.png": REF})
    files["courses/c/course.md"] = COURSE.replace("Intro.", "Intro.\n\n![Une cabine](images/cabine.png)")
    result = check_files(files)
    assert result.problems == [] and image_warnings(result) == []
    assert f"/images/c/{SHA}/cabine.png" in result.courses[0].intro_html


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Cabine.PNG", REF, msg.BAD_IMAGE_NAME),
        ("schema.svg", SVG.decode(), msg.BAD_IMAGE_NAME),
        ("sub/a.png", REF, msg.BAD_IMAGE_NAME),
        ("schema.png", SVG.decode(), msg.IMAGE_NOT_ACCEPTED),
        ("faux.png", "sha256:not-a-reference", msg.IMAGE_NOT_ACCEPTED),
    ],
)
def test_bad_image_files_are_problems(name, text, expected):
    result = check_files(course_with("Body.", **{name: text}))
    assert [str(p) for p in result.problems] == [f"courses/c/images/{name}:1: {expected}"]


def test_images_in_code_are_not_images():
    text = "```\n![](images/x.png)\n```\n\n`![](images/y.png)`\n\n![Vraie](images/z.png)"
    assert [(u.line, u.alt, u.src) for u in image_uses(text)] == [(7, "Vraie", "images/z.png")]


def test_authors_cannot_write_image_addresses_or_sizes_by_hand():
    html = render_markdown(
        f'<img src="/images/autre/{SHA}/secret.png" width="9999" loading="lazy">\n\n'
        "![x](images/cabine.png) ![y](https://tracker.example/p.gif)",
        {},
    )
    assert "/images/" not in html and "9999" not in html and "tracker" not in html and "lazy" not in html


def test_a_repository_course_keeps_its_image_files_as_bytes(tmp_path: Path):
    """Bundled courses hold the image itself: checked and encoded again, for the importer to store."""
    for path, text in course_with("![Une cabine](images/cabine.png)").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "courses/c/images").mkdir()
    (tmp_path / "courses/c/images/cabine.png").write_bytes(png() + b"trailing payload")
    (tmp_path / "courses/c/images/photo.png").write_bytes(encoded("JPEG"))
    result = check_root(tmp_path)
    assert [str(p) for p in result.problems] == [
        f"courses/c/images/photo.png:1: {msg.image_wrong_extension('photo.png', 'jpg')}"
    ]
    (tmp_path / "courses/c/images/photo.png").unlink()
    result = check_root(tmp_path)
    assert result.problems == []
    (image,) = result.courses[0].images
    assert b"trailing payload" not in image.data
    assert f"/images/c/{image.sha256}/cabine.png" in result.courses[0].modules[0].body_html
    assert check_root(tmp_path).courses[0].content_hash == result.courses[0].content_hash


def test_a_bare_address_is_a_warning_on_its_line_and_code_is_left_alone():
    """Markdown links only <https://...> and [words](https://...): a bare source cannot be opened."""
    body = "\n".join(
        [
            "Sources : https://www.legifrance.gouv.fr/loi ; <https://eur-lex.europa.eu/x> ;",
            "[la décision](https://www.doctrine.fr/d) et `https://code.example` en code.",
            '<a href="https://example.org/raw">raw</a>',
            "```",
            "Sitemap: https://www.example.fr/sitemap.xml",
            "```",
            "    https://indented.example/code",
        ]
    )
    files = course_with(body)
    found = [n for n in check_files(files).warnings if n.template == msg.BARE_ADDRESS]
    assert [(n.path, n.line, n.text()) for n in found] == [
        (
            "courses/c/01-m.md",
            9,
            "this address is plain text, not a link: write it between angle brackets,"
            " <https://www.legifrance.gouv.fr/loi>, or give it words, [the source](https://www.legifrance.gouv.fr/loi)",
        )
    ]
    assert check_files(files).problems == []  # a warning, never a refusal
