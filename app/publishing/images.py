"""A draft's images: add one, list them, carry them in and out of packages, decide who may load one.

In a draft's files an image is ``courses/<slug>/images/<name>`` holding a reference,
``sha256:<hex> <width>x<height>`` (app.content.image_refs); its bytes are stored once in
``course_images`` (app.catalog.images), after being decoded and encoded again
(app.content.images). Versions copy the draft's files, so they keep their images; a package
carries the bytes themselves, stored again when it is uploaded. Images nothing refers to any more
are deleted by `flask images prune` (prune_images).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from flask import current_app
from flask_login import current_user
from sqlalchemy import Text, cast, select

from app.accounts.models import User
from app.catalog.images import (
    CourseImage,
    delete_unreferenced,
    image_bytes,
    reuse_images,
    store_image,
    stored_images,
)
from app.catalog.models import PUBLIC, Course, Module
from app.catalog.services import get_course_or_404
from app.content import messages as msg
from app.content.image_refs import (
    FOLDER,
    URL_PREFIX,
    ImageRef,
    course_images,
    image_path,
    image_url,
    image_uses,
    make_reference,
    parse_reference,
)
from app.content.images import ImageLimits, ImageRefused, PreparedImage, prepare_image
from app.content.render import slugify
from app.extensions import db
from app.i18n import fillable
from app.i18n import lazy_gettext as _l
from app.orgs.models import ADMIN, EDITOR, REVIEWER, Organisation
from app.orgs.services import role_in
from app.publishing.models import CourseDraft, CourseVersion
from app.publishing.package import PackageError
from app.publishing.services import save_files

STAFF = (ADMIN, EDITOR, REVIEWER)  # who reads a draft, its images included
MAX_STEM = 80
SHOWN_HASH = re.compile(re.escape(URL_PREFIX) + r"[^/\s\"']+/([0-9a-f]{64})/")  # in a page's HTML


class ImageUploadError(ValueError):
    """An image the upload refuses; ``str()`` says why, for the person."""


@dataclass(frozen=True)
class ListedImage:
    """One image of a draft as its page lists it."""

    name: str
    path: str
    url: str
    width: int
    height: int
    size: int | None  # bytes; None if the bytes are missing (a database restored without them)
    used: bool  # shown by a module or the introduction


def image_limits() -> ImageLimits:
    config = current_app.config
    return ImageLimits(max_bytes=config["IMAGE_MAX_BYTES"], max_pixels=config["IMAGE_MAX_PIXELS"])


def image_stem(name: str, filename: str) -> str:
    """The name asked for, else the uploaded file's own name, made a slug: "Cabine 2.PNG" → cabine-2."""
    stem = slugify(name or PurePath(filename or "").stem)[:MAX_STEM].strip("-")
    return stem or "image"


def add_image(org: Organisation, draft: CourseDraft, name: str, filename: str, data: bytes, by: User) -> str:
    """Encode the uploaded image again, store it, and add it to the draft; return its file name.

    Raises ImageUploadError (nothing stored nor changed, once the caller rolls back) or
    PublishingError (the draft is in review).
    """
    stem = image_stem(name, filename)
    try:
        image = prepare_image(data, image_limits())
    except ImageRefused as exc:
        raise ImageUploadError(exc.args[0].text(fillable)) from None
    file_name = f"{stem}.{image.extension}"
    path = image_path(draft.slug, file_name)
    if path in draft.files:
        raise ImageUploadError(
            _l(
                "The course already has an image named %(name)s: remove it first, or choose another name.",
                name=file_name,
            )
        )
    store_image(image)
    files = {**draft.files, path: make_reference(image.sha256, image.width, image.height)}
    save_files(org, draft.slug, files, by)
    return file_name


def draft_images(draft: CourseDraft) -> list[ListedImage]:
    """The draft's images in name order, with their size and whether any text shows them."""
    refs = course_images(draft.files, draft.slug)
    rows = stored_images(ref.sha256 for ref in refs.values())
    prefix = f"courses/{draft.slug}/"
    shown = {
        use.src
        for path, text in draft.files.items()
        if path.startswith(prefix) and path.endswith(".md")
        for use in image_uses(text)
    }
    return [
        ListedImage(
            name=name,
            path=image_path(draft.slug, name),
            url=image_url(draft.slug, ref.sha256, name),
            width=ref.width,
            height=ref.height,
            size=rows[ref.sha256].size if ref.sha256 in rows else None,
            used=FOLDER + name in shown,
        )
        for name, ref in refs.items()
    ]


def package_images(files: Mapping[str, str]) -> dict[str, bytes]:
    """The bytes of the images *files* refer to (sha256 -> bytes), for write_package."""
    refs = (parse_reference(text) for path, text in files.items() if FOLDER in path)
    return image_bytes(ref.sha256 for ref in refs if ref is not None)


def encode_package_images(
    files: Mapping[str, str | bytes], limits: ImageLimits, progress: Callable[[int, int], None] | None = None
) -> dict[str, str | bytes | PreparedImage]:
    """A package's images made ready to store, writing nothing (the slow half of an import, done
    before its transaction): each image Cadre did not write is decoded and encoded again (a
    PreparedImage); Cadre's own bytes (a package downloaded from here) are kept as they are, so a
    round trip changes nothing. ``progress(done, total)`` is called before the first image and
    after each. Raises PackageError listing every image refused."""
    found: dict[str, str | bytes | PreparedImage] = {}
    problems = []
    images = {path: data for path, data in files.items() if isinstance(data, bytes)}
    known = stored_images(hashlib.sha256(data).hexdigest() for data in images.values())
    if progress:
        progress(0, len(images))
    for path, data in files.items():
        if not isinstance(data, bytes):
            found[path] = data
    for done, (path, data) in enumerate(images.items(), start=1):
        try:
            found[path] = data if hashlib.sha256(data).hexdigest() in known else _encoded(path, data, limits)
        except ImageRefused as exc:
            problems.append(_l("%(entry)s: %(problem)s", entry=path, problem=exc.args[0].text(fillable)))
        if progress:
            progress(done, len(images))
    if problems:
        raise PackageError(problems)
    return found


