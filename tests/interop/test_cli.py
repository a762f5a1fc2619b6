"""``flask content export-gift``: a published course's quizzes as GIFT or Moodle XML, from the
command line (the only way for bundled courses: the admin area has no course page)."""

from xml.etree import ElementTree

import pytest

from app.catalog.importer import import_course
from app.content.checker import check_root
from app.extensions import db
from app.interop.gift import read_gift
from tests.conftest import VALID_CONTENT, assert_clean_error


@pytest.fixture
def bundled(cli_app):
    for doc in check_root(VALID_CONTENT).courses:
        import_course(doc)
    db.session.commit()


def test_export_to_stdout_reads_back_as_gift(cli, bundled):
    result = cli("content", "export-gift", "voix-et-ia")
    assert result.exit_code == 0, result.output
    gift = read_gift("out", result.stdout)
    assert gift.problems == []
    assert [(q.name, q.qtype, q.single) for q in gift.questions] == [
        ("qu-est-ce-que-l-opt-out", "multichoice", True),
        ("textes", "multichoice", False),
    ]
    assert [a.fraction for a in gift.questions[1].answers] == [0.5, 0.5, -1.0]
    assert result.stdout.startswith("// Cadre: ")


def test_export_one_module_as_xml_to_a_file(cli, bundled, tmp_path):
    target = tmp_path / "quiz.xml"
    result = cli(
        "content",
        "export-gift",
        "voix-et-ia",
        "--module",
        "cadre-legal",
        "--format",
        "xml",
        "-o",
        str(target),
    )
    assert result.exit_code == 0, result.output
    assert "2 questions written to" in result.output
    root = ElementTree.fromstring(target.read_bytes())  # noqa: S314 - our own output
    assert [q.findtext("name/text") for q in root.findall("question[@type='multichoice']")] == [
        "qu-est-ce-que-l-opt-out",
        "textes",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nulle-part",), "nulle-part: no published course has this short name"),
        (("voix-et-ia", "--module", "consentement"), "consentement: no module of this course has this slug"),
    ],
)
def test_unknown_course_or_module_is_a_clean_error(cli, bundled, args, message):
    assert_clean_error(cli("content", "export-gift", *args), message)
