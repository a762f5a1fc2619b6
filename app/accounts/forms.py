"""Account forms; every one carries a CSRF token through Flask-WTF."""

from flask import current_app
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from app.accounts.models import User
from app.accounts.services import find_user_by_email, name_problem, password_problem
from app.forms import Form
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

# What an address must be to become an account's: at registration or when it is changed.
NEW_ADDRESS_VALIDATORS = (
    InputRequired(_l("Enter your e-mail address.")),
    Email(_l("Enter a valid e-mail address, like name@example.org."), check_deliverability=False),
    Length(max=254),
)


class NewPasswordForm(Form):
    """A new password typed twice, held to the password policy.

    The policy also refuses passwords built from the person's own name or e-mail, which
    ``personal_words`` supplies: the account's for a change or reset, the form's on registration.
    """

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirm the new password"),
        validators=[
            InputRequired(_l("Type the new password again.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The hint follows the configured minimum, which the validator also uses.
        self.password.description = _(
            "At least %(n)d characters; a short phrase is easiest to remember.",
            n=current_app.config["PASSWORD_MIN_LENGTH"],
        )

    def personal_words(self) -> tuple[str, ...]:
        return (self.user.full_name, self.user.email) if self.user else ()

    def validate_password(self, field):
        problem = password_problem(field.data, *self.personal_words())
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordForm):
    """Create an account."""

    full_name = StringField(
        _l("Full name, as it will appear on your certificates"),
        validators=[InputRequired(_l("Enter your full name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail address"), validators=NEW_ADDRESS_VALIDATORS, render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[
            InputRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create my account"))

    def personal_words(self) -> tuple[str, ...]:
        return (self.full_name.data or "", self.email.data or "")

    def validate_full_name(self, field):
        field.data = (field.data or "").strip()
        problem = name_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_email(self, field):
        if find_user_by_email(field.data) is not None:
            raise ValidationError(_l("An account already uses this e-mail address. Log in instead."))


class LoginForm(Form):
    """Log in."""

    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address."))],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(NewPasswordForm):
    """Change the password of the signed-in account, knowing the current one (the view checks it,
    counting wrong ones as at login)."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change my password"))


class ChangeEmailForm(Form):
    """Ask to change the signed-in account's (``user=``) address; the password proves it is them.

    ``email`` carries the current address, hidden: the login throttling counts a wrong password
    against the account the form names, and this way it names this one, as at login.
    """

    email = HiddenField()
    new_email = EmailField(
        _l("New e-mail address"),
        validators=NEW_ADDRESS_VALIDATORS,
        filters=[lambda value: value.strip() if value else value],  # a pasted address brings spaces
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Send me a confirmation link"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new_email(self, field):
        if User.normalise_email(field.data) == self.user.email:
            raise ValidationError(_l("This is already your e-mail address."))
        # Whether another account uses it is said only to the right password, and counted (me.py).


class ForgotPasswordForm(Form):
    """Ask for a password-reset link."""

    email = EmailField(
        _l("E-mail address"),
        validators=[
            InputRequired(_l("Enter your e-mail address.")),
            Email(
                _l("Enter a valid e-mail address, like name@example.org."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(NewPasswordForm):
    """Choose a new password from a reset link (``user=`` is the account the link names)."""

    submit = SubmitField(_l("Save the new password"))


class PostForm(Form):
    """An empty form: a button that POSTs with a CSRF token (log out, mark as read…)."""
