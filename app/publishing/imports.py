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
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import OperationalError

from app import jobs
from app.accounts.models import User
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.orgs.models import ADMIN, EDITOR, Organisation
from app.orgs.services import role_in
from app.publishing import images, package, services
from app.publishing.models import (
    CHECKING,
    DONE,
    FAILED,
    IMAGES,
    IN_REVIEW,
    QUEUED,
    READING,
    RUNNING,
    PackageImport,
)

log = logging.getLogger(__name__)
KEPT_FOR = timedelta(days=7)  # a finished import's outcome, then it is deleted
# An import this long without news has lost its job (a worker killed, a restart, retries spent:
# JOBS_TIMEOUT and the retry intervals add up to less). Its page says so, it is no longer run,
# and the next upload deletes it with its zip.
STALE_AFTER = timedelta(minutes=30)
STOPPED = _l(
    "This import stopped without finishing (its job was lost): nothing was changed. Upload the package again."
)
MAX_FILENAME = 255


def package_limits() -> package.PackageLimits:
    config = current_app.config
    return package.PackageLimits(
        max_upload_bytes=config["PACKAGE_MAX_BYTES"], max_image_bytes=config["IMAGE_MAX_BYTES"]
    )


def start_import(
    org: Organisation, user: User, filename: str, data: bytes, locale: str, replaces_changes: bool = False
) -> PackageImport:
    """Store the package and queue its import once committed; the caller commits, then calls
    ``queue``. Finished imports older than a week go at the same time, and stale ones, whoever's."""
    now, state, updated = utcnow(), PackageImport.state, PackageImport.updated_at
    db.session.execute(
        delete(PackageImport).where(
            or_(
                and_(state.in_((DONE, FAILED)), updated < now - KEPT_FOR),
                and_(state.in_((QUEUED, RUNNING)), updated < now - STALE_AFTER),
            )
        )
    )
    found = PackageImport(
        organisation_id=org.id,
        user_id=user.id,
        filename=(filename or "")[:MAX_FILENAME],
        locale=locale,
        data=data,
        state=QUEUED,
        replaces_changes=replaces_changes,
    )
    db.session.add(found)
    db.session.flush()
    return found


def queue(found: PackageImport) -> None:
    jobs.enqueue(run_import, found.id)


def run_import(import_id: int) -> None:
    """The job: read the package, encode its images, check it and save it as a draft.

    Ends with the import DONE (and its draft saved) or FAILED (and nothing else changed), once: a
    job run again after either, or alongside another run of it, changes nothing of a finished
    one. An unexpected error is logged and reported to the person as a failure: the zip is kept
    no longer than the job. A database error (busy, away) is raised instead while the queue has
    tries left: it runs the job again, which starts over.
    """
    found = db.session.get(PackageImport, import_id)
    if found is None or found.finished or stale(found):
        return  # a stale one was told to its uploader as stopped: too late to change the draft
    with force_locale(found.locale):
        try:
            outcome = _import(found)
        except Exception as error:
            if isinstance(error, OperationalError) and _tried_again():
                # The database was busy or away (locked, a serialisation failure, a lost
                # connection): the queue runs the job again later; its page says it is running.
                log.warning("Package import %s: database error, tried again later", import_id, exc_info=True)
                db.session.rollback()
                raise
            log.exception("Package import %s failed", import_id)
            outcome = [_("The import stopped on an unexpected error; nothing was changed. Try again later.")]
        if outcome is not None:  # the problems: nothing was saved
            db.session.rollback()
            _note(import_id, state=FAILED, problems=outcome, data=None)
        db.session.commit()


def _tried_again() -> bool:
    """Whether the queue will run this job again if it fails now (never without Redis)."""
    if not current_app.config.get("REDIS_URL"):
        return False
    from rq import get_current_job

    job = get_current_job()
    return job is not None and (job.retries_left or 0) > 0


