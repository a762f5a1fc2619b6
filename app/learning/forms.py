"""The quiz form, built from the module's questions without ever carrying the answers."""

import hashlib
import hmac
import random
import re
import secrets

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.learning.grading import QUESTION_TYPES


class MultiCheckboxField(SelectMultipleField):
    """Check boxes for a multiple-choice question."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def field_name(question) -> str:
    """Form field name for a question: its id, which tells nothing about the answer."""
    return f"q{question.id}"


def _choice_value(nonce: str, question, index: int) -> str:
    """An opaque value for one choice of one rendering of the quiz.

    Keyed with the app's secret and a per-rendering nonce, it reveals neither the author's
    order (which shuffling hides) nor anything shared between two renderings.
    """
    message = f"{nonce}:{question.id}:{index}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:16]


def _nonce() -> str:
    """The nonce the submitted form was rendered with, or a fresh one for a new rendering."""
    sent = request.form.get("nonce", "") if request.method == "POST" else ""
    return sent if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", sent) else secrets.token_urlsafe(16)


def build_quiz_form(module, questions, **kwargs) -> FlaskForm:
    """A form with one radio group or check-box group per question, shuffled if the author asked."""
    nonce = _nonce()

    class QuizForm(FlaskForm):
        version = HiddenField()
        submit = SubmitField(_l("Submit my answers"))

    QuizForm.nonce = HiddenField(default=nonce)
    for question in questions:
        order = list(range(len(question.choices)))
        if module.shuffle:
            random.shuffle(order)  # noqa: S311 - presentation only, not security
        # Labels are author HTML sanitised at import, so they may be marked safe here.
        choices = [
            SelectChoice(_choice_value(nonce, question, i), Markup(question.choices[i]["html"]))  # noqa: S704
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
    form.nonce.data = nonce
    return form


def answers_from(form, questions) -> dict[str, list[int]]:
    """The selected choice indices per question key (WTForms already refused unknown values)."""
    nonce = form.nonce.data
    answers = {}
    for question in questions:
        index_of = {_choice_value(nonce, question, i): i for i in range(len(question.choices))}
        data = form[field_name(question)].data
        values = data if isinstance(data, list) else [data]
        answers[question.key] = [index_of[v] for v in values if v in index_of]
    return answers
