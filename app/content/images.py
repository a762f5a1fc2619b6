"""Course images: decode an uploaded PNG, JPEG or WebP with Pillow and encode it again.

Uploads are hostile input. Only the pixels survive: every chunk, segment and trailing byte that is
not the image (EXIF and its GPS position, text chunks, an appended zip or HTML page) is left behind
because the file written is a new one made from the decoded pixels alone. Nothing else is ever
parsed: Pillow is told which three formats it may open, so SVG, GIF, TIFF and the rest are refused
before any of their code runs. Pure Python and Pillow, no Flask, so the checker, the importer and
the web upload share it.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from . import messages as msg

# Pillow format name -> (file extension, media type). The extension is always the format's own.
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
MEDIA_TYPES = {extension: media_type for extension, media_type in FORMATS.values()}
MB = 1024 * 1024
JPEG_QUALITY = 90
WEBP_QUALITY = 90


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 5 * MB  # the file as uploaded
    max_pixels: int = 16_000_000  # width × height (a phone's 4032 × 3024 photo is 12 million)


DEFAULT_LIMITS = ImageLimits()


class ImageRefused(ValueError):
    """The file is not an image Cadre accepts; ``str()`` is a checker-style message."""


@dataclass(frozen=True)
class PreparedImage:
    """An image as Cadre stores and serves it: re-encoded bytes and what they are."""

    data: bytes
    extension: str  # "png", "jpg" or "webp"
    media_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open the image (header only) or raise ImageRefused; Pillow's bomb guard is set here."""
    # Pillow warns above MAX_IMAGE_PIXELS and refuses at twice that: a warning would let a bomb
    # through, so within this call the warning is an error too. Both become a refusal below.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(msg.image_too_many_pixels(format(max_pixels / 1_000_000, "g"))) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused(msg.IMAGE_NOT_ACCEPTED) from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:  # not left to a global setting alone
        raise ImageRefused(msg.image_too_many_pixels(format(max_pixels / 1_000_000, "g")))
    return image


def _pixels(image: Image.Image) -> Image.Image:
    """The decoded pixels, upright, in a plain mode, as a new image with no metadata at all."""
    image.load()  # decodes now (an animation's first frame): a truncated or corrupt file fails here
    ImageOps.exif_transpose(image, in_place=True)  # phones store photos sideways plus a rotation
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "L" if image.mode in ("1", "L") else "RGB"
    converted = image.convert(mode) if image.mode != mode else image
    # convert() copies .info (EXIF, ICC profile, text chunks) along: a new image starts from nothing.
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def prepare_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> PreparedImage:
    """Decode *data* and encode it again in its own format; raise ImageRefused with the reason."""
    if len(data) > limits.max_bytes:
        raise ImageRefused(msg.image_too_large(limits.max_bytes // 1024))
    if not data:
        raise ImageRefused(msg.IMAGE_NOT_ACCEPTED)
    image = _open(data, limits.max_pixels)
    source_format = image.format
    try:
        clean = _pixels(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise ImageRefused(msg.IMAGE_DAMAGED) from None
    finally:
        image.close()
    extension, media_type = FORMATS[source_format]
    if source_format == "JPEG" and clean.mode == "RGBA":  # cannot happen from a JPEG; kept safe
        clean = clean.convert("RGB")
    buffer = io.BytesIO()
    if source_format == "PNG":
        clean.save(buffer, "PNG", optimize=False)
    elif source_format == "JPEG":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY)
    else:
        clean.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return PreparedImage(buffer.getvalue(), extension, media_type, clean.width, clean.height)
