"""School forms; every one carries a CSRF token through Flask-WTF."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from app.schools.services import CODE_LENGTH, normalise_code


class ClassForm(FlaskForm):
    name = StringField(
        _l("Name of the class"),
        validators=[InputRequired(_l("Give the class a name.")), Length(max=120)],
        description=_l("For example: BTS Audiovisuel, 2nd year, group B"),
    )
    year = StringField(
        _l("School year"),
        validators=[InputRequired(_l("Give the school year.")), Length(max=20)],
        description=_l("For example: 2026-2027"),
    )
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create the class"))


class JoinForm(FlaskForm):
    code = StringField(
        _l("Class code"),
        validators=[InputRequired(_l("Type the code your teacher gave you.")), Length(max=40)],
        description=_l("%(n)d letters and digits, for example ABCD-2345", n=CODE_LENGTH),
        filters=[lambda value: normalise_code(value) if value else value],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Join the class"))


class AddTeacherForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the teacher’s account"),
        validators=[
            InputRequired(_l("Type an e-mail address.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Add as a teacher"))


class AssignForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[InputRequired(_l("Choose a course."))])
    module = SelectField(
        _l("Module"),
        validators=[Optional()],
        description=_l("Leave “Whole course” to assign every module of the course."),
    )
    due = DateTimeLocalField(
        _l("Due (optional)"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("Date and time in Paris time."),
    )
    submit = SubmitField(_l("Assign"))
