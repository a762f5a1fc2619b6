"""What a notification says, written when it is read, in the reader's language."""

from datetime import date, datetime

from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.notifications.models import (
    CERTIFICATE,
    CLASS_MESSAGE,
    COMMENT_REPLY,
    DUE_SOON,
    NEW_ASSIGNMENT,
    PUBLISHED,
    REVIEW_COMMENT,
    REVIEW_REQUESTED,
    SENT_BACK,
    WEEKLY_DIGEST,
    Notification,
)
from app.templating import dates


def due_of(notification: Notification) -> datetime | None:
    """The due date a notification names, if any (kept as ISO text in its params)."""
    due = notification.params.get("due")
    return datetime.fromisoformat(due) if due else None


def items_of(notification: Notification) -> str:
    """The assigned item(s): the whole course, or the modules chosen."""
    items = notification.params.get("items") or []
    return ", ".join(items) if items else notification.params.get("course", "")


def author_name(params: dict) -> str:
    """Who did it, or « Un ancien membre » once they deleted their account (its name taken off)."""
    return params.get("by") or _("A former member")


def subject(notification: Notification):
    """The e-mail's subject, a lazy string put in the recipient's language when it is sent."""
    p = notification.params
    return {
        REVIEW_REQUESTED: lambda: _l("To review: %(course)s", course=p["course"]),
        SENT_BACK: lambda: _l("Sent back: %(course)s", course=p["course"]),
        CERTIFICATE: lambda: (
            _l("Your certificate for %(course)s is revoked", course=p["course"])
            if p["revoked"]
            else _l("Your certificate for %(course)s is valid again", course=p["course"])
        ),
        REVIEW_COMMENT: lambda: _l("New comment on %(course)s", course=p["course"]),
        COMMENT_REPLY: lambda: _l("Reply to a comment on %(course)s", course=p["course"]),
        PUBLISHED: lambda: _l("Published: %(course)s", course=p["course"]),
        NEW_ASSIGNMENT: lambda: (
            _l("New in %(name)s: %(course)s", name=p["class"], course=p["course"])
            if not p.get("due_changed")
            else _l("New due date in %(name)s: %(course)s", name=p["class"], course=p["course"])
            if p.get("due")
            else _l("No due date any more in %(name)s: %(course)s", name=p["class"], course=p["course"])
        ),
        DUE_SOON: lambda: _l("Due soon: %(item)s", item=p.get("item", "")),
        CLASS_MESSAGE: lambda: (
            _l("%(name)s wrote to you in the class %(class)s", name=author_name(p), **{"class": p["class"]})
            if p.get("unfinished_of")  # to those who had not finished some work, not to the whole class
            else _l("%(name)s wrote to the class %(class)s", name=author_name(p), **{"class": p["class"]})
        ),
        WEEKLY_DIGEST: lambda: _l("Your classes this week"),
    }[notification.kind]()


def headline(notification: Notification) -> str:
    """One sentence saying what happened, for the list and the e-mail's first line."""
    p = notification.params
    if notification.kind == CERTIFICATE and p["revoked"]:
        return _(
            "The operator of Cadre revoked your certificate for %(course)s: it no longer attests "
            "anything, and its public page says so.",
            course=p["course"],
        )
    if notification.kind == CERTIFICATE:
        return _("Your certificate for %(course)s is valid again.", course=p["course"])
    if notification.kind == REVIEW_REQUESTED:
        return _("%(name)s submitted %(course)s for review.", name=author_name(p), course=p["course"])
    if notification.kind == SENT_BACK:
        return _("%(name)s sent %(course)s back to you.", name=author_name(p), course=p["course"])
    if notification.kind in (REVIEW_COMMENT, COMMENT_REPLY):
        about = {"name": author_name(p), "module": p["module"] or _("the final test"), "course": p["course"]}
        if notification.kind == REVIEW_COMMENT:
            return _("%(name)s commented on %(module)s, in %(course)s.", **about)
        return _("%(name)s replied to a comment on %(module)s, in %(course)s.", **about)
    if notification.kind == PUBLISHED:
        return _(
            "%(name)s published %(course)s (version %(version)s): learners see it now.",
            name=author_name(p),
            course=p["course"],
            version=p["version"],
        )
    if notification.kind == NEW_ASSIGNMENT and p.get("due_changed"):
        if p.get("due"):
            return _(
                "The due date of %(items)s, in the class %(name)s, has changed.",
                name=p["class"],
                items=items_of(notification),
            )
        return _(
            "%(items)s, in the class %(name)s, no longer has a due date.",
            name=p["class"],
            items=items_of(notification),
        )
    if notification.kind == NEW_ASSIGNMENT:
        return _(
            "Work assigned in the class %(name)s: %(items)s.", name=p["class"], items=items_of(notification)
        )
    if notification.kind == DUE_SOON:
        return _(
            "%(item)s, assigned in the class %(name)s, is not finished yet.", item=p["item"], name=p["class"]
        )
    if notification.kind == CLASS_MESSAGE and p.get("unfinished_of"):
        return _(
            "%(name)s wrote to the students of the class %(class)s who have not finished %(item)s.",
            name=author_name(p),
            item=p["unfinished_of"],
            **{"class": p["class"]},
        )
    if notification.kind == CLASS_MESSAGE:
        return _("%(name)s wrote to the class %(class)s.", name=author_name(p), **{"class": p["class"]})
    week_start = date.fromisoformat(p["week_start"])
    return _("What your classes completed in the week starting %(date)s.", date=dates().day(week_start))
