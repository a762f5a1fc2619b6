"""School forms; every one carries a CSRF token through Flask-WTF."""

import re

from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalog.search import one_space
from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.schools.invitations import MAX_AT_ONCE, MAX_FILE_BYTES
from app.schools.messages import MAX_MESSAGE
from app.schools.services import CODE_LENGTH, normalise_code, school_year


def normalise_year(value: str) -> str:
    """« 2026–2027 », « 2026 / 2027 » and « 2026-2027 » are one year: written the last way, so that
    two classes of the same name and year cannot look alike and both exist."""
    return re.sub(r"\s*[-‐‑‒–—−/]\s*", "-", value.strip())


def check_school_year(_form, field) -> None:
    """A school year is two years that follow each other (« 2026-2027 »), or one (« 2026 »): the
    lists sort classes by it, newest first."""
    found = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", field.data or "")
    if found is None:
        raise ValidationError(_l("Write the school year with its years, like %(year)s.", year=school_year()))
    if found.group(2) and int(found.group(2)) != int(found.group(1)) + 1:
        raise ValidationError(_l("The second year follows the first, like %(year)s.", year=school_year()))


class ClassForm(Form):
    name = StringField(
        _l("Name of the class"),
        validators=[DataRequired(_l("Give the class a name.")), Length(max=120)],
        filters=[lambda value: one_space(value) if value else value],
        description=_l("For example: BTS Audiovisuel, 2nd year, group B"),
    )
    year = StringField(
        _l("School year"),
        validators=[DataRequired(_l("Give the school year.")), Length(max=20), check_school_year],
        filters=[lambda value: normalise_year(value) if value else value],
        default=school_year,  # the one under way: a new class is most often for it
    )
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create the class"))


class JoinForm(Form):
    """A class's join code, or an organisation's (app/orgs): the view finds which."""

    code = StringField(
        _l("Code"),
        validators=[InputRequired(_l("Type the code you were given.")), Length(max=40)],
        description=_l("%(n)d letters and digits, for example ABCD-2345", n=CODE_LENGTH),
        filters=[lambda value: normalise_code(value) if value else value],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class AddTeacherForm(Form):
    email = EmailField(
        _l("E-mail address of the teacher’s account"),
        validators=[
            InputRequired(_l("Type an e-mail address.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Add as a teacher"))


class CourseChoiceForm(Form):
    """Step 1 of assigning: which course (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    course = SelectField(_l("Course"), validators=[InputRequired(_l("Choose a course."))])
    submit = SubmitField(_l("Next"))


class MultiCheckboxField(SelectMultipleField):
    """Check boxes rather than a multiple select, which few people can operate."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


WHOLE, CHOSEN = "course", "modules"


def due_field(label, description) -> DateTimeLocalField:
    """A due date on the Paris wall clock, as the browser's date and time picker sends it, or as
    someone types it where the browser shows a plain text box (« 18/12/2026 18:00 »)."""
    return DateTimeLocalField(
        label,
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%Y-%m-%d %H:%M"],
        invalid_value_message=_l("Type a date and a time, for example 18/12/2026 18:00."),
        description=description,
    )


class AssignForm(Form):
    """Step 2: the whole course or chosen modules of it, and an optional due date."""

    scope = RadioField(
        _l("What to assign"),
        choices=[SelectChoice(WHOLE, _l("The whole course")), SelectChoice(CHOSEN, _l("Chosen modules"))],
        default=WHOLE,
        validators=[InputRequired(_l("Choose what to assign."))],
    )
    # The service, not WTForms, says why a module is refused (another course's, withdrawn…).
    modules = MultiCheckboxField(_l("Modules"), coerce=int, validate_choice=False)
    due = due_field(_l("Due (optional)"), _l("Date and time, Paris time."))
    submit = SubmitField(_l("Assign"))

    def validate_modules(self, field):
        if self.scope.data == CHOSEN and not field.data:
            raise ValidationError(_l("Tick at least one module, or choose the whole course."))
        if self.scope.data == WHOLE and field.data:  # ticked, the radio left as it was: ask, not guess
            raise ValidationError(
                _l(
                    "You ticked modules but chose the whole course: choose “Chosen modules” to assign "
                    "only those, or untick them."
                )
            )


class DueForm(Form):
    """An assignment's due date, changed, or taken away by a button of its own: an empty field is
    refused, since a date half typed into the browser's picker arrives empty (a11y walk)."""

    due = due_field(_l("Due"), _l("Date and time, Paris time."))
    submit = SubmitField(_l("Save the due date"))
    remove = SubmitField(_l("Remove the due date"))

    def __init__(self, *args, removable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.removable = removable  # there is a due date to take away: the page offers the button

    def validate(self, extra_validators=None) -> bool:
        if self.remove.data:  # what the field holds is not read when the date is taken away
            self.due.data, self.due.raw_data, self.due.process_errors = None, [], []
        valid = super().validate(extra_validators)
        if valid and self.due.data is None and not self.remove.data:
            self.due.errors.append(
                _l("Type the new due date, or choose “%(remove)s”.", remove=self.remove.label.text)
                if self.removable
                else _l("Type the due date.")
            )
            return False
        return valid


class MessageForm(Form):
    """A message to the class's students, or to those who have not finished an assigned item (the
    view gives ``to`` its choices and checks the one sent)."""

    to = SelectField(_l("Recipients"), choices=[], validate_choice=False)

    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(_l("Write a message first.")),
            Length(max=MAX_MESSAGE, message=_l("A message may hold at most %(max)d characters.")),
        ],
        filters=[lambda value: value.strip() if value else value],
        description=_l(
            "Plain text. Each student it goes to is told on Cadre, and by e-mail unless they turned it off."
        ),
        render_kw={"rows": 5},
    )


MAX_ADDRESSES_TEXT = 50_000  # characters: a hundred addresses with their names, and more


class StudentInvitationForm(Form):
    """Addresses to invite to the class, typed or pasted, and/or a file of them (the view reads
    both: app/schools/invitations.py)."""

    addresses = TextAreaField(
        _l("E-mail addresses"),
        validators=[Optional(), Length(max=MAX_ADDRESSES_TEXT)],
        description=_l(
            "One per line, or separated by commas or semicolons; at most %(max)d at a time. You may paste "
            "them from an address book or a spreadsheet: whatever is not an address is left out.",
            max=MAX_AT_ONCE,
        ),
        render_kw={"rows": 6, "autocomplete": "off", "spellcheck": "false"},
    )
    file = FileField(
        _l("Or a file of addresses (optional)"),
        description=_l(
            "A spreadsheet saved as CSV, or a text file, at most %(kb)d KB: every address in it is read.",
            kb=MAX_FILE_BYTES // 1024,
        ),
        render_kw={"accept": ".csv,.txt,text/csv,text/plain"},
    )
    submit = SubmitField(_l("Send the invitations"))
