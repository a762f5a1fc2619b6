"""The quiz form, built from the module's questions without ever carrying the answers."""

import random

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


def build_quiz_form(module, questions, **kwargs) -> FlaskForm:
    """A form with one radio group or check-box group per question.

    Choice values are the choices' indices in the author's file; the displayed order may be
    shuffled, and neither reveals which choice is right.
    """

    class QuizForm(FlaskForm):
        version = HiddenField()
        submit = SubmitField(_l("Submit my answers"))

    for question in questions:
        order = list(range(len(question.choices)))
        if module.shuffle:
            random.shuffle(order)  # noqa: S311 - presentation only, not security
        # Labels are author HTML sanitised at import, so they may be marked safe here.
        choices = [SelectChoice(str(i), Markup(question.choices[i]["html"])) for i in order]  # noqa: S704
        label = Markup(question.prompt_html)  # noqa: S704 - sanitised at import
        if QUESTION_TYPES[question.kind].multiple:
            field = MultiCheckboxField(
                label, choices=choices, validators=[InputRequired(_l("Tick at least one answer."))]
            )
        else:
            field = RadioField(
                label, choices=choices, validators=[InputRequired(_l("Choose an answer."))]
            )
        setattr(QuizForm, field_name(question), field)
    return QuizForm(**kwargs)


def answers_from(form, questions) -> dict[str, list[int]]:
    """The selected choice indices per question key, ignoring anything out of range."""
    answers = {}
    for question in questions:
        data = form[field_name(question)].data
        values = data if isinstance(data, list) else [data]
        answers[question.key] = [
            int(v)
            for v in values
            if v is not None and str(v).isdigit() and int(v) < len(question.choices)
        ]
    return answers
