"""The LTI endpoints (login, launch, key set, deep linking) and a school's platform registrations.

The login and launch endpoints are exempt from Cadre's CSRF check: the platform posts to them
from its own site, and their integrity is the signed id_token, the state cookie and the one-time
nonce instead. A launch that fails any check answers 400 or 401 with a page that says so, in the
frame if framed; never a 500.
"""

import logging
import secrets
from urllib.parse import parse_qs, urlsplit

import jwt
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import jobs
from app.accounts import confirmation
from app.accounts.forms import PostForm
from app.catalog.models import ORIGINALS, PUBLIC, Course
from app.catalog.services import title_key
from app.extensions import csrf, db, writes_on_get
from app.i18n import gettext as _
from app.limits import throttled
from app.lti import keys, launches, roster, tool
from app.lti.forms import OwnLoginForm, PickForm, PlatformForm
from app.lti.models import LtiPlatform
from app.orgs import services as orgs
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, SCHOOL, TEACHER
from app.schools import services as schools
from app.schools.models import SchoolClass, archived_refusal
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


BROWSER_COOKIE = "cadre-lti-"  # + the state: a secret only the browser that started the login has


@bp.route("/lti/login", methods=["GET", "POST"])
@writes_on_get  # a login initiation (GET or POST) keeps its state and nonce
@csrf.exempt
@throttled("lti")
def login():
    """Third-party initiated login: check the registration, then send the browser to the platform.

    The target may be any page of this site (Moodle sends its « Tool URL » for activities made
    without choosing content); the platform always answers to the launch URL.
    """
    target = request.values.get("target_link_uri") or _launch_url()
    if not target.startswith(external_url("/")):
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
    lti_request = FlaskRequest()
    oidc, service = tool.oidc_login(lti_request)
    try:
        response = oidc.redirect(_launch_url())
    except (OIDCException, LtiException) as error:
        log.info("LTI login refused: %s", error)
        return refused(
            _("The platform’s login request is incomplete. Open the activity again from the platform.")
        )
    sent = parse_qs(urlsplit(response.headers["Location"]).query)
    state, nonce = sent["state"][0], sent["nonce"][0]
    secret = secrets.token_urlsafe(32)
    service.bind(state, nonce, secret)
    db.session.commit()  # the nonce, kept for the launch
    secure = lti_request.is_secure()
    response.set_cookie(
        BROWSER_COOKIE + state,
        secret,
        max_age=tool.LOGIN_LIFETIME,
        path=url_for("lti.launch"),
        secure=secure,
        httponly=True,
        samesite="None" if secure else None,
        partitioned=secure,
    )
    return response


@bp.post("/lti/launch")
@csrf.exempt
def launch():
    """The signed launch: validate it, use its nonce once, then sign the person in and send them on."""
    session.pop(DEEP_LINK, None)  # a choice left unanswered is not this launch's
    g.frame_ancestors = _claimed_origins()  # so that a refusal shows in the platform's frame
    message = tool.message_launch(FlaskRequest())
    try:
        data = message.get_launch_data()
    except keys.MissingKey:
        abort(503)
    except LtiException as error:
        log.info("LTI launch refused: %s", error)
        return refused(_launch_error(str(error)), 401)
    except IntegrityError:  # the same launch posted twice at once: the other post has it
        return refused(_launch_error("nonce"), 401)
    except (ValueError, TypeError, KeyError, AttributeError) as error:  # a token pylti1p3 did not catch
        log.info("LTI launch refused: %s", error)
        return refused(_("This launch could not be read. Open the activity again from the platform."), 400)
    state = request.form.get("state", "")
    service = message.get_session_service()
    if not service.redeem(state, data["nonce"], request.cookies.get(BROWSER_COOKIE + state)):
        return refused(_("This launch was already used. Open the activity again from the platform."), 401)
    platform = tool.ToolConf().platform(data["iss"], message.get_client_id())
    if platform is None:  # pragma: no cover - validation found it a moment ago
        return refused(_launch_error("registration"), 401)
    g.frame_ancestors = launches.origins(platform)
    deep_link = message.is_deep_link_launch()
    if deep_link and not _return_url(data):
        return refused(_("The platform did not say where to send the choice back. Start again from it."))
    try:
        done = launches.launched(platform, data)
    except ValueError:
        return refused(
            _("The platform did not say who you are: Cadre needs its user ID to keep your progress.")
        )
    login_user(done.user)
    session[FRAME] = launches.origins(platform)
    response = redirect(_landing(done), 303)
    if deep_link:
        if not done.teaches or done.school_class is None:
            db.session.commit()
            return refused(_("Only the course’s teachers can add Cadre content to it."), 403)
        session[DEEP_LINK] = {
            "launch": message.get_launch_id(),
            "class": done.school_class.id,
            "user": done.user.id,
        }
        response = redirect(url_for("lti.pick"), 303)
    db.session.commit()
    if not deep_link and done.teaches and done.context is not None and done.context.memberships_url:
        jobs.enqueue(roster.sync_roster, done.context.id)  # the class fills while the teacher reads
    response.delete_cookie(BROWSER_COOKIE + state, path=url_for("lti.launch"))
    return response


