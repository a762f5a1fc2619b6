"""Course images' bytes, stored once by their sha256 however many drafts and versions show them.

A course's files name an image by a reference (app.content.image_refs); the bytes live here,
already decoded and encoded again by app.content.images, never as they were uploaded, and nowhere
else. A row's bytes never change: a new image is a new hash. Published versions may show an image
long after every draft dropped it, so nothing here is deleted with a draft: `flask images prune`
deletes the images nothing refers to any more (app.publishing.images.prune_images).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.content.images import PreparedImage
from app.extensions import db
from app.models_base import UTCDateTime, utcnow

# Pruning spares an image stored this recently, referred to or not: the draft an upload adds it to
# may not be saved yet.
KEPT_UNUSED_FOR = timedelta(hours=24)
DELETE_BATCH = 500  # hashes per DELETE statement


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
    # When the bytes were last stored (uploaded or imported, first or again): pruning counts its
    # grace period from there.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def store_image(image: PreparedImage) -> CourseImage:
    """The stored row for these bytes, added in the current transaction if it is new."""
    sha = image.sha256
    found = reuse_images([sha]).get(sha)
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


def reuse_images(hashes: Iterable[str]) -> dict[str, CourseImage]:
    """The rows of these hashes that are stored, as ``stored_images``, stamped as just stored: they
    are about to be referred to again, and pruning must spare them until then. Two queries.

    The stamp comes first: a row it finds is then held by this transaction (pruning deletes it
    only if it is still old once this commits), and a row pruning has already deleted is simply
    not found, so the caller stores the bytes anew.
    """
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    now = utcnow()
    db.session.execute(
        update(CourseImage)
        # Stamped less than half the grace period ago: still safe, and not written again.
        .where(CourseImage.sha256.in_(wanted), CourseImage.created_at < now - KEPT_UNUSED_FOR / 2)
        .values(created_at=now),
        execution_options={"synchronize_session": False},
    )
    return stored_images(wanted)


def delete_unreferenced(referenced: set[str], now: datetime) -> int:
    """Delete the images not in *referenced* and not stored within KEPT_UNUSED_FOR; how many."""
    listed = db.session.scalars(select(CourseImage.sha256))  # the key only: no bytes are read
    unreferenced = sorted(set(listed) - referenced)
    deleted = 0
    for start in range(0, len(unreferenced), DELETE_BATCH):
        result = db.session.execute(
            delete(CourseImage).where(
                CourseImage.sha256.in_(unreferenced[start : start + DELETE_BATCH]),
                CourseImage.created_at < now - KEPT_UNUSED_FOR,
            ),
            execution_options={"synchronize_session": False},
        )
        deleted += result.rowcount
    return deleted


def image_bytes(hashes: Iterable[str]) -> dict[str, bytes]:
    """The bytes of these hashes that are stored, by hash: one query."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(CourseImage.sha256, CourseImage.data).where(CourseImage.sha256.in_(wanted))
    )
    return {sha: data for sha, data in rows}
