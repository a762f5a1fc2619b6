"""School pages: joining a class, teaching, the class table, assignments and the CSV export.

Every object is checked on the server: a class, its students and its export are shown only to
the administrators and teachers of the class's school, and answer 404 to everyone else, so
nobody learns which classes exist elsewhere. Teacher-only pages answer 403 to the school's
other members and 404 to outsiders.
"""

from collections import Counter
from datetime import date
from functools import cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, get_locale
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import nav, templating
from app.accounts.forms import PostForm
from app.accounts.models import User
from app.admin.audit import record
from app.catalog.models import ORIGINALS, PUBLIC, Course, Module
from app.catalog.services import title_key
from app.certificates.models import Certificate
from app.extensions import csrf, db, login_manager, start_writing
from app.i18n import gettext as _
from app.i18n import local_zone, ngettext
from app.learning.models import QuizAttempt
from app.limits import failed, mailed, throttled
from app.models_base import ID, MAX_ID, utcnow
from app.orgs import notices, web
from app.orgs import services as orgs
from app.orgs.access import organisation_or_404
from app.orgs.codes import CODE_LENGTH, display_code, normalise_code
from app.orgs.forms import InvitationForm
from app.orgs.models import (
    ADMIN,
    PUBLISHER,
    ROLE_IN_SENTENCE,
    ROLE_NAMES,
    ROLES,
    SCHOOL,
    TEACHER,
    Organisation,
)
from app.schools import export, invitations, kept, messages, questions, services
from app.schools.forms import (
    MAX_ADDRESSES_TEXT,
    WHOLE,
    AddTeacherForm,
    AssignForm,
    ClassForm,
    CourseChoiceForm,
    DueForm,
    JoinForm,
    MessageForm,
    StudentInvitationForm,
)
from app.schools.models import Assignment, ClassMessage, SchoolClass, archived_refusal
from app.urls import external_url

NO_STORE = {"Cache-Control": "no-store"}
bp = Blueprint("schools", __name__)
bp.add_app_template_filter(services.item_title, "item_title")
bp.add_app_template_filter(services.column_title, "column_title")
STAFF = ROLES[SCHOOL]


def _school_or_404(slug: str, *roles: str) -> tuple[Organisation, str]:
    return organisation_or_404(slug, SCHOOL, roles)


def _class_or_404(class_id: int) -> SchoolClass:
    """A class the current user teaches in (administrator or teacher of its school), else 404."""
    return _staff_only(db.session.get(SchoolClass, class_id))


def _on_staff(school_class: SchoolClass) -> bool:
    """Whether the current user is on the class's school's staff, read from the memberships the
    page's header reads anyway (app/nav.py: one query per request, shared)."""
    school = school_class.organisation_id
    return any(m.organisation_id == school and m.role in STAFF for m in nav.memberships())


def _staff_only(school_class: SchoolClass | None) -> SchoolClass:
    """The class if the current user is on its school's staff, else 404."""
    if school_class is None or not _on_staff(school_class):
        abort(404)
    return school_class


def _fail(message) -> None:
    """Undo the whole request's changes and tell the person why."""
    db.session.rollback()
    flash(str(message), "error")


# Students ---------------------------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
@login_required
@throttled("join")
def join():
    """Type a class code (or confirm the one a join link carried) to enter the class.

    A publisher's members' code works here too: it makes the person a member, who then sees
    the publisher's members-only courses.
    """
    form = JoinForm()
    if form.validate_on_submit():
        found = services.find_class_by_code(form.code.data)
        publisher = None if found else orgs.find_by_join_code(form.code.data)
        if publisher is not None:
            return _join_publisher(form, publisher)
        if found is not None and services.enrolment(found, current_user.id) is not None:
            flash(_("You are already in the class %(name)s.", name=found.name), "info")
            return redirect(url_for("learning.dashboard"))
        try:
            school_class = services.join_class(current_user, form.code.data)
        except services.SchoolError as exc:
            db.session.rollback()
            if found is None:
                failed()  # guessing codes is slowed down per account and per address
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("You joined the class %(name)s.", name=school_class.name), "success")
            return redirect(url_for("learning.dashboard"))
    return render_template("schools/join.html", form=form, school_class=None, already=False)


def _join_publisher(form: JoinForm, publisher: Organisation):
    if orgs.role_in(current_user, publisher.id) is not None:  # a link followed twice: not a guess
        flash(_("You are already a member of %(org)s.", org=publisher.name), "info")
        return redirect(url_for("catalog.index"))
    try:
        orgs.join_as_member(current_user, publisher)
    except orgs.OrgError as exc:
        db.session.rollback()
        failed()
        form.code.errors.append(str(exc))
        return render_template("schools/join.html", form=form, school_class=None, already=False)
    db.session.commit()
    flash(
        _(
            "You are now a member of %(org)s: its members-only courses are in the catalogue.",
            org=publisher.name,
        ),
        "success",
    )
    return redirect(url_for("catalog.index"))


@bp.get("/join/<code>")
@login_required
@throttled("join")
def join_link(code: str):
    """A join link: show which class it is and ask for confirmation (a GET never changes anything)."""
    school_class = services.find_class_by_code(code)
    publisher = None if school_class else orgs.find_by_join_code(code)
    if publisher is not None:
        form = JoinForm(data={"code": publisher.join_code})
        already = orgs.role_in(current_user, publisher.id) is not None
        return render_template(
            "schools/join.html", form=form, school_class=None, publisher=publisher, already=already
        )
    form = JoinForm(data={"code": school_class.join_code if school_class else ""})
    if school_class is None:
        # The unknown code stays in the field, to be corrected rather than typed again, written as
        # codes are shown (ABCD-WXYZ); set after the field's filter, which would join it up again.
        typed = normalise_code(code)
        form.code.data = display_code(typed) if len(typed) == CODE_LENGTH else typed
        failed()
        form.code.errors = [
            _("No class or organisation has this code. Check it with whoever gave it to you.")
        ]
    already = school_class is not None and services.enrolment(school_class, current_user.id) is not None
    return render_template("schools/join.html", form=form, school_class=school_class, already=already)


