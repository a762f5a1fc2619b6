"""Forms that schools' and publishers' administration pages share."""

from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional

from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.orgs.models import NOTE_MAX


def note_field() -> StringField:
    """For whom an invitation link is made: a link is nobody's until used, and a list of several
    looked all alike (UX walk)."""
    return StringField(
        _l("For whom (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("A name or a word, to know the link again below; only administrators see it."),
    )


def invitee_email_field() -> EmailField:
    """Where Cadre mails the link, if the administrator would rather not pass it on themselves."""
    return EmailField(
        _l("Their e-mail address (optional)"),
        validators=[
            Optional(),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        description=_l("Cadre e-mails them the link; you can also copy it once it is made."),
        render_kw={"autocomplete": "off"},  # someone else's address, not the administrator's own
    )


class InvitationForm(Form):
    """A school's invitation link: for whom, and where to mail it."""

    note = note_field()
    invitee = invitee_email_field()
