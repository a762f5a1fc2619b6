"""A publisher's record store page, for its administrators only (like the rest of the workspace:
outsiders get 404, other members 403), and ``flask lrs send``.

The page lives under /workspace/<org>/settings/ rather than beside the drafts: /workspace/<org>/<x>
is a draft's address, and a course could be named like the page.
"""

import click
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_required

from app import jobs
from app.accounts.forms import PostForm
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext as _
from app.lrs import client, forwarding, services
from app.lrs.forms import RecordStoreForm
from app.lrs.sealing import Unreadable
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, PUBLISHER, Organisation

bp = Blueprint("lrs", __name__, url_prefix="/workspace/<org_slug>/settings/record-store", cli_group="lrs")


def _admin_org_or_404(org_slug: str) -> Organisation:
    return organisation_or_404(org_slug, PUBLISHER, (ADMIN,))[0]


@bp.route("", methods=["GET", "POST"])
@login_required
def record_store(org_slug: str):
    """Show the store's settings and state; save new settings."""
    org = _admin_org_or_404(org_slug)
    store = services.store_of(org)
    form = RecordStoreForm(
        obj=store,
        has_password=bool(store and store.password_sealed),
        saved_endpoint=store.endpoint if store else None,
    )
    if form.validate_on_submit():
        store = services.save_store(org, form.endpoint.data, form.username.data, form.password.data)
        db.session.commit()
        if forwarding.send_on_commit():
            jobs.enqueue(forwarding.forward_store, store.id)
        flash(_("Saved. Statements are sent in the background; test the connection to be sure."), "success")
        return redirect(url_for("lrs.record_store", org_slug=org.slug))
    return render_template(
        "lrs/record_store.html",
        org=org,
        store=store,
        state=services.state_of(store) if store else None,
        password_readable=services.password_readable(store) if store else True,
        form=form,
        post_form=PostForm(),
    ), 400 if form.errors else 200


@bp.post("/test")
@login_required
def test_connection(org_slug: str):
    """Ask the store for one statement with the saved settings, and say how it went."""
    org = _admin_org_or_404(org_slug)
    store = services.store_of(org)
    if store is None or not PostForm().validate_on_submit():
        return redirect(url_for("lrs.record_store", org_slug=org.slug))
    production = current_app.config.get("ENV_NAME") == "production"
    try:
        services.check_store(store, production)
    except Unreadable:
        flash(_("The saved password can no longer be read: enter it again."), "error")
    except client.StoreError as exc:
        refused = _("The store could not be reached or refused the connection: %(detail)s", detail=str(exc))
        flash(refused, "error")
    else:
        flash(_("The store answered and accepted the user name and password."), "success")
    return redirect(url_for("lrs.record_store", org_slug=org.slug))


@bp.post("/clear")
@login_required
def clear(org_slug: str):
    """Stop forwarding and forget the settings."""
    org = _admin_org_or_404(org_slug)
    if PostForm().validate_on_submit() and services.clear_store(org):
        db.session.commit()
        flash(_("Statements are no longer sent to a record store."), "success")
    return redirect(url_for("lrs.record_store", org_slug=org.slug))


@bp.cli.command("send")
@localised
def send_command() -> None:
    """Send every learning record store the statements it has not got yet (as the tick does)."""
    click.echo(forwarding.summary(*forwarding.send_behind()) + ".")


@bp.cli.command("status")
@localised
def status_command() -> None:
    """List the stores: whose, where, how far they have got, and their last error."""
    for line in forwarding.status_lines():  # for scripts too: the same in every language
        click.echo(line)
