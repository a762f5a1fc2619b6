"""Workspace forms; every one carries a CSRF token through Flask-WTF."""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.interop.gift_import import MAX_GIFT_BYTES
from app.orgs.forms import invitee_email_field, note_field


class UploadForm(Form):
    package = FileField(
        _l("Course package (.zip)"),
        validators=[FileRequired(_l("Choose a .zip file to upload."))],
        description=_l("A zip holding courses/<slug>/… and quizzes/<slug>/…, as downloaded from here."),
        render_kw={"accept": ".zip,application/zip"},
    )
    replace_changes = BooleanField(
        _l("Replace changes not yet published"),
        description=_l(
            "Tick it only to discard, on purpose, changes not yet published that the package lacks "
            "(made in the browser, or uploaded by someone else)."
        ),
    )
    submit = SubmitField(_l("Upload"))


class SendBackForm(Form):
    comment = TextAreaField(
        _l("What should change"),
        validators=[DataRequired(_l("Say what should change, so the editor knows.")), Length(max=5000)],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Send back to the editors"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


SLUG_HINT = _l(
    "Lower-case letters, digits and hyphens; it names the course in its address and cannot change."
)


class NewCourseForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the course a title.")), Length(max=200)],
        filters=[_strip],
    )
    slug = StringField(
        _l("Short name"),
        validators=[
            DataRequired(_l("Give the course a short name.")),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=SLUG_HINT),
            Length(max=80),
        ],
        filters=[_strip],
        description=SLUG_HINT,
        render_kw={"data-slug-from": "title"},  # suggested from the title (forms.js)
    )
    submit = SubmitField(_l("Create the draft"))


class CourseForm(Form):
    """course.md as fields; the checker still validates what they make."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the course a title.")), Length(max=200)],
        filters=[_strip],
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(_l("Write a one- or two-sentence summary.")), Length(max=500)],
        filters=[_strip],
        render_kw={"rows": 3},
    )
    language = SelectField(
        _l("Language"), choices=[SelectChoice("fr", _l("French")), SelectChoice("en", _l("English"))]
    )
    level = SelectField(
        _l("Level"),
        choices=[
            SelectChoice("beginner", _l("Beginner")),
            SelectChoice("intermediate", _l("Intermediate")),
            SelectChoice("advanced", _l("Advanced")),
        ],
    )
    duration = IntegerField(
        _l("Duration (minutes)"),
        validators=[DataRequired(_l("Give a duration in minutes.")), NumberRange(min=1, max=6000)],
    )
    audience = StringField(
        _l("Audience"),
        validators=[DataRequired(_l("Say who the course is for.")), Length(max=300)],
        filters=[_strip],
    )
    # InputRequired, not DataRequired: a date that does not exist (2026-02-30) is told as such,
    # not as a date left out.
    updated = DateField(
        _l("Facts checked on"), validators=[InputRequired(_l("Give the date the facts were checked."))]
    )
    # The values are content.licences.LICENCES; the checker refuses any other in course.md.
    licence = SelectField(
        _l("Licence"),
        choices=[
            SelectChoice("all-rights-reserved", _l("All rights reserved")),
            SelectChoice("CC-BY-4.0", _l("CC BY 4.0 (Attribution)")),
            SelectChoice("CC-BY-SA-4.0", _l("CC BY-SA 4.0 (Attribution-ShareAlike)")),
            SelectChoice("CC-BY-NC-4.0", _l("CC BY-NC 4.0 (Attribution-NonCommercial)")),
            SelectChoice("CC-BY-NC-SA-4.0", _l("CC BY-NC-SA 4.0 (Attribution-NonCommercial-ShareAlike)")),
            SelectChoice("CC-BY-ND-4.0", _l("CC BY-ND 4.0 (Attribution-NoDerivatives)")),
            SelectChoice("CC-BY-NC-ND-4.0", _l("CC BY-NC-ND 4.0 (Attribution-NonCommercial-NoDerivatives)")),
            SelectChoice("CC0-1.0", _l("CC0 1.0 (public domain dedication)")),
        ],
        default="all-rights-reserved",
        description=_l(
            "What others may do with the course beyond reading it on Cadre. With all rights reserved,"
            " nothing more; a Creative Commons licence lets them copy and share it on its terms."
        ),
    )
    intro = TextAreaField(
        _l("Introduction (Markdown)"),
        validators=[DataRequired(_l("Write the introduction.")), Length(max=200_000)],
        render_kw={"rows": 10},
    )
    submit = SubmitField(_l("Save"))


class ModuleTextForm(Form):
    text = TextAreaField(_l("Module (Markdown with its front matter)"), validators=[Length(max=200_000)])
    quiz = TextAreaField(
        _l("Quiz (Markdown with its front matter; leave empty for no quiz)"), validators=[Length(max=200_000)]
    )
    submit = SubmitField(_l("Save the draft"))


class FinalTestForm(Form):
    quiz = TextAreaField(
        _l("Final test (Markdown with its front matter)"),
        validators=[Length(max=200_000)],
        description=_l("Written like a module’s quiz. Empty the field and save to remove the final test."),
    )
    submit = SubmitField(_l("Save the final test"))


class AddModuleForm(Form):
    title = StringField(
        _l("Title of the new module"),
        validators=[DataRequired(_l("Give the module a title.")), Length(max=200)],
        filters=[_strip],
    )
    slug = StringField(
        _l("Its short name"),
        validators=[DataRequired(_l("Give the module a short name.")), Length(max=80)],
        filters=[_strip],
        description=_l("Lower-case letters, digits and hyphens; it names the module in its address."),
        render_kw={"data-slug-from": "title"},  # suggested from the title (forms.js)
    )
    submit = SubmitField(_l("Add the module"))


class RenameModuleForm(Form):
    slug = StringField(
        _l("New short name"),
        validators=[DataRequired(_l("Give the module a short name.")), Length(max=80)],
        filters=[_strip],
    )
    submit = SubmitField(_l("Rename"))


class GiftImportForm(Form):
    """A GIFT file (Moodle's text format for questions) to append to a module's quiz."""

    gift = FileField(
        _l("GIFT file"),
        validators=[FileRequired(_l("Choose a GIFT file (.txt or .gift) to import."))],
        description=_l(
            "Single and multiple choice and true/false questions, in UTF-8, at most %(kb)d KB."
            " Nothing is imported if one question cannot be.",
            kb=MAX_GIFT_BYTES // 1024,
        ),
        render_kw={"accept": ".txt,.gift,text/plain"},
    )
    submit = SubmitField(_l("Import the questions"))


class TeamRoleForm(Form):
    """The role to give on a publisher's team: in an invitation link, or to someone already on it."""

    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("editor", _l("Editor")),  # what each does: the team page says it above
            SelectChoice("reviewer", _l("Reviewer")),
        ],
        # No "required": a select always sends one of its choices; any other value is refused.
    )


class TeamInvitationForm(TeamRoleForm):
    """An invitation link to the team: its role, for whom, and where to mail it."""

    note = note_field()
    invitee = invitee_email_field()
