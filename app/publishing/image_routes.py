"""Course images: an editor adds one to a draft; readers load them at their content-addressed address.

Adding follows the workspace's rule (outsiders 404, members without the role 403); removing an
image is removing a file of the draft (publishing.remove_file). Loading is checked image by image
in app.publishing.images.image_for_reader: an address that is hard to guess is not permission.
The blueprint's command, `flask images prune`, deletes the stored images nothing uses any more.
"""

import re

import click
from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.cli_language import localised
from app.content.image_refs import MEDIA_TYPES, is_image_name
from app.extensions import db
from app.forms import Form
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext
from app.limits import throttled
from app.models_base import utcnow
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, EDITOR, PUBLISHER
from app.publishing import images, services

bp = Blueprint("images", __name__)  # its commands: `flask images ...`
bp.cli.help = "Course images: delete the stored ones nothing uses any more (run daily by cron)."
SHA256 = re.compile(r"[0-9a-f]{64}")
YEAR = 365 * 24 * 3600


class ImageUploadForm(Form):
    image_file = FileField(
        _l("Image (PNG, JPEG or WebP)"),
        validators=[FileRequired(_l("Choose an image to upload."))],
        render_kw={"accept": ".png,.jpg,.jpeg,.webp,image/png,image/jpeg,image/webp"},
    )
    image_name = StringField(
        _l("Name (optional)"),
        validators=[Optional(), Length(max=images.MAX_STEM)],
        description=_l(
            "Made of lower-case letters, digits and hyphens; the extension is added. Empty: the file’s name."
        ),
    )
    submit = SubmitField(_l("Add the image"))


@bp.post("/workspace/<org_slug>/<slug>/images")
@login_required
@throttled("image")
def upload(org_slug: str, slug: str):
    """Add an image to a draft; a refused image changes nothing and says why."""
    org = organisation_or_404(org_slug, PUBLISHER, (ADMIN, EDITOR))[0]
    draft = services.find_draft(org, slug)
    if draft is None:
        abort(404)
    back = url_for("publishing.draft", org_slug=org.slug, slug=slug, _anchor="images-heading")
    form = ImageUploadForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    upload_file = form.image_file.data
    try:
        data = upload_file.read(current_app.config["IMAGE_MAX_BYTES"] + 1)
    finally:
        upload_file.close()  # a large upload is a temporary file: let it go now
    try:
        name = images.add_image(
            org, draft, form.image_name.data or "", form.image_file.data.filename or "", data, current_user
        )
    except (images.ImageUploadError, services.PublishingError) as exc:
        db.session.rollback()
        flash(_("The image was not added: %(reason)s", reason=str(exc)), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Image %(name)s added: show it with ![what it shows](images/%(name)s).", name=name), "success")
    return redirect(back)


@bp.get("/images/<course_slug>/<sha256>/<name>")
def image(course_slug: str, sha256: str, name: str):
    """An image's bytes, to a reader allowed to see it, with headers that keep it an image."""
    if SHA256.fullmatch(sha256) is None or not is_image_name(name):
        abort(404)
    found = images.image_for_reader(course_slug, sha256, name)
    row = found[0] if found else None
    if row is None or row.media_type != MEDIA_TYPES[name.rsplit(".", 1)[1]]:
        abort(404)
    response = Response(row.data, mimetype=row.media_type)
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, it is a document that may run nothing and load nothing.
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    # The address changes with the bytes, so they never need asking for again; only a public
    # course's images may sit in shared caches.
    headers["Cache-Control"] = f"{'public' if found[1] else 'private'}, max-age={YEAR}, immutable"
    response.set_etag(sha256)
    return response.make_conditional(request)


@bp.cli.command("prune")
@localised
def prune_command() -> None:
    """Delete stored images no draft, published version or course page refers to any more.

    Images stored in the last 24 hours are kept, used or not. Safe to run as often as you like,
    and from several hosts.
    """
    deleted = images.prune_images(utcnow())
    db.session.commit()
    click.echo(ngettext("%(num)d unused image deleted.", "%(num)d unused images deleted.", deleted))