# Teaching ---------------------------------------------------------------------------------------


@bp.get("/teaching")
@login_required
def teaching():
    """The schools where the user teaches and their classes."""
    memberships = services.staff_organisations(current_user)
    if not memberships:
        abort(403)
    classes = services.classes_of(m.organisation_id for m in memberships)
    facts = services.class_facts(classes)
    due = services.due_work(classes, {class_id: f.students for class_id, f in facts.items()})
    return render_template(
        "schools/teaching.html",
        memberships=memberships,
        classes=classes,
        facts=facts,
        due=due,
        days=services.DUE_WINDOW.days,
    )


@bp.route("/schools/<slug>", methods=["GET"])
@login_required
def school(slug: str):
    """The school's classes; its administrators also manage teachers here."""
    school, role = _school_or_404(slug, *STAFF)
    return _school_page(school, role)


def _school_page(
    school: Organisation,
    role: str,
    made: web.MadeInvitation | None = None,
    add_form=None,
    pupil=None,
    invite_form=None,
    status: int = 200,
):
    members = orgs.members(school) if role == ADMIN else []
    classes = services.classes_of([school.id])
    return render_template(
        "schools/school.html",
        school=school,
        role=role,
        members=members,
        classes=classes,
        facts=services.class_facts(classes),
        add_form=add_form or AddTeacherForm(),
        post_form=PostForm(),
        made=made,
        invitation_days=orgs.INVITATION_DAYS,
        # With their roles: besides its teacher links, the operator may have made an administrator's.
        invitations=orgs.pending_invitations(school) if role == ADMIN else [],
        role_names=ROLE_NAMES,
        invite_form=invite_form or InvitationForm(formdata=None),
        pupil=pupil,  # (user, class names): the person to add as a teacher is a student here
    ), status


@bp.post("/schools/<slug>/teachers")
@login_required
@throttled("teacher")
def add_teacher(slug: str):
    school, role = _school_or_404(slug, ADMIN)
    form = AddTeacherForm()
    if form.validate_on_submit():
        user = orgs.find_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(
                _("No account uses this address. Send them an invitation link, or ask them to sign up first.")
            )
        elif user.email_confirmed_at is None:
            # Anyone may sign up with any address: a role that reads pupils' work goes only to
            # the account that showed the address is theirs.
            form.email.errors.append(
                _(
                    "The account using this address has not confirmed it yet. Ask them to confirm it (every "
                    "page offers them the link), or send them an invitation link."
                )
            )
        elif (attended := services.classes_attended(school, user)) and request.form.get("confirm") != "yes":
            # A slip in the address book would open every class's names and results to a pupil.
            return _school_page(school, role, add_form=form, pupil=(user, attended))
        else:
            try:
                orgs.add_member(school, user, TEACHER)
                record("org.role", user=user, organisation=school, detail=TEACHER)
            except orgs.OrgError as exc:
                db.session.rollback()
                form.email.errors.append(str(exc))
            else:
                db.session.commit()
                notices.tell_new_role(user, school, TEACHER, current_user)
                mailed()
                flash(
                    _(
                        "%(name)s is now a teacher of %(school)s; they are told by e-mail.",
                        name=user.full_name,
                        school=school.name,
                    ),
                    "success",
                )
                return redirect(url_for("schools.school", slug=school.slug))
    return _school_page(school, role, add_form=form, status=400)


@bp.post(f"/schools/<slug>/teachers/<{ID}:user_id>/remove")
@login_required
def remove_teacher(slug: str, user_id: int):
    school, _role = _school_or_404(slug, ADMIN)
    if PostForm().validate_on_submit():
        removed = db.session.get(User, user_id)
        try:
            orgs.remove_member(school, user_id)
            record("org.member_removed", user=removed, organisation=school)
        except orgs.OrgError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(
                _("%(name)s no longer teaches at %(school)s.", name=removed.full_name, school=school.name),
                "success",
            )
    return redirect(url_for("schools.school", slug=school.slug))


@bp.post("/schools/<slug>/invitations")
@login_required
@throttled("invitation")
def invite_teacher(slug: str):
    """Make a single-use link that turns whoever opens it, signed in, into a teacher."""
    school, role = _school_or_404(slug, ADMIN)
    form = InvitationForm()
    if not form.validate_on_submit():
        return _school_page(school, role, invite_form=form, status=400)
    # Shown on this response only: the token is never stored, nor put in a cookie.
    return _school_page(school, role, made=web.make_invitation(school, TEACHER, form))


