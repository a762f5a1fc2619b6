"""Forms that schools' and publishers' administration pages share."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.forms import Form
from app.orgs.models import NOTE_MAX


def note_field() -> StringField:
    """For whom an invitation link is made: a link is nobody's until used, and a list of several
    looked all alike (UX walk)."""
    return StringField(
        _l("For whom (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("A name or a word, to know the link again below; only administrators see it."),
    )


class InvitationForm(Form):
    """A school's invitation link: for whom."""

    note = note_field()
