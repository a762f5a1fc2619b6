"""The course front matter's ``licence``: checked against a short list, all rights reserved by default."""

from pathlib import Path

import pytest

from app.content.checker import check_files, check_root, load_tree
from app.content.licences import ALL_RIGHTS_RESERVED, LICENCES, deed_url, short_name
from app.publishing.package import read_package, write_package
from tests.conftest import VALID_CONTENT

ROOT = Path(__file__).parents[2]
COURSE_MD = "courses/voix-et-ia/course.md"


def with_licence(line: str) -> dict[str, str | bytes]:
    """The valid fixture content with *line* added as the last front-matter line of course.md."""
    files = load_tree(VALID_CONTENT)
    text = files[COURSE_MD]
    assert isinstance(text, str) and text.startswith("---\n")
    head, _fence, body = text[4:].partition("\n---\n")
    files[COURSE_MD] = f"---\n{head}\n{line}\n---\n{body}"
    return files


def licence_line(files) -> int:
    """The file line where with_licence() wrote the field."""
    return next(n for n, line in enumerate(files[COURSE_MD].split("\n"), 1) if line.startswith("licence"))


@pytest.mark.parametrize("licence", LICENCES)
def test_each_allowed_licence_is_accepted_and_kept(licence):
    result = check_files(with_licence(f"licence: {licence}"))
    assert result.problems == [] and result.refused == []
    assert result.courses[0].licence == licence


def test_a_course_without_a_licence_has_all_rights_reserved():
    result = check_files(load_tree(VALID_CONTENT))
    assert result.problems == []
    assert result.courses[0].licence == ALL_RIGHTS_RESERVED == "all-rights-reserved"


@pytest.mark.parametrize(
    "value",
    ["MIT", "cc-by-sa-4.0", "CC BY-SA 4.0", "CC-BY-SA-3.0", "[CC-BY-4.0]", "''", "yes"],
)
def test_an_unknown_licence_is_a_problem_on_its_line_naming_the_allowed_ones(value):
    files = with_licence(f"licence: {value}")
    result = check_files(files)
    assert result.refused == ["voix-et-ia"]
    assert [str(p) for p in result.problems] == [
        f"{COURSE_MD}:{licence_line(files)}: 'licence' must be 'CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0',"
        " 'CC-BY-NC-SA-4.0', 'CC-BY-ND-4.0', 'CC-BY-NC-ND-4.0', 'CC0-1.0' or 'all-rights-reserved'"
    ]


def test_the_licence_is_given_once():
    files = with_licence("licence: CC-BY-4.0\nlicence: CC0-1.0")
    first = licence_line(files)
    problems = [str(p) for p in check_files(files).problems]
    assert problems == [f"{COURSE_MD}:{first + 1}: field 'licence' is given twice (first on line {first})"]


def test_the_licence_goes_through_a_package_and_back():
    files = {k: v for k, v in with_licence("licence: CC-BY-NC-SA-4.0").items() if isinstance(v, str)}
    _slug, unpacked = read_package(write_package(files))
    assert unpacked[COURSE_MD] == files[COURSE_MD]
    assert check_files(unpacked).courses[0].licence == "CC-BY-NC-SA-4.0"


def test_every_bundled_course_is_cc_by_sa_and_the_licence_texts_are_not_content():
    result = check_root(ROOT)
    assert result.problems == [] and result.refused == []
    assert len(result.courses) >= 7
    assert {c.slug: c.licence for c in result.courses} == {c.slug: "CC-BY-SA-4.0" for c in result.courses}
    assert "courses/LICENSE" not in load_tree(ROOT) and "quizzes/LICENSE" not in load_tree(ROOT)


def test_the_licence_texts_are_there_whole():
    agpl = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert agpl.startswith(
        " " * 20 + "GNU AFFERO GENERAL PUBLIC LICENSE\n" + " " * 23 + "Version 3, 19 November 2007\n"
    )
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in agpl
    assert agpl.rstrip().endswith("<https://www.gnu.org/licenses/>.")
    assert "How to Apply These Terms to Your New Programs" in agpl
    for folder in ("courses", "quizzes"):
        cc = (ROOT / folder / "LICENSE").read_text(encoding="utf-8")
        assert cc.startswith("Attribution-ShareAlike 4.0 International\n")
        assert "Section 8 -- Interpretation." in cc
        assert cc.rstrip().endswith("Creative Commons may be contacted at creativecommons.org.")


def test_names_and_deeds():
    assert short_name("CC-BY-SA-4.0") == "CC BY-SA 4.0"
    assert short_name("CC-BY-NC-ND-4.0") == "CC BY-NC-ND 4.0"
    assert short_name("CC0-1.0") == "CC0 1.0"
    assert short_name(ALL_RIGHTS_RESERVED) is None
    assert deed_url("CC-BY-SA-4.0", "fr") == "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"
    assert deed_url("CC-BY-4.0", "en") == "https://creativecommons.org/licenses/by/4.0/deed.en"
    assert deed_url("CC0-1.0", "de") == "https://creativecommons.org/publicdomain/zero/1.0/deed.en"
    assert deed_url(ALL_RIGHTS_RESERVED, "fr") is None
