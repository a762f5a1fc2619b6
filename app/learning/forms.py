"""The quiz form, built from an open draw's questions without ever carrying the answers."""

import hashlib
import hmac

from flask import current_app
from markupsafe import Markup
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.forms import Form
from app.i18n import lazy_gettext as _l
from app.learning.grading import QUESTION_TYPES


class MultiCheckboxField(SelectMultipleField):
    """Check boxes for a multiple-choice question."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def field_name(question) -> str:
    """Form field name for a question: its id, which tells nothing about the answer."""
    return f"q{question.id}"


def _choice_value(token: str, question, index: int) -> str:
    """An opaque value for one choice of one draw.

    Keyed with the app's secret and the draw's random token, it reveals neither the author's
    order (which shuffling hides) nor anything shared between two draws.
    """
    message = f"{token}:{question.id}:{index}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:16]


def build_quiz_form(items, token: str, **kwargs) -> Form:
    """A form with one radio or check-box group per drawn question, choices in the drawn order.

    *items* are (question, order) pairs; ``token`` names the draw, and the server checks it on
    submission, so answers to an older draw (another tab, say) are never graded against this one.
    """

    class QuizForm(Form):
        version = HiddenField()
        draw = HiddenField()
        submit = SubmitField(_l("Submit my answers"))

    for question, order in items:
        # Labels are author HTML sanitised at import, so they may be marked safe here.
        choices = [
            SelectChoice(_choice_value(token, question, i), Markup(question.choices[i]["html"]))  # noqa: S704
            for i in order
        ]
        label = Markup(question.prompt_html)  # noqa: S704 - sanitised at import
        if QUESTION_TYPES[question.kind].multiple:
            field = MultiCheckboxField(
                label, choices=choices, validators=[InputRequired(_l("Tick at least one answer."))]
            )
        else:
            field = RadioField(label, choices=choices, validators=[InputRequired(_l("Choose an answer."))])
        setattr(QuizForm, field_name(question), field)
    form = QuizForm(**kwargs)
    if not form.is_submitted():
        form.draw.data = token
    return form


def answers_from(form, token: str, questions) -> dict[str, list[int]]:
    """The selected choice indices per question key (WTForms already refused unknown values)."""
    answers = {}
    for question in questions:
        index_of = {_choice_value(token, question, i): i for i in range(len(question.choices))}
        data = form[field_name(question)].data
        values = data if isinstance(data, list) else [data]
        answers[question.key] = [index_of[v] for v in values if v in index_of]
    return answers
