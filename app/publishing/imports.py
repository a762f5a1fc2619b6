"""Uploaded packages become drafts in the background, with their progress shown.

A 10 MB package with a few photographs takes seconds: reading the zip, decoding and encoding each
image again, checking the course in a child process. The upload only stores the zip
(PackageImport) and queues ``run_import``; the page it leads to follows the job's steps. The job
does the slow part (reading, encoding) before its one transaction, noting each step in a short
commit of its own; then it stores the images and saves the draft in one transaction, all or
nothing, as the upload did when it ran in the request: a package with problems changes nothing.

Run at once (tests, or a job finished before the upload's response), the upload answers as it
always did: the draft page, or the workspace page with the problems.
"""

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app import jobs
from app.accounts.models import User
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organisation
from app.publishing import images, package, services
from app.publishing.models import (
    CHECKING,
    DONE,
    FAILED,
    IMAGES,
    QUEUED,
    READING,
    RUNNING,
    PackageImport,
)

log = logging.getLogger(__name__)
KEPT_FOR = timedelta(days=7)  # a finished import's outcome, then it is deleted
MAX_FILENAME = 255


def package_limits() -> package.PackageLimits:
    config = current_app.config
    return package.PackageLimits(
        max_upload_bytes=config["PACKAGE_MAX_BYTES"], max_image_bytes=config["IMAGE_MAX_BYTES"]
    )


def start_import(org: Organisation, user: User, filename: str, data: bytes, locale: str) -> PackageImport:
    """Store the package and queue its import once committed; the caller commits, then calls
    ``queue``. Finished imports older than a week go at the same time."""
    db.session.execute(
        delete(PackageImport).where(
            PackageImport.organisation_id == org.id,
            PackageImport.state.in_((DONE, FAILED)),
            PackageImport.updated_at < utcnow() - KEPT_FOR,
        )
    )
    found = PackageImport(
        organisation_id=org.id,
        user_id=user.id,
        filename=(filename or "")[:MAX_FILENAME],
        locale=locale,
        data=data,
        state=QUEUED,
    )
    db.session.add(found)
    db.session.flush()
    return found


def queue(found: PackageImport) -> None:
    jobs.enqueue(run_import, found.id)


def run_import(import_id: int) -> None:
    """The job: read the package, encode its images, check it and save it as a draft.

    Ends with the import DONE (and its draft saved) or FAILED (and nothing else changed); a job
    run again after either does nothing. An unexpected error is logged and reported to the person
    as a failure: the zip is kept no longer than the job.
    """
    found = db.session.get(PackageImport, import_id)
    if found is None or found.finished:
        return
    with force_locale(found.locale):
        try:
            outcome = _import(found)
        except Exception:
            log.exception("Package import %s failed", import_id)
            db.session.rollback()
            outcome = [_("The import stopped on an unexpected error; nothing was changed. Try again later.")]
        if outcome is not None:  # the problems: nothing was saved
            db.session.rollback()
            _note(import_id, state=FAILED, problems=outcome, data=None)
        db.session.commit()


def _import(found: PackageImport) -> list[str] | None:
    """Import ``found``; None once its draft is saved (not committed), else the problems."""
    import_id = found.id
    org = db.session.get(Organisation, found.organisation_id)
    user = db.session.get(User, found.user_id)
    data = found.data
    if org is None or user is None or data is None:
        return [_("This import can no longer be run: upload the package again.")]
    _note(import_id, state=RUNNING, step=READING, done=0, total=0)
    db.session.commit()
    limits = package_limits()
    try:
        slug, files = package.read_package(data, limits)
        encoded = images.encode_package_images(
            files, images.image_limits(), lambda done, total: _step(import_id, IMAGES, done, total)
        )
        _step(import_id, CHECKING, 0, 0)
        # From here on, one transaction: the images stored, the draft saved, the import done.
        draft = services.save_files(org, slug, images.store_encoded(encoded, images.image_limits()), user)
    except package.PackageError as exc:
        return list(exc.problems)
    except services.PublishingError as exc:
        return [str(exc)]
    if draft.problems:
        nothing = _("Nothing was changed: fix these problems in the package and upload it again.")
        return [nothing, *(problem.located(_) for problem in services.problems_of(draft))]
    _note(import_id, state=DONE, draft_slug=draft.slug, data=None)
    return None


def _step(import_id: int, step: str, done: int, total: int) -> None:
    """Note how far the import has got, for its page, in a commit of its own."""
    _note(import_id, step=step, done=done, total=total)
    db.session.commit()


def _note(import_id: int, **values) -> None:
    db.session.execute(
        update(PackageImport)
        .where(PackageImport.id == import_id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


def import_of(org: Organisation, import_id: int) -> PackageImport | None:
    """The organisation's import with this id (None for another organisation's)."""
    return db.session.scalar(
        select(PackageImport).where(PackageImport.id == import_id, PackageImport.organisation_id == org.id)
    )


def under_way(org: Organisation, limit: int = 10) -> list[PackageImport]:
    """The organisation's imports not finished yet, oldest first (a few at most)."""
    return list(
        db.session.scalars(
            select(PackageImport)
            .where(PackageImport.organisation_id == org.id, PackageImport.state.in_((QUEUED, RUNNING)))
            .order_by(PackageImport.id)
            .limit(limit)
        )
    )


def progress_percent(found: PackageImport) -> int:
    """How far along the import is, roughly: reading 5 %, the images up to 85 %, checking 90 %."""
    if found.finished:
        return 100
    if found.step == IMAGES and found.total:
        return 5 + 80 * found.done // found.total
    return {READING: 5, IMAGES: 85, CHECKING: 90}.get(found.step, 0)
