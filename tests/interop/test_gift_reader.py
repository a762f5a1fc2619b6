"""The GIFT reader against Moodle's own fixtures and the values Moodle's own tests expect of them.

The fixtures are Moodle's (tests/fixtures/moodle/gift/README.md); the expected values are those
of question/format/gift/tests/giftformat_test.php, for every question Cadre can hold, and the
type Moodle gives the others (which the importer then refuses).
"""

from pathlib import Path

import pytest

from app.interop.gift import GiftText, read_gift, repchar

GIFT = Path(__file__).parents[1] / "fixtures" / "moodle" / "gift"


def read(name: str):
    gift = read_gift(name, (GIFT / name).read_text(encoding="utf-8"))
    assert gift.problems == []
    return {question.line: question for question in gift.questions}


def answers(question):
    return [(a.text, a.fraction, a.feedback) for a in question.answers]


def test_questions_fixture_types_and_lines():
    """Moodle's type order: {} essay, "=" with "->" matching, "~" multichoice, "#" numerical..."""
    found = read("questions.gift.txt")
    assert [(line, q.qtype, q.name) for line, q in found.items()] == [
        (2, "essay", "Q8"),
        (5, "match", "Moodle activities"),
        (14, "multichoice", "Q2"),
        (22, "multichoice", "colours"),
        (31, "numerical", "Q5"),
        (34, "shortanswer", "Shortanswer"),
        (41, "truefalse", "Q1"),
        (46, "truefalse", "2-08 TSL"),
        (49, "truefalse", "2-08 TSL"),
    ]
    assert found[2].text == GiftText("How are you?")  # test_import_essay
    assert found[5].text == GiftText("Match the <b>activity</b> to the description.", "html")


def test_import_multichoice():
    """giftformat_test.php test_import_multichoice: Q2, single, fractions [1, 0, 0]."""
    q2 = read("questions.gift.txt")[14]
    assert q2.name == "Q2" and q2.single is True
    assert q2.text == GiftText("What's between orange and green in the spectrum?", "moodle")
    assert q2.general_feedback == GiftText("", "moodle")
    assert answers(q2) == [
        (GiftText("yellow", "moodle"), 1.0, GiftText("right; good!", "moodle")),
        (GiftText("red", "moodle"), 0.0, GiftText("wrong, it's yellow", "html")),
        (GiftText("blue", "plain"), 0.0, GiftText("wrong, it's yellow", "moodle")),
    ]


def test_import_multichoice_multi():
    """test_import_multichoice_multi: colours, several answers, fractions [0.5, -1, 0.5, -1]."""
    colours = read("questions.gift.txt")[22]
    assert colours.name == "colours" and colours.single is False
    assert answers(colours) == [
        (GiftText("yellow"), 0.5, GiftText("right; good!")),
        (GiftText("red"), -1.0, GiftText("wrong", "html")),
        (GiftText("off-beige"), 0.5, GiftText("right; good!")),
        (GiftText("blue", "plain"), -1.0, GiftText("wrong")),
    ]


def test_import_truefalse_with_general_feedback():
    """test_import_truefalse: Q1 is false; "#wrong#right" feedback; general feedback after ####.

    The fixture file has '";' after the closing brace (the test's PHP string does not): Moodle
    reads that as missing-word text, and so does this reader.
    """
    q1 = read("questions.gift.txt")[41]
    assert q1.name == "Q1" and q1.correct is False
    assert q1.feedback_true == GiftText("42 is the Ultimate Answer.")
    assert q1.feedback_false == GiftText("You gave the right answer.")
    assert q1.general_feedback == GiftText("This is, of course, a Hitchiker's Guide to the Galaxy reference.")
    assert q1.text.text == '42 is the Absolute Answer to everything._____";' and q1.missing_word
    assert read("questions.gift.txt")[46].correct is True  # {T}


def test_category_with_spaces_and_escapes_in_html():
    found = read("questions_in_category.gift.txt")
    assert found[2].qtype == "category" and found[2].category == "$course$/Default for New Features"
    greeting = found[14]
    assert greeting.text == GiftText(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
        "<br /><br />What language is being spoken?",
        "html",
    )
    assert [(a.text.text, a.fraction) for a in greeting.answers] == [
        ("English", 0.0),
        ("French", 1.0),
        ("German", 0.0),
        ("Spanish", 0.0),
    ]
    assert found[22].qtype == "shortanswer"  # {=%100%Moodler#}: no "~", so not a multiple choice


def test_examples_control_characters_and_escaped_equals():
    """examples.txt: five wrong answers ~ = # { } and a right one \\; "= 2 + 3" is right."""
    found = read("examples.txt")
    control = found[148]
    assert control.name == "GIFT Control Characters"
    assert [(a.text.text, a.fraction) for a in control.answers] == [
        ("~", 0.0),
        ("=", 0.0),
        ("#", 0.0),
        ("{", 0.0),
        ("}", 0.0),
        ("\\", 1.0),
    ]
    assert control.answers[5].feedback.text.startswith("Correct! \\ (backslash) is not a control character.")
    equals = found[143]
    assert equals.text.text == "Which answer equals 5?"
    assert [(a.text.text, a.fraction) for a in equals.answers] == [
        ("= 2 + 2", 0.0),
        ("= 2 + 3", 1.0),
        ("= 2 + 4", 0.0),
    ]


def test_examples_types_follow_moodle_order():
    """{=a =b} is a short answer, not a choice; text after the braces is missing-word form."""
    found = read("examples.txt")
    assert found[14].qtype == "shortanswer"
    assert found[10].qtype == "multichoice" and found[10].missing_word
    assert found[10].text.text == "Grant is _____ in Grant's tomb."
    assert found[108].text == GiftText("Who's buried in **Grant's tomb**?", "markdown")
    assert found[117].answers[1].fraction == 0.25


@pytest.mark.parametrize(
    ("gift", "line", "message"),
    [
        ("A question {~a =b\n", 1, "the answers must be between one { and one }"),
        ("// comment\n\nQuestion?\n{~only one}\n", 3, "a question needs at least two answers"),
    ],
)
def test_moodle_errors_name_their_line(gift, line, message):
    problems = read_gift("x.gift", gift).problems
    assert [(p.path, p.line, str(p.message)) for p in problems] == [("x.gift", line, message)]


def test_bom_and_crlf_are_read_as_moodle_reads_them():
    gift = read_gift("x.gift", "\ufeff::k::Q?{\r\n=a\r\n~b\r\n}\r\n")
    assert gift.questions[0].name == "k" and gift.questions[0].line == 1


def test_repchar_escapes_what_the_reader_unescapes():
    text = "a\\b # c = d ~ e { f } g: h\nline"
    assert repchar(text) == "a\\\\b \\# c \\= d \\~ e \\{ f \\} g\\: h\\nline"
    read_back = read_gift("x", f"::n::{repchar(text)}{{=x ~y}}").questions[0]
    assert read_back.text.text == text
