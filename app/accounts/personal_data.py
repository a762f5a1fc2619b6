"""What Cadre keeps about a person, and what « My account » does with it: export it, fix the
name printed on certificates, delete the account.

A deleted account keeps its row, emptied of personal data and unable to log in: the classes,
drafts and invitations it created and the attempts the item statistics count all name it by
id, and a tombstone keeps those foreign keys sound without rewriting other people's history.
"""

import secrets

from flask import url_for
from sqlalchemy import String, and_, cast, delete, literal, or_, select, update
from sqlalchemy.orm import aliased

from app.accounts.models import DELETED_DOMAIN, User
from app.admin.audit import record
from app.admin.models import AuditEvent
from app.catalog.models import Course, CourseLanguageChoice, Module
from app.certificates.models import Certificate, CertificatePDF
from app.content.documents import REVIEW_ALWAYS
from app.extensions import db
from app.learning import grading
from app.learning.models import ModuleProgress, QuizAttempt, QuizDraw
from app.lti.models import LtiAccount, LtiGradeLink, LtiPlatform
from app.models_base import utcnow
from app.notifications.models import (
    ALWAYS,
    CLASS_MESSAGE,
    COMMENT_REPLY,
    PUBLISHED,
    REVIEW_COMMENT,
    REVIEW_REQUESTED,
    SENT_BACK,
    Notification,
    NotificationPreferences,
)
from app.orgs.models import ADMIN, Membership, Organisation
from app.publishing.models import CourseDraft, PackageImport, ReviewComment, ReviewReply
from app.record.models import LearningEvent
from app.schools import invitations
from app.schools.models import ClassInvitation, ClassMessage, Enrolment, SchoolClass
from app.urls import external_url


def without_key(statement: dict) -> dict:
    """A learner's copy of a statement: an answered question's right answers (which the record
    store gets) left out."""
    definition = statement.get("object", {}).get("definition", {})
    if "correctResponsesPattern" not in definition:
        return statement
    definition = {k: v for k, v in definition.items() if k != "correctResponsesPattern"}
    return {**statement, "object": {**statement["object"], "definition": definition}}