def store_encoded(encoded: Mapping[str, str | bytes | PreparedImage], limits: ImageLimits) -> dict[str, str]:
    """encode_package_images's files with each image stored and replaced by its reference: quick,
    in the current transaction. Cadre's own bytes are encoded again only if pruned meanwhile."""
    found: dict[str, str] = {}
    problems = []
    known = reuse_images(hashlib.sha256(d).hexdigest() for d in encoded.values() if isinstance(d, bytes))
    for path, data in encoded.items():
        if isinstance(data, str):
            found[path] = data
            continue
        try:
            if isinstance(data, bytes):
                row = known.get(hashlib.sha256(data).hexdigest())
                ref = _stored_ref(row) if row is not None else _store_new(path, data, limits)
            else:
                store_image(data)
                ref = ImageRef(data.sha256, data.width, data.height)
        except ImageRefused as exc:
            problems.append(_l("%(entry)s: %(problem)s", entry=path, problem=exc.args[0].text(fillable)))
            continue
        found[path] = make_reference(ref.sha256, ref.width, ref.height)
    if problems:
        raise PackageError(problems)
    return found


def _stored_ref(row: CourseImage) -> ImageRef:
    return ImageRef(row.sha256, row.width, row.height)


def _encoded(path: str, data: bytes, limits: ImageLimits) -> PreparedImage:
    image: PreparedImage = prepare_image(data, limits)
    if not path.endswith("." + image.extension):
        raise ImageRefused(msg.image_wrong_extension(path.rsplit("/", 1)[-1], image.extension))
    return image


def _store_new(path: str, data: bytes, limits: ImageLimits) -> ImageRef:
    image = _encoded(path, data, limits)
    store_image(image)
    return ImageRef(image.sha256, image.width, image.height)


def image_for_reader(course_slug: str, sha256: str, name: str) -> tuple[CourseImage, bool] | None:
    """The image at /images/<course>/<sha256>/<name> if the current user may load it, and whether
    anyone may (a public course's image: shared caches may keep it).

    Knowing the address is not enough. The publisher's staff load the images of their draft;
    anyone else loads an image only if a live page of a course they may read shows it (the
    catalogue's own rule: members-only courses to their members, and so on; it may stop the request
    with its 404 or 403).
    """
    path = image_path(course_slug, name)
    draft = db.session.scalar(select(CourseDraft).where(CourseDraft.slug == course_slug))
    if draft is not None and role_in(current_user, draft.organisation_id) in STAFF:
        ref = parse_reference(draft.files.get(path, ""))
        if ref is not None and ref.sha256 == sha256:
            return _row(sha256), False
    edition = db.session.get(Course, draft.course_id) if draft is not None and draft.course_id else None
    if edition is not None and edition.edition_of_id is not None:
        # A translation's images: read by whoever may read the course it translates, while the
        # translation is on offer.
        if edition.archived_at is not None:
            return None
        original = get_course_or_404(edition.original.slug)
        course = edition
    else:
        original = course = get_course_or_404(course_slug)
    # As the renderer writes it, which only it can: an author's own HTML or text may hold the
    # address, never as an image's source (app.content.render drops any it did not resolve).
    source = f'src="{image_url(course_slug, sha256, name)}"'
    shown = source in course.intro_html or db.session.scalar(
        select(Module.id)
        .where(Module.course_id == course.id, Module.retired.is_(False))
        .where(Module.body_html.contains(source, autoescape=True))
        .limit(1)
    )
    if not shown:
        return None
    return _row(sha256), _is_public(original)


def _is_public(course: Course) -> bool:
    return course.visibility == PUBLIC and course.archived_at is None


def _row(sha256: str) -> CourseImage | None:
    return db.session.get(CourseImage, sha256)


def referenced_images() -> set[str]:
    """The hashes of every image a draft or a published version of any course refers to, or a
    course's page shows (a course imported from the repository has neither): four queries."""
    found: set[str] = set()
    for files_of in (CourseDraft.files, CourseVersion.files):
        # Only files that hold a reference are read: most courses have no image.
        query = select(files_of).where(cast(files_of, Text).contains("sha256:"))
        for files in db.session.scalars(query.execution_options(yield_per=100)):
            refs = (parse_reference(text) for path, text in files.items() if "/" + FOLDER in path)
            found.update(ref.sha256 for ref in refs if ref is not None)
    # Retired modules' pages too: an image kept too many is the safe side.
    for html_of in (Course.intro_html, Module.body_html):
        query = select(html_of).where(html_of.contains(URL_PREFIX))
        for html in db.session.scalars(query.execution_options(yield_per=100)):
            found.update(SHOWN_HASH.findall(html))
    return found


def prune_images(now: datetime) -> int:
    """Delete the stored images nothing refers to any more, except those stored within
    KEPT_UNUSED_FOR (app.catalog.images); how many were deleted.

    The same bytes may serve several courses, so an image is kept while anything refers to it.
    """
    return delete_unreferenced(referenced_images(), now)