@bp.post(f"/schools/<slug>/invitations/<{ID}:invitation_id>/revoke")
@login_required
def revoke_invitation(slug: str, invitation_id: int):
    """End an unused link now: whoever was sent it can no longer become a teacher with it."""
    school, _role = _school_or_404(slug, ADMIN)
    web.revoke_invitation(school, invitation_id)
    return redirect(url_for("schools.school", slug=school.slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    def page(found, held, form=None):
        # A dead link (404) says to ask for a new one, and how long one lasts.
        return render_template(
            "schools/invitation.html",
            invitation=found,
            form=form,
            roles=ROLE_IN_SENTENCE,
            held=held,
            days=orgs.INVITATION_DAYS,
        ), (200 if found else 404)

    found = orgs.find_invitation(token)
    if not current_user.is_authenticated:
        # A dead link says so at once: making an account would lead to the same dead end.
        if found is None:
            return page(None, None)
        return login_manager.unauthorized()  # the login page names who invites, and as what
    form = PostForm()
    # Someone already there (with a role the link would not change) is told so, and the link is
    # left for whoever it was meant for; so is the person who accepted it, opening it again.
    held = orgs.holds_role(current_user, found) if found is not None else None
    if found is None and (used := orgs.invitation_of_token(token)) is not None:
        held = (
            orgs.role_in(current_user, used.organisation_id) if used.used_by_id == current_user.id else None
        )
        found = used if held is not None else None
    if held is not None:
        return page(found, held, form)
    if found is not None and form.validate_on_submit():
        try:
            orgs.accept_invitation(token, current_user)
            record("org.role", user=current_user, organisation=found.organisation, detail=found.role)
        except orgs.OrgError as exc:
            _fail(exc)
        else:
            db.session.commit()
            org = found.organisation
            flash(
                _("You are now %(role)s of %(org)s.", role=ROLE_IN_SENTENCE[found.role], org=org.name),
                "success",
            )
            if org.kind == PUBLISHER:
                return redirect(url_for("publishing.workspace", org_slug=org.slug))
            return redirect(url_for("schools.school", slug=org.slug))
    return page(found, None, form)


# Classes ----------------------------------------------------------------------------------------


@bp.route("/schools/<slug>/classes/new", methods=["GET", "POST"])
@login_required
def new_class(slug: str):
    school, _role = _school_or_404(slug, *STAFF)
    form = ClassForm()
    if form.validate_on_submit():
        if services.class_named(school, form.name.data, form.year.data):
            # Most often the same form sent twice; otherwise two classes no list could tell apart.
            form.name.errors.append(
                _(
                    "Your school already has a class named %(name)s for %(year)s. Open it from the "
                    "school page, or give this one another name.",
                    name=form.name.data,
                    year=form.year.data,
                )
            )
        else:
            school_class = services.create_class(
                school, current_user, form.name.data, form.year.data, form.description.data or ""
            )
            db.session.commit()
            ready = _(
                "The class %(name)s is ready. Give your students its code or link.", name=school_class.name
            )
            flash(ready, "success")
            return redirect(url_for("schools.class_view", class_id=school_class.id))
    return render_template("schools/new_class.html", form=form, school=school, school_class=None)


@bp.route(f"/classes/<{ID}:class_id>/edit", methods=["GET", "POST"])
@login_required
def edit_class(class_id: int):
    """Rename a class, or correct its school year or description: its students, code, work and
    progress stay as they are."""
    school_class = _class_or_404(class_id)
    form = ClassForm(obj=school_class)
    form.submit.label.text = _("Save the class")
    if form.validate_on_submit():
        clash = services.class_named(school_class.organisation, form.name.data, form.year.data)
        if clash is not None and clash.id != school_class.id:
            form.name.errors.append(
                _(
                    "Your school already has a class named %(name)s for %(year)s. Give this one another "
                    "name.",
                    name=form.name.data,
                    year=form.year.data,
                )
            )
        else:
            school_class.name = form.name.data
            school_class.year = form.year.data
            school_class.description = (form.description.data or "").strip()
            db.session.commit()
            flash(_("The class %(name)s is saved.", name=school_class.name), "success")
            return redirect(url_for("schools.class_view", class_id=school_class.id))
    return render_template(
        "schools/new_class.html", form=form, school=school_class.organisation, school_class=school_class
    )


@bp.get(f"/classes/<{ID}:class_id>")
@login_required
def class_view(class_id: int):
    """Students × assigned items: done or not, best score, attempts, last activity, totals."""
    school_class, people = _taught_class_or_404(class_id)
    sort = request.args.get("sort", "name")
    descending = request.args.get("order") == "desc"
    post_form = PostForm()
    now = utcnow()
    work = _class_work(school_class, people, sort, descending, post_form, now)
    return render_template(
        "schools/class.html",
        school_class=school_class,
        class_work=work,
        code=services.display_code(school_class.join_code),
        join_url=external_url(url_for("schools.join_link", code=school_class.join_code)),
        post_form=post_form,
    )


def _class_work(school_class, people, sort, descending, post_form, now) -> Markup:
    """The assigned list and the progress table (schools/_class_work.html), as kept (app.schools.kept)
    or made now: the items and whom a teacher may write to are read for every visit, the students'
    progress only when one of them has changed."""
    items = services.class_items(school_class)
    member_of = services.organisations_among(
        [p.id for p in people], services.restricted_organisations(items[0])
    )
    dates = templating.dates()
    # How the table is sorted: an unknown column leaves it in name order with no column marked,
    # whatever the order asked, and all such addresses share one copy (they cannot fill the store).
    known = sort in services.SORTS or sort in {f"item-{item.id}" for item in items[0]}
    # "sort" given: the sorted column's link takes the focus back.
    sorted_by = (sort, descending, "sort" in request.args) if known else ()
    key = kept.work_key(
        items,
        people,
        member_of,
        now,
        school_class.id,
        school_class.archived_at is not None,
        dates.language,
        dates.zone_name,
        request.script_root,
        *sorted_by,
    )
    token = generate_csrf()
    html = kept.found(key, token)
    if html is None:
        table = services.class_table(school_class, sort, descending, people, items)
        html = render_template(
            "schools/_class_work.html",
            school_class=school_class,
            table=table,
            # Whom "Write to them" may reach: not those a course made members-only since is closed to.
            writable=services.waiting_on(school_class, table, member_of),
            sort=sort,
            descending=descending,
            post_form=post_form,
            class_url=url_for("schools.class_view", class_id=school_class.id),
            student_url=_UrlPattern("schools.student", "user_id", class_id=school_class.id),
            unassign_url=_UrlPattern("schools.unassign", "assignment_id", class_id=school_class.id),
            questions_url=_UrlPattern("schools.item_questions", "assignment_id", class_id=school_class.id),
            due_url=_UrlPattern("schools.change_due", "assignment_id", class_id=school_class.id),
            due_label=Markup(_("Change the due date: %(title)s")),  # noqa: S704 - as _assigned_text
            row_cells=_TableText().row,
            assigned_text=_assigned_text(),
            not_finished=_not_finished(),
            now=now,
        )
        kept.keep(key, html, token)
    # Made of the template's output (escaped), with this reader's form token in place.
    return Markup(html)  # noqa: S704


def _not_finished():
    """The assigned list's "N have not finished" and "and N more", each count translated once per
    page rather than once per item (as ``_assigned_text``)."""
    sentence = cache(
        lambda n: ngettext("%(num)d student has not finished:", "%(num)d students have not finished:", n)
    )
    more = cache(lambda n: ngettext("and %(num)d more", "and %(num)d more", n))
    return sentence, more


def _assigned_text() -> tuple[Markup, Markup, Markup, Markup]:
    """The assigned list's four sentences, translated once per page rather than for each item
    (three per item were a seventh of the page's time with 30 items). The template fills them in
    with ``%``, which escapes what it puts in, as ``_()`` does; the translations are trusted as
    the template's own."""
    return (
        Markup(_("due %(when)s")),  # noqa: S704
        Markup(_("Remove the assignment %(title)s? Students keep their progress.")),  # noqa: S704
        Markup(_("Remove the assignment %(title)s")),  # noqa: S704
        Markup(_("Results by question: %(title)s")),  # noqa: S704 - the link's name holds its text
    )


def _taught_class_or_404(class_id: int) -> tuple[SchoolClass, list[User]]:
    """``_class_or_404`` and the class's students, in one query."""
    school_class, people = services.class_and_students(class_id)
    return _staff_only(school_class), people


class _UrlPattern:
    """``url_for(endpoint, **values)`` for any value of one integer argument, built once per page
    rather than once per row: the URL with a marker in that argument's place, split around it."""

    MARKER = "9" * 17  # longer than any id (MAX_ID has 10 digits), so found nowhere else

    def __init__(self, endpoint: str, argument: str, **values):
        url = url_for(endpoint, **values, **{argument: int(self.MARKER)})
        self.prefix, found, self.suffix = url.partition(self.MARKER)
        if not found:
            raise ValueError(f"{endpoint}: {argument} is not in its URL")

    def __call__(self, value: int) -> str:
        return f"{self.prefix}{int(value)}{self.suffix}"


# Class table cells as written, per language, kept by the process: a cell's text depends only on
# its language and its values (the macros translate and format, nothing else), and most cells of
# a class are the same from one visit to the next. Emptied when it holds too many (a few MB).
_KEPT_CELLS: dict[str, dict[tuple, str]] = {}
MAX_KEPT_CELLS = 20_000


class _TableText:
    """The class table's text, each distinct value rendered once, not once per cell.

    A 40 × 30 class has 1,200 cells: rendering each through the macros of schools/_cell.html
    cost two macro calls, up to three translations and a Babel date in the person's time zone,
    per cell. Here those same macros (the student page calls them directly) render each distinct
    summary, score, number of attempts and day once per request, and each distinct cell is put
    together once per process and language (``_KEPT_CELLS``); a cell is then a dictionary
    look-up. Days are those of the ``shortdate`` filter (app/templating.py ``Dates``).
    """

    def __init__(self):
        macros = current_app.jinja_env.get_template("schools/_cell.html").module
        self._summary, self._score = macros.cell_summary, macros.cell_score
        self._attempts, self._day = macros.cell_attempts, macros.cell_day
        self._dates = templating.dates()
        self._zone = self._dates.zone
        self._cells = _KEPT_CELLS.setdefault(self._dates.language, {})
        if len(self._cells) > MAX_KEPT_CELLS:
            self._cells.clear()
        self._summaries: dict[tuple, Markup] = {}
        self._scores: dict[int | None, Markup] = {None: Markup()}
        self._attempt_counts: dict[int, Markup] = {}
        self._day_details: dict[str | None, Markup] = {None: Markup()}

    def row(self, row: services.StudentRow) -> Markup:
        """The row's cells, each ``<td>`` holding ``cell_summary(cell)<br><small>cell_details(cell)
        </small>``."""
        zone, cells, found = self._zone, self._cells, []
        for cell in row.cells:
            moment = cell.last_activity
            day = moment.astimezone(zone).date() if moment else None
            # All the macros read (``started`` is attempts or a last activity, so a day).
            key = (cell.total, cell.completed, cell.best_score, cell.attempts, day)
            html = cells.get(key)
            if html is None:
                html = cells[key] = self._cell(cell, day)
            found.append(html)
        # Every part is a literal tag or the output of a macro of schools/_cell.html (escaped).
        return Markup("\n        ".join(found))  # noqa: S704

    def _cell(self, cell: services.Cell, day: date | None) -> str:
        key = (cell.total, cell.completed, cell.started)  # all that cell_summary reads
        summary = self._summaries.get(key)
        if summary is None:
            summary = self._summaries[key] = self._summary(cell)
        score = self._scores.get(cell.best_score)
        if score is None:
            score = self._scores[cell.best_score] = self._score(cell.best_score)
        attempts = self._attempt_counts.get(cell.attempts)
        if attempts is None:
            attempts = self._attempt_counts[cell.attempts] = self._attempts(cell.attempts)
        text = self._dates.short_day(day) if day else None
        day_details = self._day_details.get(text)
        if day_details is None:
            day_details = self._day_details[text] = self._day(text)
        return f"<td>{summary}<br><small>{score}{attempts}{day_details}</small></td>"


@bp.post(f"/classes/<{ID}:class_id>/code")
@login_required
def regenerate_code(class_id: int):
    school_class = _class_or_404(class_id)
    if PostForm().validate_on_submit():
        services.regenerate_code(school_class)
        db.session.commit()
        flash(
            _(
                "New code: %(code)s. The old code and link no longer work.",
                code=services.display_code(school_class.join_code),
            ),
            "success",
        )
    return redirect(url_for("schools.class_view", class_id=class_id))


@bp.route(f"/classes/<{ID}:class_id>/invite", methods=["GET", "POST"])
@login_required
@throttled("class_invitation")
def invite_students(class_id: int):
    """Mail the class's link to a list of addresses, typed or in a file: all of them, or, if one
    is wrong or a limit is passed, none (app/schools/invitations.py)."""
    school_class = _class_or_404(class_id)
    form = StudentInvitationForm()
    if form.validate_on_submit():
        text, from_file = form.addresses.data or "", ""
        upload = form.file.data
        if upload and upload.filename:
            data = upload.read(invitations.MAX_FILE_BYTES + 1)
            if len(data) > invitations.MAX_FILE_BYTES:
                form.file.errors.append(
                    _("The file is larger than %(kb)d KB.", kb=invitations.MAX_FILE_BYTES // 1024)
                )
            else:
                from_file = invitations.decode_file(data)
        if not form.file.errors:
            try:
                sending = invitations.invite(school_class, current_user, f"{text}\n{from_file}")
            except invitations.InvitationError as exc:
                db.session.rollback()
                form.addresses.errors.append(str(exc))
                if from_file:  # to be corrected here: a file input cannot be given back its file
                    form.addresses.data = _with_file_addresses(text, from_file, form.addresses.data)
            else:
                db.session.commit()
                invitations.mail(sending)
                if sending.made:
                    mailed()
                _tell_sending(sending)
                return redirect(url_for("schools.invite_students", class_id=class_id))
    return (
        render_template(
            "schools/invite.html",
            school_class=school_class,
            form=form,
            sent=invitations.recent(school_class),
            keep_days=invitations.KEEP_DAYS,
            shown=invitations.SHOWN,
            unconfirmed=invitations.UNCONFIRMED if current_user.email_confirmed_at is None else None,
        ),
        400 if form.errors else 200,
    )


def _with_file_addresses(text: str, from_file: str, typed: str) -> str:
    """What was typed, then each word of the file that may be an address, one per line: the file's
    list, put where a refused address can be corrected; what was typed alone if that is too long
    for the field (a file of thousands, to be cut in the file itself)."""
    both = "\n".join(part for part in (text.strip(), *invitations.candidates(from_file)) if part)
    return both if len(both) <= MAX_ADDRESSES_TEXT else typed


def _some(names: list[str], shown: int = 10, characters: int = 600) -> str:
    """The first names of a list and how many more: a message waits in the session's cookie,
    which a hundred addresses would overflow."""
    kept = []
    for name in names[:shown]:
        if kept and sum(map(len, kept)) + len(name) > characters:
            break
        kept.append(name)
    more = len(names) - len(kept)
    said = ", ".join(kept)
    return f"{said} {ngettext('and %(num)d more', 'and %(num)d more', more)}" if more else said


def _tell_sending(sending: invitations.Sending) -> None:
    made, dates = len(sending.made), templating.dates()
    if made:
        flash(
            ngettext(
                "%(num)d invitation sent: its address gets the class's link by e-mail.",
                "%(num)d invitations sent: each address gets the class's link by e-mail.",
                made,
            ),
            "success",
        )
    if sending.refused:
        flash(
            ngettext(
                "Not sent, as someone reading this address asked Cadre for no class invitations: %(list)s. "
                "Give them the code or the link yourself.",
                "Not sent, as someone reading each of these addresses asked Cadre for no class invitations: "
                "%(list)s. Give them the code or the link yourself.",
                len(sending.refused),
                list=_some([invitations.readable(email) for email in sending.refused]),
            ),
            "info",
        )
    if sending.already:
        named = [
            _("%(email)s (%(day)s)", email=invitations.readable(email), day=dates.day(when))
            for email, when in sending.already
        ]
        flash(
            ngettext(
                "Not sent again, as invited to this class less than a week ago: %(list)s.",
                "Not sent again, as they were invited to this class less than a week ago: %(list)s.",
                len(named),
                list=_some(named),
            ),
            "info",
        )
    if sending.enough:
        flash(
            ngettext(
                "Not sent, as Cadre sends an address few invitations a week: %(list)s. Give it the code "
                "or the link yourself.",
                "Not sent, as Cadre sends an address few invitations a week: %(list)s. Give them the code "
                "or the link yourself.",
                len(sending.enough),
                list=_some([invitations.readable(email) for email in sending.enough]),
            ),
            "info",
        )


@bp.route("/class-invitations/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authentication: a mail client's one-click POST has no session
def refuse_invitations(token: str):
    """The link of each class invitation e-mail. GET: say what it does, with a button; POST (that
    button, or the mail client under RFC 8058): no more invitations to that mailbox; POST with
    ``again``: undo it."""
    digest = invitations.read_refusal_token(token)
    if digest is None:
        return render_template("schools/refuse_invitations.html", state="broken"), 404, NO_STORE
    if request.method == "POST":
        if request.form.get("again"):
            invitations.accept_again(digest)
            state = "again"
        else:
            invitations.refuse(digest)
            state = "refused"
        db.session.commit()
    else:
        state = "asked" if invitations.refused_at(digest) is None else "refused"
    return render_template("schools/refuse_invitations.html", state=state, token=token), 200, NO_STORE


@bp.post(f"/classes/<{ID}:class_id>/joining")
@login_required
def toggle_joining(class_id: int):
    school_class = _class_or_404(class_id)
    if school_class.archived_at is not None:
        flash(_("The class is archived: restore it before opening it to students again."), "error")
    elif PostForm().validate_on_submit():
        school_class.joining_open = not school_class.joining_open
        db.session.commit()
        flash(
            _("Students can join the class again.")
            if school_class.joining_open
            else _("Joining is closed: the code and link no longer let anyone in."),
            "success",
        )
    return redirect(url_for("schools.class_view", class_id=class_id))


@bp.post(f"/classes/<{ID}:class_id>/archive")
@login_required
def archive_class(class_id: int):
    school_class = _class_or_404(class_id)
    if PostForm().validate_on_submit() and school_class.archived_at is None:
        services.archive_class(school_class)
        db.session.commit()
        flash(
            _(
                "The class %(name)s is archived: its students no longer see its work, and nobody can "
                "join it. Its results stay here.",
                name=school_class.name,
            ),
            "success",
        )
    return redirect(url_for("schools.class_view", class_id=class_id))


@bp.post(f"/classes/<{ID}:class_id>/restore")
@login_required
def restore_class(class_id: int):
    school_class = _class_or_404(class_id)
    if PostForm().validate_on_submit() and school_class.archived_at is not None:
        services.restore_class(school_class)
        db.session.commit()
        flash(
            _(
                "The class %(name)s is back: its students see its work again. Joining stays closed "
                "until you reopen it.",
                name=school_class.name,
            ),
            "success",
        )
    return redirect(url_for("schools.class_view", class_id=class_id))


@bp.post(f"/classes/<{ID}:class_id>/leave")
@login_required
def leave_class(class_id: int):
    """A student leaves a class they joined (a wrong code, a class finished)."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or services.enrolment(school_class, current_user.id) is None:
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    services.leave(school_class, current_user)
    db.session.commit()
    flash(
        _(
            "You left the class %(name)s. Your progress stays in your account; its teachers no longer "
            "see it.",
            name=school_class.name,
        ),
        "success",
    )
    return redirect(url_for("learning.dashboard", _anchor="classes-heading"))


@bp.post(f"/classes/<{ID}:class_id>/students/<{ID}:user_id>/remove")
@login_required
def remove_student(class_id: int, user_id: int):
    school_class = _class_or_404(class_id)
    if PostForm().validate_on_submit():
        removed = db.session.get(User, user_id)
        try:
            services.remove_student(school_class, user_id)
        except services.SchoolError as exc:
            _fail(exc)
        else:
            db.session.commit()
            # Said as the class stands: the code lets them back in only while joining is open.
            if school_class.joining_open:
                message = _(
                    "%(name)s was removed from the class; their progress stays in their account. The code "
                    "still lets them back in: get a new code or close joining to prevent it.",
                    name=removed.full_name,
                )
            else:
                message = _(
                    "%(name)s was removed from the class; their progress stays in their account.",
                    name=removed.full_name,
                )
            flash(message, "success")
    return redirect(url_for("schools.class_view", class_id=class_id))


# Messages to the class -------------------------------------------------------------------------


def _class_for_reader_or_404(class_id: int) -> tuple[SchoolClass, bool]:
    """The class and whether the reader is on its staff; its students read it too, others get 404."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        abort(404)
    staff = _on_staff(school_class)
    if not staff and services.enrolment(school_class, current_user.id) is None:
        abort(404)
    return school_class, staff


@bp.route(f"/classes/<{ID}:class_id>/messages", methods=["GET", "POST"])
@login_required
@throttled("message")
def class_messages(class_id: int):
    """What the teachers wrote to the class, newest first; its staff write from here."""
    school_class, staff = _class_for_reader_or_404(class_id)
    form = MessageForm() if staff else None
    waiting = services.waiting_on(school_class) if staff else {}
    if form is not None:
        form.to.choices = [("", _("The whole class"))] + [
            (str(item_id), _audience(heading, len(students)))
            for item_id, (_title, students, heading) in waiting.items()
        ]
        if request.method == "GET" and request.args.get("to", type=int) in waiting:  # "Write to them"
            form.to.data = request.args["to"]
    if request.method == "POST":
        if not staff:
            abort(404)
        if form.validate_on_submit():
            to = None
            if form.to.data:
                plain = form.to.data.isascii() and form.to.data.isdigit()  # "²" is a digit, not a number
                chosen = waiting.get(int(form.to.data)) if plain else None
                to = messages.Unfinished(*chosen[:2]) if chosen else None
            try:
                if form.to.data and to is None:
                    raise messages.MessageError(
                        _("Everyone has finished this work now, or it is no longer assigned: choose again.")
                    )
                _message, told = messages.write(school_class, current_user, form.body.data, to)
            except messages.MessageError as exc:
                (form.to if form.to.data else form.body).errors.append(str(exc))
            else:
                db.session.commit()
                if told is None:
                    flash(_("This message was already sent to the class."), "success")
                elif told == 0 and not services.students(school_class):
                    flash(
                        _("Message kept: the class has no student yet. Those who join will read it here."),
                        "info",
                    )
                else:
                    flash(
                        ngettext(
                            "Message sent; %(num)d student notified.",
                            "Message sent; %(num)d students notified.",
                            told,
                        ),
                        "success",
                    )
                return redirect(url_for("schools.class_messages", class_id=class_id))
    page = request.args.get("page", 1, type=int)
    page = page if 1 <= page <= 10_000 else 1
    if not staff and request.method == "GET" and messages.has_unread(current_user, school_class):
        start_writing()  # now and then: a GET that reads only takes no write lock
        messages.mark_read(current_user, school_class)  # read here: no longer "new" in the notifications
        db.session.commit()
    found, pages = messages.page_of(school_class, page, None if staff else current_user)
    if page > pages:
        abort(404)
    status = 400 if form is not None and form.errors else 200
    return (
        render_template(
            "schools/messages.html",
            school_class=school_class,
            staff=staff,
            archived=archived_refusal(school_class) if school_class.archived_at else None,
            form=form,
            post_form=PostForm(),
            found=found,
            page=page,
            pages=pages,
        ),
        status,
    )


def _audience(title: str, count: int) -> str:
    """A choice of recipients, the item first: a phone's menu cuts the end of a long option."""
    return ngettext(
        "“%(item)s”: the student who has not finished it",
        "“%(item)s”: the %(num)d students who have not finished it",
        count,
        item=title,
    )


@bp.get(f"/classes/<{ID}:class_id>/messages/<{ID}:message_id>")
@login_required
def class_message(class_id: int, message_id: int):
    """Where a notification leads: the page of the class's messages that shows this one."""
    school_class, staff = _class_for_reader_or_404(class_id)
    message = db.session.get(ClassMessage, message_id)
    if message is None or message.class_id != school_class.id:
        abort(404)
    if not staff and not messages.written_to(message, current_user):
        abort(404)  # to some of the class, not to them
    page = messages.page_holding(message, None if staff else current_user)
    target = url_for("schools.class_messages", class_id=class_id, page=page if page > 1 else None)
    return redirect(f"{target}#message-{message.id}")


@bp.post(f"/classes/<{ID}:class_id>/messages/<{ID}:message_id>/delete")
@login_required
def delete_message(class_id: int, message_id: int):
    """A teacher takes a message down (a mistake, a wrong class)."""
    school_class = _class_or_404(class_id)
    message = db.session.get(ClassMessage, message_id)
    if message is None or message.class_id != school_class.id:
        abort(404)
    if PostForm().validate_on_submit():
        messages.delete(message)
        db.session.commit()
        flash(_("The message was deleted, and its notifications on Cadre with it."), "success")
    return redirect(url_for("schools.class_messages", class_id=class_id))


def _course_labels(courses: list[Course]) -> list[tuple[Course, str]]:
    """Each course's title, with its publisher and slug when another course has the same title
    (two publishers may well both write « La voix et l’IA »)."""
    titles = Counter(c.title for c in courses)
    return [
        (
            c,
            c.title
            if titles[c.title] == 1
            else _("%(title)s (%(publisher)s, %(slug)s)", title=c.title, publisher=c.publisher, slug=c.slug),
        )
        for c in courses
    ]


@bp.route(f"/classes/<{ID}:class_id>/assign", methods=["GET", "POST"])
@login_required
@throttled("class_notice")
def assign(class_id: int):
    """Choose a course (step 1, a GET form), then the whole course or chosen modules and a due date."""
    school_class = _class_or_404(class_id)
    if school_class.archived_at is not None:  # said before the form is filled in, not after
        flash(str(archived_refusal(school_class)), "error")
        return redirect(url_for("schools.class_view", class_id=class_id))
    # Public, live courses only: a members-only course would be closed to students who are not
    # members, and an archived one to those who have not started it.
    courses = sorted(
        db.session.scalars(
            select(Course)
            .options(selectinload(Course.modules))
            .where(ORIGINALS, Course.visibility == PUBLIC, Course.archived_at.is_(None))
        ),
        key=title_key,
    )
    chooser = CourseChoiceForm(request.args)
    chooser.course.choices = [SelectChoice("", _("Choose a course"))] + [
        SelectChoice(str(c.id), label) for c, label in _course_labels(courses)
    ]
    course = {str(c.id): c for c in courses}.get(request.args.get("course", ""))
    if course is None:
        if "course" in request.args:
            chooser.course.errors = [_("Choose a course.")]
        return render_template("schools/assign.html", chooser=chooser, form=None, school_class=school_class)
    form = AssignForm()
    form.modules.choices = [SelectChoice(m.id, f"{m.position}. {m.title}") for m in course.modules]
    if form.validate_on_submit():
        try:
            chosen = _chosen_modules(form, course)
            made = [services.assign(school_class, course, m, form.due.data, current_user) for m in chosen]
        except services.SchoolError as exc:
            db.session.rollback()  # all or nothing: no module is assigned if one is refused
            form[exc.field or "modules"].errors.append(str(exc))
        else:
            db.session.commit()
            mailed()  # the class's students are told: counted (RATELIMIT_CLASS_NOTICE_ACCOUNT)
            flash(_assigned_message(course, chosen, made[0].due_at, school_class), "success")
            return redirect(url_for("schools.class_view", class_id=class_id))
    return render_template(
        "schools/assign.html", chooser=None, form=form, course=course, school_class=school_class
    )


def _assigned_message(course: Course, chosen: list[Module | None], due_at, school_class: SchoolClass) -> str:
    """What was just assigned, to whom and for when: the teacher checks it at a glance."""
    if chosen == [None]:
        what = _("%(title)s is assigned to %(name)s.", title=course.title, name=school_class.name)
    else:
        what = ngettext(
            "%(num)d module of %(title)s is assigned to %(name)s.",
            "%(num)d modules of %(title)s are assigned to %(name)s.",
            len(chosen),
            title=course.title,
            name=school_class.name,
        )
    if due_at is None:
        when = _("No due date.")
    else:
        when = _("Due %(when)s.", when=templating.dates().deadline(due_at))
    return f"{what} {when}"


def _chosen_modules(form: AssignForm, course: Course) -> list[Module | None]:
    """[None] for the whole course, else the ticked modules (refused if not live modules of it)."""
    if form.scope.data == WHOLE:
        return [None]
    ids = [i for i in form.modules.data if 0 < i <= MAX_ID]
    found = {m.id: m for m in db.session.scalars(select(Module).where(Module.id.in_(ids)))} if ids else {}
    if len(found) != len(set(form.modules.data)):
        raise services.SchoolError(
            _("This module is not part of the course %(title)s.", title=course.title), "modules"
        )
    return [found[i] for i in dict.fromkeys(form.modules.data)]


def _assignment_or_404(school_class: SchoolClass, assignment_id: int) -> Assignment:
    """An assignment of this class, else 404 (another class's, even of the same teacher, too)."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.class_id != school_class.id:
        abort(404)
    return assignment


@bp.route(f"/classes/<{ID}:class_id>/assignments/<{ID}:assignment_id>/due", methods=["GET", "POST"])
@login_required
@throttled("class_notice")
def change_due(class_id: int, assignment_id: int):
    """Move an assignment's due date, or take it away; the students still at work are told."""
    school_class = _class_or_404(class_id)
    assignment = _assignment_or_404(school_class, assignment_id)
    form = DueForm(removable=assignment.due_at is not None)
    if request.method == "GET" and assignment.due_at is not None:
        form.due.data = assignment.due_at.astimezone(local_zone()).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            changed = services.change_due(assignment, form.due.data, current_user)
        except services.SchoolError as exc:
            db.session.rollback()
            form.due.errors.append(str(exc))
        else:
            db.session.commit()
            if changed:
                mailed()  # the students at work are told: counted (RATELIMIT_CLASS_NOTICE_ACCOUNT)
            title = services.item_title(assignment)
            if not changed:
                flash(_("The due date of %(title)s is unchanged.", title=title), "success")
            elif assignment.due_at is None:
                flash(_("%(title)s no longer has a due date.", title=title), "success")
            else:
                when = templating.dates().deadline(assignment.due_at)
                flash(_("%(title)s is now due %(when)s.", title=title, when=when), "success")
            return redirect(url_for("schools.class_view", class_id=class_id, _anchor="assigned-heading"))
    return render_template("schools/due.html", form=form, school_class=school_class, assignment=assignment)


@bp.post(f"/classes/<{ID}:class_id>/assignments/<{ID}:assignment_id>/delete")
@login_required
def unassign(class_id: int, assignment_id: int):
    assignment = _assignment_or_404(_class_or_404(class_id), assignment_id)
    if PostForm().validate_on_submit():
        db.session.delete(assignment)
        db.session.commit()
        flash(_("The assignment was removed. Students keep their progress."), "success")
    return redirect(url_for("schools.class_view", class_id=class_id))


@bp.get(f"/classes/<{ID}:class_id>/assignments/<{ID}:assignment_id>/questions")
@login_required
def item_questions(class_id: int, assignment_id: int):
    """What the class found hard in an assigned item: each question's first answers, hardest first."""
    school_class = _class_or_404(class_id)
    assignment = _assignment_or_404(school_class, assignment_id)
    return render_template(
        "schools/questions.html",
        school_class=school_class,
        item=assignment,
        item_name=services.item_title(assignment),
        quizzes=questions.class_results(school_class, assignment),
        percent=format_percent,
    )


@bp.get(f"/classes/<{ID}:class_id>/students/<{ID}:user_id>")
@login_required
def student(class_id: int, user_id: int):
    """One student's progress on what the class was assigned: items, quiz attempts, certificates."""
    school_class = _class_or_404(class_id)
    person = services.student(school_class, user_id)
    if person is None:
        abort(404)
    items = services.assignments([school_class.id])
    cells = services.progress_cells([person.id], items)
    covered = {module_id for ids in services.item_modules(items).values() for module_id in ids}
    attempts = (
        list(
            db.session.scalars(
                select(QuizAttempt)
                .options(selectinload(QuizAttempt.module).selectinload(Module.course))
                .where(QuizAttempt.user_id == person.id, QuizAttempt.module_id.in_(covered))
                .order_by(QuizAttempt.created_at.desc())
            )
        )
        if covered
        else []
    )
    course_ids = {item.course_id for item in items}
    certificates = (
        list(
            db.session.scalars(
                select(Certificate).where(
                    Certificate.user_id == person.id, Certificate.course_id.in_(course_ids)
                )
            )
        )
        if course_ids
        else []
    )
    return render_template(
        "schools/student.html",
        school_class=school_class,
        person=person,
        rows=[(item, cells[(person.id, item.id)]) for item in items],
        attempts=attempts,
        certificates=certificates,
    )


@bp.get(f"/classes/<{ID}:class_id>/export.csv")
@login_required
def export_csv(class_id: int):
    """The class table as CSV, for a French or an English spreadsheet (by default, the reader's)."""
    school_class, people = _taught_class_or_404(class_id)
    style = export.FRENCH if request.args.get("format", get_locale().language) == "fr" else export.ENGLISH
    items = services.class_items(school_class)
    # Kept as app.schools.kept keeps the page's table, under what the file is made from.
    now = utcnow()
    key = kept.csv_key(items, people, now, school_class.id, style.locale, str(local_zone()))
    text = kept.found(key)
    if text is None:
        text = export.csv_text(services.class_table(school_class, people=people, items=items), style, now)
        kept.keep(key, text)
    return export.csv_response(school_class, text, style)