def export_data(user: User) -> dict:
    """Everything Cadre keeps about ``user``, as plain JSON-ready data."""

    def module_ref(module_id: int) -> dict:
        module = db.session.get(Module, module_id)  # the identity map makes repeats free
        return {
            "course": module.course.slug,
            "course_title": module.course.title,
            "course_language": module.course.language,  # its titles'; its quizzes are in the one taken
            "module": module.slug,
            "module_title": module.title,
            "final_test": module.is_final,  # its title is the course's
        }

    passed = set(
        db.session.scalars(
            select(QuizAttempt.module_id).where(QuizAttempt.user_id == user.id, QuizAttempt.passed.is_(True))
        )
    )

    def shows_key(module_id: int) -> bool:
        return module_id in passed or db.session.get(Module, module_id).review == REVIEW_ALWAYS

    def when(value) -> str | None:
        return value.isoformat() if value else None

    progress = db.session.scalars(
        select(ModuleProgress).where(ModuleProgress.user_id == user.id).order_by(ModuleProgress.id)
    )
    draws = db.session.scalars(select(QuizDraw).where(QuizDraw.user_id == user.id).order_by(QuizDraw.id))
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id)
    )
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
    )
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    )
    security_events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == user.id).order_by(AuditEvent.id)
    )
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    preferences = db.session.scalar(
        select(NotificationPreferences).where(NotificationPreferences.user_id == user.id)
    )
    languages = db.session.execute(
        select(Course.slug, CourseLanguageChoice.language)
        .join(Course, Course.id == CourseLanguageChoice.course_id)
        .where(CourseLanguageChoice.user_id == user.id)
        .order_by(CourseLanguageChoice.id)
    ).all()
    written = db.session.execute(
        select(ClassMessage, SchoolClass)
        .join(SchoolClass, SchoolClass.id == ClassMessage.class_id)
        .where(ClassMessage.author_id == user.id)
        .order_by(ClassMessage.id)
    )
    invited = db.session.execute(
        select(ClassInvitation, SchoolClass)
        .join(SchoolClass, SchoolClass.id == ClassInvitation.class_id)
        .where(ClassInvitation.invited_by_id == user.id)
        .order_by(ClassInvitation.id)
    )
    # What was sent to the account's address, only once its owner confirmed it: anyone may sign up
    # with any address, and would read who invited it where (second reading).
    invited_here = (
        db.session.execute(
            select(ClassInvitation, SchoolClass)
            .join(SchoolClass, SchoolClass.id == ClassInvitation.class_id)
            .where(ClassInvitation.email == user.email)
            .order_by(ClassInvitation.id)
        )
        if user.email_confirmed_at
        else []
    )
    refused_at = invitations.refused_since(user.email) if user.email_confirmed_at else None
    classes = db.session.execute(
        select(Enrolment, SchoolClass)
        .join(SchoolClass)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.id)
    )
    return {
        "profile": {
            "full_name": user.full_name,
            "email": user.email,
            "language": user.locale,
            "created_at": when(user.created_at),
            "site_administrator": bool(user.is_admin),
        },
        "progress": [
            {
                **module_ref(p.module_id),
                "read_at": when(p.read_at),
                "best_score": p.best_score,
                "attempts": p.attempts,
                "completed_at": when(p.completed_at),
                "last_activity_at": when(p.last_activity_at),
            }
            for p in progress
        ],
        "open_quizzes": [
            {**module_ref(d.module_id), "course_version": d.course_version, "opened_at": when(d.created_at)}
            for d in draws
        ],
        # As the attempt's page shows them: a quiz's key is not handed out before it is passed.
        "attempts": [
            {
                **module_ref(a.module_id),
                "submitted_at": when(a.created_at),
                "score": a.score,
                "passed": a.passed,
                "course_version": a.course_version,
                "answers": grading.as_shown(a.results, shows_key(a.module_id)),
            }
            for a in attempts
        ],
        "course_languages": [{"course": slug, "language": language} for slug, language in languages],
        "certificates": [
            {
                "code": c.code,
                "holder_name": c.holder_name,
                "course_title": c.course_title,
                "publisher": c.publisher,
                "course_version": c.course_version,
                "course_duration_minutes": c.course_duration,
                "modules_completed": c.modules_completed,
                "module_titles": [m["title"] for m in c.module_titles or []],
                "final_score": c.final_score,
                "language": c.taken_in,
                "issued_at": when(c.issued_at),
                "valid": c.valid,
                "url": external_url(url_for("certificates.verify", code=c.code)),
            }
            for c in certificates
        ],
        "memberships": [
            {
                "organisation": m.organisation.name,
                "kind": m.organisation.kind,
                "role": m.role,
                "since": when(m.created_at),
            }
            for m in memberships
        ],
        "classes": [
            {"class": k.name, "year": k.year, "school": k.organisation.name, "joined_at": when(e.joined_at)}
            for e, k in classes
        ],
        "class_messages": [
            {
                "class": k.name,
                "year": k.year,
                "written_at": when(m.created_at),
                "message": m.body,
                "to_those_who_had_not_finished": m.unfinished_of,  # None: the whole class
            }
            for m, k in written
        ],
        # Addresses this person invited to a class by e-mail, kept 30 days (app/schools/invitations.py).
        "class_invitations": [
            {"class": k.name, "year": k.year, "email": i.email, "sent_at": when(i.created_at)}
            for i, k in invited
        ],
        # And the invitations this person's address was sent.
        "class_invitations_received": [
            {"class": k.name, "year": k.year, "school": k.organisation.name, "sent_at": when(i.created_at)}
            for i, k in invited_here
        ],
        # Whether this person's mailbox asked for no more class invitations, and since when: kept as
        # a fingerprint of the address (app/schools/invitations.py), found again from it.
        "class_invitation_refusals": [{"asked_at": when(refused_at)}] if refused_at else [],
        # The security log's entries about the account, kept for the period the privacy notice
        # states. The network address is the person's own only when nobody else acted: that of an
        # operator or a school's administrator who changed the account is theirs, not given here.
        "security_events": [
            {
                "at": when(e.at),
                "action": e.action,
                "address": e.address if e.actor_id in (None, user.id) else None,
                # What an operator wrote about the person is theirs to read too.
                **({"reason": e.detail} if e.action == "user.disabled" else {}),
            }
            for e in security_events
        ],
        "notifications": [
            {
                "kind": n.kind,
                "details": n.params,
                "created_at": when(n.created_at),
                "read_at": when(n.read_at),
            }
            for n in notifications
        ],
        # The learning record (app/record): each event as the xAPI statement a funder or a store gets.
        "learning_record": [
            without_key(e.statement)
            for e in db.session.scalars(
                select(LearningEvent).where(LearningEvent.user_id == user.id).order_by(LearningEvent.id)
            )
        ],
        # Course packages the person uploaded, kept a week after their import (not the zip itself).
        "package_imports": [
            {
                "organisation": organisation,
                "file": i.filename,
                "state": i.state,
                "problems": i.problems,
                "draft": i.draft_slug,
                "uploaded_at": when(i.created_at),
                "updated_at": when(i.updated_at),
            }
            for i, organisation in db.session.execute(
                select(PackageImport, Organisation.name)
                .join(Organisation, Organisation.id == PackageImport.organisation_id)
                .where(PackageImport.user_id == user.id)
                .order_by(PackageImport.id)
            )
        ],
        # What the person wrote while reviewing a publisher's drafts: the drafts keep it, under
        # "a former member" once the account is deleted.
        "review_comments": [
            {
                "organisation": organisation,
                "course": slug,
                "module": c.module_slug,
                "written_at": when(c.created_at),
                "passage": c.quote,
                "comment": c.body,
                "resolved_at": when(c.resolved_at),
            }
            for c, slug, organisation in db.session.execute(
                select(ReviewComment, CourseDraft.slug, Organisation.name)
                .join(CourseDraft, CourseDraft.id == ReviewComment.draft_id)
                .join(Organisation, Organisation.id == CourseDraft.organisation_id)
                .where(ReviewComment.author_id == user.id)
                .order_by(ReviewComment.id)
            )
        ],
        "review_replies": [
            {
                "organisation": organisation,
                "course": slug,
                "module": module,
                "written_at": when(r.created_at),
                "reply": r.body,
            }
            for r, module, slug, organisation in db.session.execute(
                select(ReviewReply, ReviewComment.module_slug, CourseDraft.slug, Organisation.name)
                .join(ReviewComment, ReviewComment.id == ReviewReply.comment_id)
                .join(CourseDraft, CourseDraft.id == ReviewComment.draft_id)
                .join(Organisation, Organisation.id == CourseDraft.organisation_id)
                .where(ReviewReply.author_id == user.id)
                .order_by(ReviewReply.id)
            )
        ],
        # The last word of a draft sent back by the person (a draft keeps its last one only).
        "drafts_sent_back": [
            {
                "organisation": organisation,
                "course": d.slug,
                "sent_back_at": when(d.sent_back_at),
                "comment": d.review_comment,
            }
            for d, organisation in db.session.execute(
                select(CourseDraft, Organisation.name)
                .join(Organisation, Organisation.id == CourseDraft.organisation_id)
                .where(CourseDraft.sent_back_by_id == user.id)
                .order_by(CourseDraft.id)
            )
        ],  # fmt: skip
        # Learning platforms (LTI) the person came from: the platform's own id for them.
        "lti_accounts": [
            {
                "platform": name,
                "issuer": issuer,
                "id_on_the_platform": a.subject,
                "linked_at": when(a.created_at),
            }
            for a, name, issuer in db.session.execute(
                select(LtiAccount, LtiPlatform.name, LtiPlatform.issuer)
                .join(LtiPlatform, LtiPlatform.id == LtiAccount.platform_id)
                .where(LtiAccount.user_id == user.id)
                .order_by(LtiAccount.id)
            )
        ],
        # The results sent back to those platforms' gradebooks (0..1), and what each last accepted.
        "lti_grades": [
            {
                "platform": name,
                "course": course,
                "module": module,
                "score": g.score,
                "completed": g.completed,
                "score_accepted": g.sent_score,
                "accepted_at": when(g.sent_at),
            }
            for g, name, course, module in db.session.execute(
                select(LtiGradeLink, LtiPlatform.name, Course.title, Module.title)
                .join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
                .join(Course, Course.id == LtiGradeLink.course_id)
                .outerjoin(Module, Module.id == LtiGradeLink.module_id)
                .where(LtiGradeLink.user_id == user.id)
                .order_by(LtiGradeLink.id)
            )
        ],
        # At most one entry: none while the person kept the defaults.
        "notification_preferences": [
            {
                # Kinds said whatever the preferences may still be listed from before: not turned off.
                "turned_off": [entry for entry in preferences.muted if entry.split(":")[0] not in ALWAYS],
                "email_language": preferences.locale,
            }
            for preferences in [preferences]
            if preferences is not None
        ],
    }


