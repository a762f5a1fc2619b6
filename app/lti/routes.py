"""The LTI endpoints (login, launch, key set, deep linking) and a school's platform registrations.

The login and launch endpoints are exempt from Cadre's CSRF check: the platform posts to them
from its own site, and their integrity is the signed id_token, the state cookie and the one-time
nonce instead. A launch that fails any check answers 400 or 401 with a page that says so, in the
frame if framed; never a 500.
"""

import logging

import jwt
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import jobs
from app.accounts.forms import PostForm
from app.catalog.models import PUBLIC, Course
from app.catalog.services import title_key
from app.extensions import csrf, db
from app.lti import keys, launches, roster, tool
from app.lti.forms import OwnLoginForm, PickForm, PlatformForm
from app.lti.models import LtiContext, LtiPlatform
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, SCHOOL
from app.schools import services as schools
from app.schools.models import SchoolClass
from app.urls import external_url

bp = Blueprint("lti", __name__)
log = logging.getLogger(__name__)
FRAME = "lti_frame"  # session key: origins allowed to frame this session's pages
DEEP_LINK = "lti_deep_link"  # session key: the deep-linking launch being answered


def refused(message, status: int = 400):
    """The launch refused, with what the person can do about it."""
    db.session.rollback()
    return render_template("lti/refused.html", message=message), status


def _launch_url() -> str:
    return external_url(url_for("lti.launch"))


# Cadre's side of the protocol ------------------------------------------------------------------


@bp.get("/lti/jwks")
def jwks():
    """Cadre's public key, for platforms to check what Cadre signs."""
    try:
        return jsonify(tool.jwks())
    except keys.MissingKey:
        abort(503)


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """Third-party initiated login: check the registration, then send the browser to the platform."""
    target = request.values.get("target_link_uri") or _launch_url()
    if target.split("?", 1)[0] != _launch_url():
        return refused(_("This link does not lead to Cadre’s launch address."))
    iss = request.values.get("iss", "")
    platform = tool.ToolConf().platform(iss, request.values.get("client_id")) if iss else None
    if platform is None:
        return refused(
            _(
                "This platform is not registered with Cadre."
                " Its administrator can register it from the school’s page."
            )
        )
    g.frame_ancestors = launches.origins(platform)
    try:
        response = tool.oidc_login(FlaskRequest()).redirect(_launch_url())
    except (OIDCException, LtiException) as error:
        log.info("LTI login refused: %s", error)
        return refused(
            _("The platform’s login request is incomplete. Open the activity again from the platform.")
        )
    db.session.commit()  # the nonce, kept for the launch
    return response


@bp.post("/lti/launch")
@csrf.exempt
def launch():
    """The signed launch: validate it, use its nonce once, then sign the person in and send them on."""
    g.frame_ancestors = _claimed_origins()  # so that a refusal shows in the platform's frame
    message = tool.message_launch(FlaskRequest())
    try:
        data = message.get_launch_data()
    except keys.MissingKey:
        abort(503)
    except LtiException as error:
        log.info("LTI launch refused: %s", error)
        return refused(_launch_error(str(error)), 401)
    except (ValueError, TypeError, KeyError) as error:  # a malformed token pylti1p3 did not catch
        log.info("LTI launch refused: %s", error)
        return refused(_("This launch could not be read. Open the activity again from the platform."), 400)
    if not message.get_session_service().consume_nonce(data["nonce"]):
        return refused(_("This launch was already used. Open the activity again from the platform."), 401)
    platform = tool.ToolConf().platform(data["iss"], message.get_client_id())
    if platform is None:  # pragma: no cover - validation found it a moment ago
        return refused(_launch_error("registration"), 401)
    g.frame_ancestors = launches.origins(platform)
    try:
        done = launches.launched(platform, data)
    except ValueError:
        return refused(
            _("The platform did not say who you are: Cadre needs its user ID to keep your progress.")
        )
    login_user(done.user)
    session[FRAME] = launches.origins(platform)
    if message.is_deep_link_launch():
        if not done.teaches or done.school_class is None:
            db.session.commit()
            return refused(_("Only the course’s teachers can add Cadre content to it."), 403)
        session[DEEP_LINK] = {"launch": message.get_launch_id(), "class": done.school_class.id}
        db.session.commit()
        return redirect(url_for("lti.pick"), 303)
    db.session.commit()
    if done.teaches and done.context is not None and done.context.memberships_url:
        jobs.enqueue(roster.sync_roster, done.context.id)  # the class fills while the teacher reads
    return redirect(_landing(done), 303)