def _return_url(data: dict) -> str | None:
    """Where the platform wants the deep-linking answer: an http(s) address of its own, or None."""
    settings = data.get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    return url if isinstance(url, str) and launches.origin_of(url) else None


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
            .where(ORIGINALS, Course.visibility == PUBLIC, Course.archived_at.is_(None))
        ),
        key=title_key,
    )


@bp.route("/lti/pick", methods=["GET", "POST"])
@login_required
def pick():
    """One screen: a course, or one of its modules; then back to the platform with the choice."""
    pending = session.get(DEEP_LINK)
    if not pending or pending.get("user") != current_user.id:
        return refused(_("Start from your platform: “Add an activity”, then Cadre."), 400)
    try:
        message = tool.deep_link_launch(pending["launch"])
    except (LtiException, keys.MissingKey):
        session.pop(DEEP_LINK, None)
        return refused(_("This choice has expired. Start again from your platform."), 400)
    school_class = db.session.get(SchoolClass, pending["class"])
    if school_class is None or orgs.role_in(current_user, school_class.organisation_id) not in (
        ADMIN,
        TEACHER,
    ):
        session.pop(DEEP_LINK, None)
        return refused(_("Only the course’s teachers can add Cadre content to it."), 403)
    if school_class.archived_at is not None:  # it would take no work: say so before the choice, not after
        session.pop(DEEP_LINK, None)
        return refused(archived_refusal(school_class), 409)
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
        try:
            with db.session.begin_nested():
                schools.assign(school_class, course, module, None, current_user)
        except schools.SchoolError:
            pass  # already assigned to the class (the same activity added twice): keep that one
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
        return_url = _return_url(message.get_launch_data())
        session.pop(DEEP_LINK, None)
        db.session.commit()
        g.form_action = [launches.origin_of(return_url)]  # _return_url checked it is one
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
        # The platform vouched for the person, not for this address: it is confirmed by a link.
        user.email_confirmed_at = None
        user.set_password(form.password.data)
        db.session.commit()
        login_user(user)  # set_password ended the sessions; this one stays
        confirmation.send_link(user)
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
    if form.validate_on_submit() and _save(form, LtiPlatform(organisation_id=school.id)):
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


@bp.route("/schools/<slug>/lti/<int(max=2147483647):platform_id>", methods=["GET", "POST"])
@login_required
def edit_platform(slug: str, platform_id: int):
    """Change a registration (a new deployment, a platform that moved): its accounts stay linked."""
    school, _role = organisation_or_404(slug, SCHOOL, (ADMIN,))
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None or platform.organisation_id != school.id:
        abort(404)
    form = PlatformForm(obj=platform)
    form.submit.label.text = _("Save")
    if form.validate_on_submit() and _save(form, platform):
        flash(_("%(name)s is saved.", name=platform.name), "success")
        return redirect(url_for("lti.platforms", slug=slug))
    return render_template("lti/edit_platform.html", school=school, platform=platform, form=form)


def _save(form: PlatformForm, platform: LtiPlatform) -> bool:
    """Write the form into the registration, unless another one has its issuer and client ID."""
    taken = db.session.scalar(
        select(LtiPlatform.id).where(
            LtiPlatform.issuer == form.issuer.data,
            LtiPlatform.client_id == form.client_id.data,
            LtiPlatform.id != (platform.id or 0),
        )
    )
    if taken:
        form.client_id.errors.append(_("This platform and client ID are already registered."))
        return False
    form.populate_obj(platform)
    platform.deployment_ids = "\n".join(
        line.strip() for line in form.deployment_ids.data.splitlines() if line.strip()
    )
    db.session.add(platform)
    db.session.commit()
    return True


@bp.post("/schools/<slug>/lti/<int(max=2147483647):platform_id>/delete")
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
        "tool": _launch_url(),
        "login": external_url(url_for("lti.login")),
        "redirect": _launch_url(),
        "jwks": external_url(url_for("lti.jwks")),
        "deep_link": _launch_url(),
    }