def organisations_left_without_admin(user: User) -> list[str]:
    """Names of the organisations whose only administrator is ``user``: deleting would orphan them."""
    mine = select(Membership.organisation_id).where(Membership.user_id == user.id, Membership.role == ADMIN)
    # Another administrator of each of those: looked up by organisation, not every administrator
    # of the site read (as ``NOT IN (their organisations)`` would).
    other = aliased(Membership)
    others = select(other.id).where(
        other.organisation_id == Organisation.id, other.user_id != user.id, other.role == ADMIN
    )
    query = select(Organisation.name).where(Organisation.id.in_(mine), ~others.exists())
    return list(db.session.scalars(query.order_by(Organisation.name)))


def certificates_with_another_name(user: User) -> list[Certificate]:
    """The valid certificates that print a name other than the account's current one."""
    query = select(Certificate).where(
        Certificate.user_id == user.id,
        Certificate.holder_name != user.full_name,
        Certificate.revoked_at.is_(None),
        Certificate.withdrawn_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(Certificate.id)))


def reissue(certificate: Certificate, full_name: str) -> None:
    """Print ``full_name`` on the certificate from now on; its PDFs are built again.

    Logged with the name it replaces: the public page then names someone else than the PDFs
    already handed out, and a certificate moved to another person's name must be traceable."""
    record(
        "certificate.renamed",
        user=certificate.user,
        certificate=certificate,
        detail=f"{certificate.holder_name} -> {full_name}",
    )
    certificate.holder_name = full_name
    db.session.execute(delete(CertificatePDF).where(CertificatePDF.certificate_id == certificate.id))


