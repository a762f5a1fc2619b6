"""The platform registration form of a school, the deep-linking picker, and the own-login form."""

from urllib.parse import urlsplit

from flask import current_app
from wtforms import EmailField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.accounts.forms import NEW_ADDRESS_VALIDATORS, NewPasswordForm
from app.accounts.services import find_user_by_email
from app.forms import Form
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.lrs.addresses import RefusedAddress, resolve


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _address(label, description):
    return StringField(
        label,
        validators=[InputRequired(_l("Give this address; your platform shows it.")), Length(max=500)],
        filters=[_strip],
        description=description,
        render_kw={"inputmode": "url", "spellcheck": "false", "autocomplete": "off"},
    )


def address_problem(url: str, production: bool):
    """Why Cadre will not use this platform address (a message), or None."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return _("This is not a web address.")
    if not host or parts.scheme not in ("http", "https") or any(ord(c) <= 32 or ord(c) >= 127 for c in url):
        return _("Give the whole address, starting with https://, without spaces or accented letters.")
    if production and parts.scheme != "https":
        return _("The address must start with https://.")
    if production:
        try:
            resolve(host, port or 443)
        except RefusedAddress:
            return _(
                "Cadre connects only to a public address on the Internet,"
                " and this one is not (or cannot be found)."
            )
    return None


class PlatformForm(Form):
    name = StringField(
        _l("Name of the platform"),
        validators=[InputRequired(_l("Name the platform, as your teachers know it.")), Length(max=120)],
        filters=[_strip],
        description=_l("For example “Our school’s Moodle”."),
    )
    issuer = _address(_l("Platform ID (issuer)"), _l("In Moodle: “Platform ID”, the site’s address."))
    client_id = StringField(
        _l("Client ID"),
        validators=[InputRequired(_l("Give the client ID your platform made for Cadre.")), Length(max=255)],
        filters=[_strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    deployment_ids = TextAreaField(
        _l("Deployment IDs"),
        validators=[InputRequired(_l("Give at least one deployment ID.")), Length(max=2000)],
        filters=[_strip],
        description=_l("One per line. In Moodle: “Deployment ID”."),
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    auth_login_url = _address(
        _l("Authentication request URL"),
        _l("In Moodle: “Authentication request URL”, ending in /mod/lti/auth.php."),
    )
    auth_token_url = _address(
        _l("Access token URL"), _l("In Moodle: “Access token URL”, ending in /mod/lti/token.php.")
    )
    key_set_url = _address(
        _l("Public keyset URL"), _l("In Moodle: “Public keyset URL”, ending in /mod/lti/certs.php.")
    )
    submit = SubmitField(_l("Register the platform"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        production = current_app.config["ENV_NAME"] == "production"
        for field in (self.issuer, self.auth_login_url, self.auth_token_url, self.key_set_url):
            if field.data and not field.errors:
                problem = address_problem(field.data, production)
                if problem:
                    field.errors.append(problem)
                    valid = False
        return valid


class PickForm(Form):
    """The teacher's one-screen choice in deep linking: a course, or one module of it."""

    item = RadioField(_l("What to add"), validators=[InputRequired(_l("Choose a course or a module."))])
    submit = SubmitField(_l("Add to my course"))


class OwnLoginForm(NewPasswordForm):
    """An account made by a launch gets an address and a password, to sign in to Cadre directly."""

    email = EmailField(
        _l("E-mail address"), validators=NEW_ADDRESS_VALIDATORS, render_kw={"autocomplete": "email"}
    )
    submit = SubmitField(_l("Save my e-mail and password"))

    def personal_words(self) -> tuple[str, ...]:
        return (self.user.full_name if self.user else "", self.email.data or "")

    def validate_email(self, field):
        if find_user_by_email(field.data) is not None:
            raise ValidationError(
                _l("An account already uses this e-mail address. Choose another, or keep using the platform.")
            )
