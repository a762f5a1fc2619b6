"""The record store form of a publisher's workspace."""

from flask import current_app
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.lrs.addresses import endpoint_problem, normalised


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RecordStoreForm(Form):
    endpoint = StringField(
        _l("Address of the store’s xAPI endpoint"),
        validators=[DataRequired(_l("Give the store’s address.")), Length(max=500)],
        filters=[lambda value: normalised(value) if value else value],
        description=_l("As your store gives it, e.g. https://lrs.example.org/xAPI (Cadre adds /statements)."),
        render_kw={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"},
    )
    username = StringField(
        _l("User name (or key)"),
        validators=[DataRequired(_l("Give the user name the store gave you.")), Length(max=200)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password (or secret)"),
        validators=[Length(max=500)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, has_password: bool = False, saved_endpoint: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_password = has_password
        self.saved_endpoint = saved_endpoint
        if has_password:
            self.password.description = _l("Leave empty to keep the saved password.")

    def validate_endpoint(self, field) -> None:
        problem = endpoint_problem(field.data, current_app.config.get("ENV_NAME") == "production")
        if problem:
            raise ValidationError(problem)

    def validate_password(self, field) -> None:
        if not field.data and not self.has_password:
            raise ValidationError(_l("Give the password the store gave you."))
        if not field.data and self.endpoint.data != self.saved_endpoint:
            # the saved password goes to the saved address only, never to one just typed
            raise ValidationError(_l("The address has changed: give the password again."))
