"""Moodle XML export: the shape and values Moodle's XML importer (question/format/xml/format.php,
import_multichoice) reads, checked on every bundled quiz."""

from pathlib import Path
from xml.etree import ElementTree

from app.content.checker import check_root
from app.interop.moodle_xml import write_moodle_xml
from app.interop.quizzes import ExportedQuiz

REPOSITORY = Path(__file__).parents[2]
# question_bank::fraction_options_full(), as percentages: what Moodle accepts without rounding.
MOODLE_FRACTIONS = {
    "100",
    "50",
    "33.33333",
    "25",
    "20",
    "16.66667",
    "14.28571",
    "12.5",
    "11.11111",
    "10",
    "0",
}


def parse(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)  # noqa: S314 - our own output, not untrusted XML


def test_every_bundled_quiz_exports_with_moodle_fractions():
    courses = check_root(REPOSITORY).courses
    multiple = 0
    for course in courses:
        quizzes = [
            ExportedQuiz(m.slug, m.title, m.quiz.questions, m.quiz.shuffle) for m in course.modules if m.quiz
        ]
        quizzes.append(ExportedQuiz("final", course.title, course.final.questions, course.final.shuffle))
        data = write_moodle_xml(course.title, quizzes)
        assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and b"<![CDATA[<p>" in data
        root = parse(data)
        assert root.tag == "quiz"
        categories = root.findall("question[@type='category']")
        assert [c.findtext("category/text") for c in categories] == [
            f"$course$/top/{course.title}/{quiz.title}".replace(" / ", " // ") for quiz in quizzes
        ]
        exported = root.findall("question[@type='multichoice']")
        questions = [q for quiz in quizzes for q in quiz.questions]
        assert len(exported) == len(questions)
        for element, question in zip(exported, questions, strict=True):
            assert element.findtext("name/text") == question.key
            assert element.find("questiontext").get("format") == "html"
            assert element.findtext("questiontext/text") == question.prompt_html
            assert element.findtext("generalfeedback/text") == question.explanation_html
            assert element.findtext("single") == ("false" if question.multiple else "true")
            answers = element.findall("answer")
            fractions = [answer.get("fraction") for answer in answers]
            assert [a.findtext("text") for a in answers] == [c.html for c in question.choices]
            assert [a.findtext("feedback/text") for a in answers] == [
                c.feedback_html for c in question.choices
            ]
            rights = [float(f) for f, c in zip(fractions, question.choices, strict=True) if c.correct]
            assert abs(sum(rights) - 100) < 0.001
            assert all(
                f in MOODLE_FRACTIONS for f, c in zip(fractions, question.choices, strict=True) if c.correct
            )
            wrong = {f for f, c in zip(fractions, question.choices, strict=True) if not c.correct}
            assert wrong <= ({"-100"} if question.multiple else {"0"})
            multiple += question.multiple
    assert multiple > 10


def test_shuffle_and_cdata_end_marker():
    quiz = check_root(REPOSITORY).courses[0].modules[0].quiz
    question = quiz.questions[0]
    tricky = question.__class__(**{**question.__dict__, "prompt_html": "<p>a ]]> b</p>"})
    root = parse(write_moodle_xml("Cours", [ExportedQuiz("m", "A/B", (tricky,), True)]))
    assert root.findtext("question/category/text") == "$course$/top/Cours/A//B"
    element = root.find("question[@type='multichoice']")
    assert element.findtext("questiontext/text") == "<p>a ]]> b</p>"
    assert element.findtext("shuffleanswers") == "true"
