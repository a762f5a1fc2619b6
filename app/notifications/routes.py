"""My notifications, my notification preferences, and the one-click unsubscribe of the e-mails."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import nav
from app.accounts.forms import PostForm
from app.extensions import csrf, db, writes_on_get
from app.i18n import gettext as _
from app.models_base import ID, utcnow
from app.notifications import services, texts
from app.notifications.forms import PreferencesForm
from app.notifications.models import ALWAYS, CHANNELS, KIND_NAMES, KINDS, SITE, Notification
from app.urls import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
NO_STORE = {"Cache-Control": "no-store"}


def _page() -> int:
    page = request.args.get("page", "1")
    return min(int(page), 10_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1


@bp.get("/")
@login_required
def index():
    """My notifications, newest first, the unread ones marked."""
    page = _page()
    found, more = services.page_of(current_user, page)
    page_html = render_template(
        "notifications/index.html",
        notifications=found,
        page=page,
        more=more,
        texts=texts,
        form=PostForm(),
        kinds=_on_the_site() if not found and page == 1 else (),
        kind_names=KIND_NAMES,
    )
    return page_html, 200, NO_STORE


def _on_the_site() -> list[str]:
    """What an empty list may come to hold: the kinds that can reach this person (no reviews for a
    student) and that they did not turn off on the site (one query, only when the list is empty)."""
    row = services.preferences_of([current_user.id]).get(current_user.id)
    return [kind for kind in services.kinds_for(nav.memberships()) if services.wants(row, kind, SITE)]


@bp.get(f"/<{ID}:notification_id>")
@writes_on_get  # marks it read
@login_required
def open_one(notification_id: int):
    """Follow a notification from the list: it is read from now on."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    path = safe_next(notification.path)  # made by Cadre itself; checked all the same
    return redirect(request.script_root + path if path else url_for("notifications.index"))


@bp.post("/read")
@login_required
def mark_all_read():
    """Mark every notification read."""
    if not PostForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Which kinds of notification I get, on the site and by e-mail, and in which language."""
    form = PreferencesForm()
    # Only what can reach them (a learner has no reviews), from the memberships the header read.
    reaching = services.kinds_for(nav.memberships())
    kinds = [kind for kind in reaching if kind not in ALWAYS]
    if form.validate_on_submit():
        services.save_preferences(current_user, form.wanted(), form.locale.data, kinds)
        db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    if request.method == "GET":
        row = services.preferences_of([current_user.id]).get(current_user.id)
        for kind in KINDS:
            for channel in CHANNELS:
                form.channel(kind, channel).data = services.wants(row, kind, channel)
        form.locale.data = (row.locale if row else None) or ""  # "": the account's language
    page = render_template(
        "notifications/preferences.html",
        form=form,
        kinds=kinds,
        always=[kind for kind in reaching if kind in ALWAYS],
        kind_names=KIND_NAMES,
    )
    return page, 200, NO_STORE


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authentication: a mail client's one-click POST has no session
def unsubscribe(token: str):
    """GET: say what the link does, with a button; POST (that button, or the mail client under
    RFC 8058): stop the e-mails of that one kind."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", user=None), 404, NO_STORE
    user, kind = found
    done = request.method == "POST" and kind not in ALWAYS  # sent before they could not be stopped
    if done:
        services.mute_email(user, kind)
        db.session.commit()
    page = render_template(
        "notifications/unsubscribe.html",
        user=user,
        kind_name=KIND_NAMES[kind],
        done=done,
        always=kind in ALWAYS,
    )
    return page, 200, NO_STORE


@bp.app_context_processor
def unread_notifications():
    """``unread_notifications()`` for the site header: one COUNT, only on pages that show it."""

    def count() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": count}
