"""The training body form of a publisher's workspace."""

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from app.forms import Form
from app.i18n import lazy_gettext as _l


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _digits_only(value):
    """ "11 75 12345 75" as typed from the receipt: spaces and dots dropped before checking."""
    return "".join(c for c in value if c not in " .\u00a0\u202f") if isinstance(value, str) else value


class TrainingBodyForm(Form):
    legal_name = StringField(
        _l("Legal name of the training body"),
        validators=[DataRequired(_l("Give the training body’s legal name.")), Length(max=200)],
        filters=[_strip],
        description=_l("As registered with the prefecture (“raison sociale”)."),
    )
    declaration_number = StringField(
        _l("Declaration of activity number"),
        validators=[
            DataRequired(_l("Give the declaration of activity number.")),
            Regexp(r"^[0-9]{11}\Z", message=_l("A declaration of activity number has 11 digits.")),
        ],
        filters=[_digits_only],
        description=_l("The “numéro de déclaration d’activité”, 11 digits, e.g. 11 75 12345 75."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    signatory_name = StringField(
        _l("Name of the signatory"),
        validators=[DataRequired(_l("Give the name of the person who signs.")), Length(max=120)],
        filters=[_strip],
        description=_l("The body’s legal representative, or the person they delegated."),
    )
    signatory_role = StringField(
        _l("Role of the signatory"),
        validators=[DataRequired(_l("Give the signatory’s role.")), Length(max=120)],
        filters=[_strip],
        description=_l("For example: Président, Directrice."),
    )
    place = StringField(
        _l("Place of signature"),
        validators=[DataRequired(_l("Give the place the certificates are made at.")), Length(max=120)],
        filters=[_strip],
        description=_l("Printed after “Fait à”, e.g. Paris."),
    )
    submit = SubmitField(_l("Save"))

    FIELDS = ("legal_name", "declaration_number", "signatory_name", "signatory_role", "place")

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).data for name in self.FIELDS}
