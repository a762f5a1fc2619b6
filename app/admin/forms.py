"""The console's forms."""

from wtforms import DateField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from app.admin.audit import ACTIONS
from app.admin.services import DISABLE_REASON_MISSING, REASON_MAX_LENGTH, REVOKE_REASON_MISSING
from app.catalog.search import one_space
from app.content.frontmatter import MAX_SLUG, SLUG
from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.orgs import services as orgs
from app.orgs.models import KIND_NAMES

# What naming an administrator does (admin.services.name_administrator), said once for both forms.
ADMIN_HINT = _l(
    "If a confirmed account uses this address, it becomes administrator at once; otherwise Cadre "
    "e-mails it an invitation link, valid for 7 days."
)


class OrganisationForm(Form):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind, name) for kind, name in KIND_NAMES.items()])
    name = StringField(
        _l("Name"),
        filters=[lambda value: one_space(value) if value else value],
        validators=[DataRequired(_l("Give the organisation a name.")), Length(max=200)],
    )
    slug = StringField(
        _l("Short name"),
        description=_l("In its addresses: lower-case letters, digits and hyphens, e.g. lycee-lumiere."),
        filters=[lambda value: one_space(value) if value else value],
        validators=[
            DataRequired(_l("Give it a short name.")),
            Length(max=MAX_SLUG),
            Regexp(f"^{SLUG.pattern}$", message=orgs.SLUG_RULE),
        ],
    )
    admin_email = EmailField(
        _l("E-mail of its first administrator (optional)"),
        description=ADMIN_HINT,
        validators=[
            Optional(),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )

    submit = SubmitField(_l("Create"))

    # Every field is checked in one pass: the rules services.create_organisation enforces again.
    def validate_name(self, field) -> None:
        if (same := orgs.organisation_named(field.data)) is not None:
            raise ValidationError(str(orgs.name_taken(same)))

    def validate_slug(self, field) -> None:
        if orgs.organisation_by_slug(field.data) is not None:
            raise ValidationError(str(orgs.SLUG_TAKEN))


class AdministratorForm(Form):
    """An organisation's administrator named from the console: a link lost, an administrator gone."""

    email = EmailField(
        _l("E-mail of the administrator"),
        description=ADMIN_HINT,
        validators=[
            InputRequired(_l("Give the address of the person to make administrator.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Name this administrator"))


def _reason(where, missing) -> TextAreaField:
    """Why the operator acts: *where* it will be read, *missing* said when it is left blank."""
    validators = [DataRequired(missing), Length(max=REASON_MAX_LENGTH)]
    return TextAreaField(_l("Reason"), description=where, validators=validators, render_kw={"rows": 3})


class DisableForm(Form):
    reason = _reason(
        _l("Kept in the audit log for the site's operators, e.g. “advertising posted in class messages”."),
        DISABLE_REASON_MISSING,
    )
    submit = SubmitField(_l("Disable the account"))


class RevokeForm(Form):
    reason = _reason(
        _l("Shown on the certificate's public page, e.g. “issued in error: quiz answers shared”."),
        REVOKE_REASON_MISSING,
    )
    submit = SubmitField(_l("Revoke"))


ACTION_CHOICES = [SelectChoice("", _l("Every action"))] + [
    SelectChoice(a, name) for a, name in ACTIONS.items()
]


class AuditFilterForm(Form):
    """Read from the query string: a search, not a change, so no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=ACTION_CHOICES, validators=[Optional()])
    person = StringField(_l("Person (part of an e-mail)"), validators=[Optional(), Length(max=254)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
