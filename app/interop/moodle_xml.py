"""Cadre quizzes as Moodle XML, the format Moodle imports without loss.

The shape is that of Moodle's own export (question/format/xml/format.php): one ``category``
question per quiz (the course, then the module), then one ``multichoice`` question per Cadre
question, its HTML in CDATA. xml.dom.minidom rather than xml.etree: only minidom writes CDATA.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.dom.minidom import Document, Element

from app.content.documents import QuestionDoc

from .gift import share
from .markdown import one_line
from .quizzes import ExportedQuiz


def _text(doc: Document, parent: Element, text: str, html: bool = True) -> Element:
    """A <text> child holding *text*: HTML in CDATA, as Moodle writes it, unless the HTML holds
    "]]>" (which would end it early); then escaped, which any XML reader reads the same."""
    element = parent.appendChild(doc.createElement("text"))
    cdata = html and text and "]]>" not in text
    element.appendChild(doc.createCDATASection(text) if cdata else doc.createTextNode(text))
    return element


def _html_field(doc: Document, parent: Element, name: str, text: str) -> Element:
    element = parent.appendChild(doc.createElement(name))
    element.setAttribute("format", "html")
    _text(doc, element, text)
    return element


def _value(doc: Document, parent: Element, name: str, value: str) -> None:
    parent.appendChild(doc.createElement(name)).appendChild(doc.createTextNode(value))


def _category(doc: Document, quiz_root: Element, path: str) -> None:
    question = quiz_root.appendChild(doc.createElement("question"))
    question.setAttribute("type", "category")
    _text(doc, question.appendChild(doc.createElement("category")), path, html=False)


def _fraction(question: QuestionDoc, correct: bool) -> str:
    """100 or 0 for single choice; an equal share or -100 for multiple choice (see gift.py)."""
    if not question.multiple:
        return "100" if correct else "0"
    return share(sum(c.correct for c in question.choices)) if correct else "-100"


def _question(doc: Document, quiz_root: Element, question: QuestionDoc, shuffle: bool) -> None:
    element = quiz_root.appendChild(doc.createElement("question"))
    element.setAttribute("type", "multichoice")
    _text(doc, element.appendChild(doc.createElement("name")), question.key, html=False)
    _html_field(doc, element, "questiontext", question.prompt_html)
    _html_field(doc, element, "generalfeedback", question.explanation_html)
    for name, value in (
        ("defaultgrade", "1"),
        ("penalty", "0.3333333"),  # Moodle's default; Cadre has no retry within an attempt
        ("hidden", "0"),
        ("single", "false" if question.multiple else "true"),
        ("shuffleanswers", "true" if shuffle else "false"),
        ("answernumbering", "abc"),
    ):
        _value(doc, element, name, value)
    for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _html_field(doc, element, name, "")
    for choice in question.choices:
        answer = element.appendChild(doc.createElement("answer"))
        answer.setAttribute("fraction", _fraction(question, choice.correct))
        answer.setAttribute("format", "html")
        _text(doc, answer, choice.html)
        _html_field(doc, answer, "feedback", choice.feedback_html)


def _category_name(text: str) -> str:
    """A category name in a path: Moodle reads "/" as a separator and "//" as a slash."""
    return one_line(text).replace("/", "//")


def write_moodle_xml(course_title: str, quizzes: Sequence[ExportedQuiz]) -> bytes:
    """A course's quizzes as one Moodle XML file: a category per quiz, then its questions."""
    doc = Document()
    quiz_root = doc.appendChild(doc.createElement("quiz"))
    for quiz in quizzes:
        _category(doc, quiz_root, f"$course$/top/{_category_name(course_title)}/{_category_name(quiz.title)}")
        for question in quiz.questions:
            _question(doc, quiz_root, question, quiz.shuffle)
    return doc.toprettyxml(indent="  ", encoding="UTF-8")