def _import(found: PackageImport) -> list[str] | None:
    """Import ``found``; None once its draft is saved (not committed), else the problems."""
    import_id = found.id
    org = db.session.get(Organisation, found.organisation_id)
    user = db.session.get(User, found.user_id)
    data = found.data
    if org is None or user is None or data is None:
        return [_("This import can no longer be run: upload the package again.")]
    if _note(import_id, state=RUNNING, step=READING, done=0, total=0) != 1:  # finished or deleted since read
        return [_("This import can no longer be run: upload the package again.")]
    db.session.commit()
    limits = package_limits()
    try:
        slug, files = package.read_package(data, limits)
        encoded = images.encode_package_images(
            files, images.image_limits(), lambda done, total: total and _step(import_id, IMAGES, done, total)
        )
        _step(import_id, CHECKING, 0, 0)
        # From here on, one transaction: the images stored, the draft saved, the import done.
        stored = images.store_encoded(encoded, images.image_limits())  # undone if refused below
        made_from = package.made_from(data)
        refused = _no_longer_allowed(org, user, slug, found, stored, made_from)
        if refused:
            return [refused]
        draft = services.save_files(org, slug, stored, user, from_package=True, made_from=made_from)
    except package.PackageError as exc:
        return list(exc.problems)
    except services.PublishingError as exc:
        return [str(exc)]
    if draft.problems:
        advice = _("Fix these problems in the package and upload it again.")
        return [advice, *(problem.located(_) for problem in services.problems_of(draft))]
    if _note(import_id, state=DONE, draft_slug=draft.slug, data=None) != 1:
        return [_("This import can no longer be run: upload the package again.")]  # deleted meanwhile
    return None


def _no_longer_allowed(
    org: Organisation,
    user: User,
    slug: str,
    found: PackageImport,
    files: dict[str, str],
    made_from: str | None,
) -> str | None:
    """Why the package may not be saved now: its uploader no longer edits for the publisher (the
    job ran late), its draft was saved again since the upload (by the editor, or by a later
    upload whose import ended first), or saving it would lose changes not published that the
    uploader did not agree to replace (``services.package_would_lose_work``; ``made_from`` is the
    draft hash its cadre-draft.txt names). None when it may be saved."""
    if user.disabled_at is not None or role_in(user, org.id) not in (ADMIN, EDITOR):
        return _("You can no longer edit this publisher's courses: nothing was changed.")
    draft = services.find_draft(org, slug)
    if draft is not None and draft.updated_at > found.created_at:
        return _(
            "The draft of %(slug)s was saved again after this package was uploaded: nothing was "
            "changed. Upload the package again if it should replace that draft.",
            slug=slug,
        )
    if draft is None or found.replaces_changes or draft.state == IN_REVIEW:
        return None  # a draft in review: save_files says why it cannot change
    if services.package_would_lose_work(draft, files, made_from, user):
        return _(
            "The draft of %(slug)s holds changes not yet published that this package lacks (made in "
            "the browser, or uploaded by someone else). Download the draft's package to start from "
            "them, or upload this one again with “Replace changes not yet published” ticked.",
            slug=slug,
        )
    return None


def _step(import_id: int, step: str, done: int, total: int) -> None:
    """Note how far the import has got, for its page, in a commit of its own."""
    _note(import_id, step=step, done=done, total=total)
    db.session.commit()


def _note(import_id: int, **values) -> int:
    """Change the import's row if it is not finished; how many rows changed (0 if it was deleted
    or finished meanwhile: by another run of its job, which then is the one that counts)."""
    return db.session.execute(
        update(PackageImport)
        .where(PackageImport.id == import_id, PackageImport.state.in_((QUEUED, RUNNING)))
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount


def stale(found: PackageImport) -> bool:
    """An import left unfinished for so long that its job is lost."""
    return not found.finished and found.updated_at < utcnow() - STALE_AFTER


def import_of(org: Organisation, import_id: int) -> PackageImport | None:
    """The organisation's import with this id (None for another organisation's)."""
    return db.session.scalar(
        select(PackageImport).where(PackageImport.id == import_id, PackageImport.organisation_id == org.id)
    )


def under_way(org: Organisation, limit: int = 10) -> list[PackageImport]:
    """The organisation's imports not finished yet, nor stale, newest first (a few at most)."""
    return list(
        db.session.scalars(
            select(PackageImport)
            .where(
                PackageImport.organisation_id == org.id,
                PackageImport.state.in_((QUEUED, RUNNING)),
                PackageImport.updated_at >= utcnow() - STALE_AFTER,
            )
            .order_by(PackageImport.id.desc())
            .limit(limit)
        )
    )


def stage(found: PackageImport) -> str:
    """The import's state and step, which change a few times only: what its page announces."""
    return f"{found.state}:{found.step}"


def progress_percent(found: PackageImport) -> int:
    """How far along the import is, roughly: reading 5 %, the images up to 85 %, checking 90 %."""
    if found.finished or stale(found):
        return 100
    if found.step == IMAGES and found.total:
        return 5 + 80 * found.done // found.total
    return {READING: 5, IMAGES: 85, CHECKING: 90}.get(found.step, 0)
