"""The notification preferences: for each kind, on the site and by e-mail; the e-mails' language."""

from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from app.forms import Form
from app.i18n import ENDONYMS
from app.i18n import lazy_gettext as _l
from app.notifications.models import CHANNELS, EMAIL, KINDS, SITE

CHANNEL_LABELS = {SITE: _l("On the site"), EMAIL: _l("By e-mail")}


class PreferencesForm(Form):
    """One check box per kind and channel (fields named ``<kind>_<channel>``), and a language."""

    locale = SelectField(
        _l("Language of my e-mails"),
        choices=[
            SelectChoice("", _l("The language of my account")),
            *(SelectChoice(code, name, {"lang": code}) for code, name in ENDONYMS.items()),
        ],
    )
    submit = SubmitField(_l("Save my preferences"))

    def channel(self, kind: str, channel: str) -> BooleanField:
        return self[f"{kind}_{channel}"]

    def wanted(self) -> set[tuple[str, str]]:
        """The (kind, channel) pairs ticked."""
        return {(kind, channel) for kind in KINDS for channel in CHANNELS if self.channel(kind, channel).data}


for _kind in KINDS:
    for _channel in CHANNELS:
        setattr(PreferencesForm, f"{_kind}_{_channel}", BooleanField(CHANNEL_LABELS[_channel]))
