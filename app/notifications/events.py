"""What publishing and schools call when something happens: who is told, and with what.

Each hook runs inside the service that makes the change, in its transaction (see services.py).
"""

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update

from app.accounts.models import User
from app.extensions import db
from app.models_base import utcnow
from app.notifications.models import (
    CERTIFICATE,
    COMMENT_REPLY,
    NEW_ASSIGNMENT,
    PUBLISHED,
    REVIEW_COMMENT,
    REVIEW_REQUESTED,
    SENT_BACK,
    Notification,
)
from app.notifications.services import ASSIGNMENT_NOTICES, author_params, notify
from app.orgs.models import ADMIN, EDITOR, REVIEWER, Membership
from app.publishing.editor import course_fields
from app.publishing.models import IN_REVIEW
from app.schools.models import Assignment, Enrolment, SchoolClass
from app.urls import path_for_job


def _members(organisation_id: int, roles: tuple[str, ...]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id, Membership.role.in_(roles))
        )
    )


def draft_title(draft) -> str:
    """The title the draft's course.md gives, else its short name."""
    title = course_fields(draft.files, draft.slug)[0].get("title")
    return title.strip() if isinstance(title, str) and title.strip() else draft.slug


def _draft_params(draft, by: User) -> dict:
    return {"course": draft_title(draft), "organisation": draft.organisation.name, **author_params(by)}


def review_requested(draft, by: User) -> None:
    """Tell the publisher's reviewers and administrators (but the submitter) a course awaits them."""
    people = [u for u in _members(draft.organisation_id, (ADMIN, REVIEWER)) if u.id != by.id]
    path = path_for_job("publishing.draft", org_slug=draft.organisation.slug, slug=draft.slug)
    notify(people, REVIEW_REQUESTED, _draft_params(draft, by), path)


def review_withdrawn(draft) -> None:
    """The course is taken back from review: its unread « review requested » notices go (they would
    lead to a draft with nothing to review); read ones stay, as what happened."""
    path = path_for_job("publishing.draft", org_slug=draft.organisation.slug, slug=draft.slug)
    db.session.execute(
        delete(Notification).where(
            Notification.kind == REVIEW_REQUESTED, Notification.path == path, Notification.read_at.is_(None)
        )
    )


def _on_the_team(organisation_id: int, people: dict[int, User]) -> list[User]:
    """Of *people* (by id), those who still write, review or administer for the organisation (one
    query): someone taken off the team is no longer told what it says about its drafts."""
    if not people:
        return []
    staying = db.session.scalars(
        select(Membership.user_id).where(
            Membership.organisation_id == organisation_id,
            Membership.user_id.in_(people),
            Membership.role.in_((ADMIN, EDITOR, REVIEWER)),
        )
    )
    return [people[user_id] for user_id in staying]


def sent_back(draft, by: User, comment: str) -> None:
    """Tell the editor who submitted the course what the reviewer asked for (if still on the team)."""
    submitter = db.session.get(User, draft.submitted_by_id) if draft.submitted_by_id else None
    if (
        submitter is None
        or submitter.id == by.id
        or not _on_the_team(draft.organisation_id, {submitter.id: submitter})
    ):
        return
    params = {**_draft_params(draft, by), "comment": comment}
    path = path_for_job("publishing.draft", org_slug=draft.organisation.slug, slug=draft.slug)
    notify([submitter], SENT_BACK, params, path)


# A notice of comments on a draft is not sent again while the last one waits: unread on the site,
# or, for whoever takes them by e-mail only (born read), for this long.
COMMENTS_MAIL_WINDOW = timedelta(hours=1)


def _comment_notices(user_id: int, draft_id: int):
    return (
        Notification.user_id == user_id,
        Notification.kind == REVIEW_COMMENT,
        Notification.params["draft_id"].as_integer() == draft_id,
    )


def commented(draft, comment, module_title: str, by: User) -> None:
    """Tell the editor the draft waits on that a comment is written on it: who submitted it, while
    it is in review, else who last changed it (if still on the team, and not the one commenting).

    A reviewer writes several comments in a sitting, and the first notice leads to the reading
    page, which shows them all: no other is sent while it waits (``comments_seen`` ends that), or,
    by e-mail only, within the hour."""
    in_review = draft.state == IN_REVIEW and draft.submitted_by_id is not None
    editor_id = draft.submitted_by_id if in_review else draft.updated_by_id
    editor = db.session.get(User, editor_id) if editor_id not in (None, by.id) else None
    if editor is None or not _on_the_team(draft.organisation_id, {editor.id: editor}):
        return
    waiting = select(Notification.id).where(
        *_comment_notices(editor.id, draft.id),
        or_(
            Notification.read_at.is_(None),
            and_(Notification.on_site.is_(False), Notification.created_at > utcnow() - COMMENTS_MAIL_WINDOW),
        ),
    )
    if db.session.scalar(waiting.limit(1)) is not None:
        return
    params = {
        **_draft_params(draft, by),
        "draft_id": draft.id,
        "module": module_title,
        "comment": comment.body,
    }
    path = path_for_job("publishing.read", org_slug=draft.organisation.slug, slug=draft.slug)
    notify([editor], REVIEW_COMMENT, params, f"{path}#comment-{comment.id}")


