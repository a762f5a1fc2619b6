"""Course images' bytes, stored once by their sha256 however many drafts and versions show them.

A course's files name an image by a reference (app.content.image_refs); the bytes live here,
already decoded and encoded again by app.content.images, never as they were uploaded. Rows are
never changed: a new image is a new hash. Published versions may show an image long after every
draft dropped it, so nothing here is deleted with a draft.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.content.images import PreparedImage
from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class CourseImage(db.Model):
    """One image's bytes (PNG, JPEG or WebP, metadata-free) and what they are."""

    __tablename__ = "course_images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of ``data``
    media_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)  # bytes
    # Loaded only when asked for: listing a course's images reads their size, not megabytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def store_image(image: PreparedImage) -> CourseImage:
    """The stored row for these bytes, added in the current transaction if it is new."""
    sha = image.sha256
    found = db.session.get(CourseImage, sha)
    if found is not None:
        return found
    row = CourseImage(
        sha256=sha,
        media_type=image.media_type,
        width=image.width,
        height=image.height,
        size=len(image.data),
        data=image.data,
    )
    try:
        with db.session.begin_nested():  # someone may store the same image at the same moment
            db.session.add(row)
    except IntegrityError:
        return db.session.get(CourseImage, sha)
    return row


def stored_images(hashes: Iterable[str]) -> dict[str, CourseImage]:
    """The rows (without their bytes) of these hashes that are stored, by hash: one query."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    return {
        row.sha256: row
        for row in db.session.scalars(select(CourseImage).where(CourseImage.sha256.in_(wanted)))
    }


def image_bytes(hashes: Iterable[str]) -> dict[str, bytes]:
    """The bytes of these hashes that are stored, by hash: one query."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(CourseImage.sha256, CourseImage.data).where(CourseImage.sha256.in_(wanted))
    )
    return {sha: data for sha, data in rows}