def _claimed_origins() -> list[str]:
    """The origins of the registered platform the (not yet verified) id_token names, if any.

    Only ever used to let that platform frame the page that says why its launch was refused.
    """
    try:
        claims = jwt.decode(request.form.get("id_token", ""), options={"verify_signature": False})
        platform = tool.ToolConf().platform(str(claims.get("iss", "")), None)
    except (jwt.InvalidTokenError, AttributeError):
        return []
    return launches.origins(platform) if platform else []


def _launch_error(reason: str) -> str:
    if "expired" in reason.lower() or "signature" in reason.lower():
        return _(
            "This launch has expired or its signature is not valid."
            " Open the activity again from the platform."
        )
    if "nonce" in reason.lower():
        return _("This launch was already used. Open the activity again from the platform.")
    return _(
        "This launch could not be checked. Open the activity again from the platform; if it keeps failing, "
        "its administrator should check the registration in Cadre."
    )


def _landing(done: launches.Launch) -> str:
    if done.module is not None:
        return url_for("catalog.module", slug=done.course.slug, module_slug=done.module.slug)
    if done.course is not None:
        return url_for("catalog.course", slug=done.course.slug)
    if done.teaches and done.school_class is not None:
        return url_for("schools.class_view", class_id=done.school_class.id)
    return url_for("learning.dashboard")


# Deep linking: the teacher picks, Cadre answers the platform -------------------------------------


def _pickable() -> list[Course]:
    return sorted(
        db.session.scalars(
            select(Course)
            .options(selectinload(Course.modules))
            .where(Course.visibility == PUBLIC, Course.archived_at.is_(None))
        ),
        key=title_key,
    )


@bp.route("/lti/pick", methods=["GET", "POST"])
@login_required
def pick():
    """One screen: a course, or one of its modules; then back to the platform with the choice."""
    pending = session.get(DEEP_LINK)
    if not pending:
        return refused(_("Start from your platform: « Add an activity », then Cadre."), 400)
    try:
        message = tool.deep_link_launch(pending["launch"])
    except (LtiException, keys.MissingKey):
        session.pop(DEEP_LINK, None)
        return refused(_("This choice has expired. Start again from your platform."), 400)
    school_class = db.session.get(SchoolClass, pending["class"])
    courses = _pickable()
    choices = {}
    for course in courses:
        choices[f"c{course.id}"] = (course, None)
        for module in course.modules:
            choices[f"m{module.id}"] = (course, module)
    form = PickForm()
    form.item.choices = list(choices)
    if form.validate_on_submit():
        course, module = choices[form.item.data]
        schools.assign(school_class, course, module, None, current_user)
        link = message.get_deep_link()
        title = f"{course.title} · {module.title}" if module else course.title
        custom = {"course": course.slug, **({"module": module.slug} if module else {})}
        resource = (
            DeepLinkResource()
            .set_url(_launch_url())
            .set_title(title[:255])
            .set_custom_params(custom)
            .set_lineitem(LineItem().set_score_maximum(100).set_label(title[:255]).set_tag("cadre"))
        )
        token = link.get_response_jwt([resource])
        return_url = message.get_launch_data()[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ]["deep_link_return_url"]
        session.pop(DEEP_LINK, None)
        db.session.commit()
        g.form_action = [launches.origin_of(return_url)]
        return render_template("lti/return.html", return_url=return_url, token=token, title=title)
    return render_template("lti/pick.html", form=form, courses=courses, school_class=school_class)