def comments_unseen(draft, reader: User) -> bool:
    """Whether *reader* has a notice of comments on the draft still unread (one query)."""
    unread = select(Notification.id).where(
        *_comment_notices(reader.id, draft.id), Notification.read_at.is_(None)
    )
    return db.session.scalar(unread.limit(1)) is not None


def comments_seen(draft, reader: User) -> None:
    """*reader* opened the draft's reading page, where its comments are: their notices of them are
    read, and the next comment is told again; the caller commits."""
    db.session.execute(
        update(Notification)
        .where(*_comment_notices(reader.id, draft.id), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def draft_discarded(draft) -> None:
    """A draft never published is gone with its comments: the notices of them would lead nowhere
    (and on SQLite its id may be given again to a new draft)."""
    db.session.execute(
        delete(Notification).where(
            Notification.kind == REVIEW_COMMENT, Notification.params["draft_id"].as_integer() == draft.id
        )
    )


def replied(draft, comment, module_title: str, body: str, by: User) -> None:
    """Tell who wrote the comment and who answered it before (but the one replying, and those no
    longer on the team) that there is a reply; it leads to the comment on the reading page."""
    people = {comment.author_id: comment.author, **{r.author_id: r.author for r in comment.replies}}
    people.pop(by.id, None)
    params = {**_draft_params(draft, by), "module": module_title, "reply": body}
    path = path_for_job("publishing.read", org_slug=draft.organisation.slug, slug=draft.slug)
    notify(_on_the_team(draft.organisation_id, people), COMMENT_REPLY, params, f"{path}#comment-{comment.id}")


def published(draft, course, by: User) -> None:
    """Tell the course's editors (the publisher's editors and administrators, and whoever
    submitted it) that learners now see the new version."""
    people = {u.id: u for u in _members(draft.organisation_id, (ADMIN, EDITOR))}
    if draft.submitted_by_id and draft.submitted_by_id not in people:
        submitter = db.session.get(User, draft.submitted_by_id)
        if submitter is not None and _on_the_team(draft.organisation_id, {submitter.id: submitter}):
            people[submitter.id] = submitter
    people.pop(by.id, None)
    params = {**_draft_params(draft, by), "course": course.title, "version": course.version}
    # A translation (an edition, app.catalog.editions) is read on its original's page.
    slug = course.slug or db.session.get(type(course), course.edition_of_id).slug
    notify(people.values(), PUBLISHED, params, path_for_job("catalog.course", slug=slug))


def certificate_changed(certificate) -> None:
    """Tell a certificate's holder that it was revoked (with the reason its public page gives) or
    is valid again: a PDF or a link they handed out now says otherwise than they may think."""
    params = {
        "course": certificate.course_title,
        "revoked": certificate.revoked_at is not None,
        "reason": certificate.revocation_reason,
    }
    notify(
        [certificate.user], CERTIFICATE, params, path_for_job("certificates.verify", code=certificate.code)
    )


def due_changed(assignment: Assignment, students: list[User]) -> None:
    """Tell ``students`` (those who have not finished it) that the work is now due at another
    time, or no longer has a due date: a notice of the same kind as a new assignment's."""
    school_class = db.session.get(SchoolClass, assignment.class_id)
    params = {
        "class": school_class.name,
        "course": assignment.course.title,
        "items": []
        if assignment.module is None
        else [f"{assignment.module.position}. {assignment.module.title}"],
        "due": assignment.due_at.isoformat() if assignment.due_at else None,
        "due_changed": True,
    }
    notify(students, NEW_ASSIGNMENT, params, path_for_job("catalog.course", slug=assignment.course.slug))


def assigned(assignment: Assignment) -> None:
    """Tell the class's students; modules of one course assigned together make one notification."""
    notices = db.session.info.setdefault(ASSIGNMENT_NOTICES, {})
    item = (
        assignment.course.title
        if assignment.module is None
        else f"{assignment.module.position}. {assignment.module.title}"
    )
    key = (assignment.class_id, assignment.course_id)
    if key in notices:
        if assignment.module is None:
            return
        for notification in notices[key]:
            params = dict(notification.params)
            params["items"] = [*params["items"], item]  # a new dict: JSON columns see reassignment only
            notification.params = params
        return
    school_class = db.session.get(SchoolClass, assignment.class_id)
    students = db.session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.class_id == school_class.id)
    )
    params = {
        "class": school_class.name,
        "course": assignment.course.title,
        "items": [] if assignment.module is None else [item],
        "due": assignment.due_at.isoformat() if assignment.due_at else None,
    }
    notices[key] = notify(
        students, NEW_ASSIGNMENT, params, path_for_job("catalog.course", slug=assignment.course.slug)
    )