TEAM_NOTICES = (
    REVIEW_REQUESTED,
    SENT_BACK,
    REVIEW_COMMENT,
    COMMENT_REPLY,
    PUBLISHED,
)  # each names who did it


def _forget_author(user: User) -> None:
    """What others were told this person did keeps the deed, not the name: « Un ancien membre a
    écrit à la classe… », as its messages and comments read (the delete page says so). Notices
    from before their author's id was kept (``author_params``) are found by their class message,
    or, for a publisher's team, by the name (another of the same name loses it there too: a
    notice that says less, never one that says more)."""
    messages = select(literal("message:") + cast(ClassMessage.id, String)).where(
        ClassMessage.author_id == user.id
    )
    for notice in db.session.scalars(
        select(Notification).where(
            or_(
                Notification.params["by_id"].as_integer() == user.id,
                and_(Notification.kind == CLASS_MESSAGE, Notification.dedupe_key.in_(messages)),
                and_(
                    Notification.kind.in_(TEAM_NOTICES),
                    Notification.params["by_id"].as_integer().is_(None),
                    Notification.params["by"].as_string() == user.full_name,
                ),
            )
        )
    ):
        notice.params = {**notice.params, "by": None, "by_id": None}


def delete_account(user: User) -> None:
    """Withdraw the certificates, anonymise the attempts, remove the rest; the caller commits."""
    record("user.deleted", user=user)
    for certificate in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        certificate.withdraw_at_holder_request()
        record("certificate.withdrawn", user=user, certificate=certificate)
        db.session.execute(delete(CertificatePDF).where(CertificatePDF.certificate_id == certificate.id))
    models = (
        ModuleProgress,
        QuizDraw,
        Membership,
        Enrolment,
        Notification,
        NotificationPreferences,
        LearningEvent,
        LtiAccount,  # a school platform's next launch of this person makes a new, empty account
        LtiGradeLink,
        CourseLanguageChoice,
        PackageImport,  # packages being imported: the drafts they made stay the publisher's
    )
    for model in models:
        db.session.execute(delete(model).where(model.user_id == user.id))
    # The addresses they invited to classes, and the invitations their own address was sent.
    db.session.execute(
        delete(ClassInvitation).where(
            or_(ClassInvitation.invited_by_id == user.id, ClassInvitation.email == user.email)
        )
    )
    _forget_author(user)
    # Its certificates withdrawn, the names they printed leave the security log too (the log keeps
    # that a name was changed, not which), and so do the reasons an operator gave for disabling it.
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.user_id == user.id, AuditEvent.action.in_(("certificate.renamed", "user.disabled")))
        .values(detail="")
    )
    # Attempts stay for the item statistics, tied to a row that no longer says who answered.
    user.full_name = ""
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it; ends every session too
    user.is_admin = False
    user.locale = None
    user.disabled_at = utcnow()