# The account a launch made ---------------------------------------------------------------------


@bp.route("/lti/account", methods=["GET", "POST"])
@login_required
def own_login():
    """Give the account an e-mail and a password, to sign in to Cadre directly and keep its history."""
    if not current_user.email.endswith("@" + launches.PLACEHOLDER_DOMAIN):
        return redirect(url_for("me.account"))
    form = OwnLoginForm(user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        user.email = user.normalise_email(form.email.data)
        user.set_password(form.password.data)
        db.session.commit()
        login_user(user)  # set_password ended the sessions; this one stays
        flash(_("Saved: you can now sign in to Cadre with %(email)s.", email=user.email), "success")
        return redirect(url_for("learning.dashboard"))
    return render_template("lti/account.html", form=form)


# A school's registrations ----------------------------------------------------------------------


@bp.route("/schools/<slug>/lti", methods=["GET", "POST"])
@login_required
def platforms(slug: str):
    """A school's administrators register their platforms and read what to paste into them."""
    school, _role = organisation_or_404(slug, SCHOOL, (ADMIN,))
    form = PlatformForm()
    if form.validate_on_submit():
        taken = db.session.scalar(
            select(LtiPlatform.id).where(
                LtiPlatform.issuer == form.issuer.data, LtiPlatform.client_id == form.client_id.data
            )
        )
        if taken:
            form.client_id.errors.append(_("This platform and client ID are already registered."))
        else:
            db.session.add(
                LtiPlatform(
                    organisation_id=school.id,
                    name=form.name.data,
                    issuer=form.issuer.data,
                    client_id=form.client_id.data,
                    deployment_ids="\n".join(
                        line.strip() for line in form.deployment_ids.data.splitlines() if line.strip()
                    ),
                    auth_login_url=form.auth_login_url.data,
                    auth_token_url=form.auth_token_url.data,
                    key_set_url=form.key_set_url.data,
                )
            )
            db.session.commit()
            flash(
                _(
                    "%(name)s is registered. Its teachers can now add Cadre to their courses.",
                    name=form.name.data,
                ),
                "success",
            )
            return redirect(url_for("lti.platforms", slug=slug))
    registered = list(
        db.session.scalars(
            select(LtiPlatform).where(LtiPlatform.organisation_id == school.id).order_by(LtiPlatform.name)
        )
    )
    try:
        keys.private_key_pem()
        configured = True
    except keys.MissingKey:
        configured = False
    return render_template(
        "lti/platforms.html",
        school=school,
        form=form,
        platforms=registered,
        post_form=PostForm(),
        configured=configured,
        tool_urls=tool_urls(),
    )


@bp.post("/schools/<slug>/lti/<int:platform_id>/delete")
@login_required
def delete_platform(slug: str, platform_id: int):
    """Unregister: launches stop; accounts, classes and results already made stay."""
    school, _role = organisation_or_404(slug, SCHOOL, (ADMIN,))
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None or platform.organisation_id != school.id or not PostForm().validate_on_submit():
        abort(404)
    launches.unregister(platform)
    db.session.commit()
    flash(_("%(name)s is no longer registered.", name=platform.name), "success")
    return redirect(url_for("lti.platforms", slug=slug))


def tool_urls() -> dict[str, str]:
    """What a platform's administrator pastes into its tool settings."""
    return {
        "tool": external_url(url_for("catalog.index")),
        "login": external_url(url_for("lti.login")),
        "redirect": _launch_url(),
        "jwks": external_url(url_for("lti.jwks")),
        "deep_link": _launch_url(),
    }


def class_contexts(class_id: int) -> list[LtiContext]:
    """The platform courses a class stands for (shown on the class page)."""
    return list(db.session.scalars(select(LtiContext).where(LtiContext.class_id == class_id)))
