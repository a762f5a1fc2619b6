"""Warnings: cues that give answers away, small pools, missing feedback and unlikely durations,
each on its line; they never refuse a course, and `content check` prints them (--strict, --lang)."""

import pickle
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from app.cli import environment_language
from app.content import cues
from app.content import messages as msg
from app.content.checker import check_files, check_root
from app.content.documents import Notice
from app.content.parser import read_quiz
from tests.content.test_content_checker import COURSE, MODULE, with_base

FIXTURES = Path(__file__).parents[1] / "fixtures" / "content"
POOLS = FIXTURES / "pools"
VALID = FIXTURES / "valid"
Q = "quizzes/c/m.md"
FRONT = "---\npass_mark: 50\n---\n"  # the body starts on line 4


def option(right: bool, text: str, feedback: str | None = "Parce que.") -> str:
    line = f"- [{'x' if right else ' '}] {text}\n"
    return line + (f"  > {feedback}\n" if feedback else "")


def question(title: str, *options: tuple[bool, str]) -> str:
    return f"## {title}\n" + "".join(option(right, text) for right, text in options) + "> Pourquoi.\n\n"


def warnings(text: str, template: str | None = None) -> list[str]:
    """The quiz's warnings, or only those made from *template*."""
    parsed = read_quiz(Q, text)
    assert parsed.problems == []
    return [str(n) for n in parsed.notices if template in (None, n.template)]


def test_a_quiz_built_to_the_rules_has_no_warning():
    body = question("Q1", (True, "Oui"), (False, "Non, plus long")) + question(
        "Q2", (True, "a b"), (True, "a c"), (False, "d")
    )
    assert warnings(FRONT + body) == []


def test_right_answer_longest_in_more_than_40_percent():
    longest = question("Q1", (True, "Une réponse longue"), (False, "Courte"))
    shorter = question("Q2", (True, "Oui"), (False, "Non merci"))
    tie = question("Q3", (True, "abc"), (False, "xyz"))  # not strictly longer
    multiple = question("Q4", (True, "Une réponse longue"), (True, "Une autre longue"), (False, "x"))
    assert warnings(FRONT + longest + longest.replace("Q1", "Q5") + shorter + tie + multiple) == [
        f"{Q}:1: warning: the right answer is the longest option in 50% of the single-answer questions"
        " (2 out of 4, more than 40%): learners can guess it by its length"
    ]
    # 2 of 5 is exactly 40 %: no warning.
    body = longest + longest.replace("Q1", "Q5") + shorter + tie + tie.replace("Q3", "Q6")
    assert warnings(FRONT + body) == []


def test_visible_text_is_measured_not_markdown():
    # "**Oui**" is 3 visible characters, shorter than "Non !"
    assert warnings(FRONT + question("Q", (True, "**[Oui](https://x.example)**"), (False, "Non !"))) == []


def test_absolute_words_only_in_wrong_options():
    body = question(
        "Q",
        (True, "Le plus souvent"),
        (False, "Toujours, quoi qu'il arrive"),
        (False, "SYSTEMATIQUEMENT et sans délai"),
        (False, "Only on Sundays"),
        (False, "Il est toujoursplus tard"),  # not a whole word
    )
    assert warnings(FRONT + body, msg.ABSOLUTE_WORD) == [
        f"{Q}:7: warning: 'toujours' is in a wrong option and no right option has such an absolute word:"
        " it gives the wrong answer away",
        f"{Q}:9: warning: 'systematiquement' is in a wrong option and no right option has such an"
        " absolute word: it gives the wrong answer away",
        f"{Q}:11: warning: 'only' is in a wrong option and no right option has such an absolute word:"
        " it gives the wrong answer away",
    ]
    both = question("Q", (True, "Jamais sans accord écrit"), (False, "Toujours"))
    assert warnings(FRONT + both, msg.ABSOLUTE_WORD) == []


def test_catch_all_options():
    body = question(
        "Q",
        (True, "Toutes les réponses  ci-dessus"),
        (False, "None of the above"),
        (False, "Aucune de ces réponses"),
        (False, "Une réponse précise"),
    )
    message = (
        "warning: catch-all option ('all of the above', 'none of these'...): it tests nothing;"
        " write a plausible wrong answer instead"
    )
    assert warnings(FRONT + body, msg.CATCH_ALL) == [
        f"{Q}:5: {message}",
        f"{Q}:7: {message}",
        f"{Q}:9: {message}",
    ]


def test_two_identical_options():
    body = question("Q", (True, "La  loi"), (False, "Un contrat"), (False, "la LOI"))
    assert warnings(FRONT + body) == [f"{Q}:9: warning: this option is the same as the one on line 5"]


def test_options_without_feedback():
    body = "## Q\n" + option(True, "a") + option(False, "b", None) + option(False, "c", None) + "> Why.\n"
    message = "warning: option without feedback: add a '  > ' line under it saying why it is right or wrong"
    assert warnings(FRONT + body) == [f"{Q}:7: {message}", f"{Q}:8: {message}"]


def test_pool_smaller_than_twice_the_draw():
    three = "".join(question(f"Q{i}", (True, "a"), (False, "bb")) for i in range(3))
    assert warnings("---\npass_mark: 50\ndraw: 2\n---\n" + three) == [
        f"{Q}:3: warning: the quiz draws 2 from a pool of 3: attempts keep showing the same questions;"
        " give it at least 4 questions (twice the draw)"
    ]
    four = three + question("Q3", (True, "a"), (False, "bb"))
    assert warnings("---\npass_mark: 50\ndraw: 2\n---\n" + four) == []
    # Without draw every question is shown: there is no pool to speak of.
    assert warnings(FRONT + three) == []


def test_group_pool_smaller_than_twice_its_draw():
    group = "".join(question(f"Q{i}", (True, "a"), (False, "bb")) for i in range(3))
    other = "".join(question(f"R{i}", (True, "a"), (False, "bb")) for i in range(2))
    assert warnings(FRONT + "# A {draw=1}\n" + group + "# B {draw=1}\n" + other) == []
    text = FRONT + "# A {draw=2}\n" + group + "# B {draw=1}\n" + other
    assert warnings(text) == [
        f"{Q}:4: warning: the group draws 2 from a pool of 3: attempts keep showing the same questions;"
        " give it at least 4 questions (twice the draw)"
    ]


def test_final_test_is_checked_too():
    files = with_base(**{"quizzes/c/final.md": FRONT + "## Q\n- [x] a\n- [ ] b\n> why\n"})
    assert [str(n) for n in check_files(files).warnings if n.path.startswith("quizzes/")] == [
        "quizzes/c/final.md:5: warning: option without feedback: add a '  > ' line under it saying why"
        " it is right or wrong",
        "quizzes/c/final.md:6: warning: option without feedback: add a '  > ' line under it saying why"
        " it is right or wrong",
    ]


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "drawn", "minutes"), [(0, 0, 1), (200, 0, 1), (201, 0, 2), (1000, 6, 10), (2000, 0, 10)]
)
def test_module_estimate(words, drawn, minutes):
    # 200 words a minute plus 45 seconds a question, rounded up: 1000 words and 6 questions make
    # 300 s + 270 s = 9.5 minutes.
    assert cues.module_minutes(words, drawn) == minutes


def module(duration: int, words: int) -> str:
    return MODULE.replace("duration: 10", f"duration: {duration}").replace("Body.\n", "mot " * words + "\n")


def duration_warnings(files: dict) -> list[str]:
    return [str(n) for n in check_files(files).warnings if "'duration'" in n.template]


def test_module_duration_far_from_the_estimate():
    # 1800 words: 9 minutes of reading; with a quiz drawing 4 questions, 3 minutes more.
    quiz = "---\npass_mark: 50\ndraw: 4\n---\n" + "".join(
        question(f"Q{i}", (True, "a"), (False, "bb")) for i in range(8)
    )
    files = with_base(**{"courses/c/01-m.md": module(16, 1800), "quizzes/c/m.md": quiz})
    assert [w for w in duration_warnings(files) if "01-m.md" in w] == [
        "courses/c/01-m.md:3: warning: 'duration' is 16 min but the module takes about 12 min"
        " (words: 1800, read at 200 words a minute; quiz questions: 4, 45 seconds each)"
    ]
    for honest in (9, 12, 15):  # within 30 % of 12
        files["courses/c/01-m.md"] = module(honest, 1800)
        assert [w for w in duration_warnings(files) if "01-m.md" in w] == []
    # A quiz with problems: how many questions it draws is unknown, so no estimate.
    files["quizzes/c/m.md"] = quiz.replace("[x]", "[ ]")
    files["courses/c/01-m.md"] = module(60, 1800)
    assert [w for w in duration_warnings(files) if "01-m.md" in w] == []
    # A module still holding the editor's placeholder is not written yet: its problem says so, and
    # its duration is not weighed (a new module's 20 minutes against its few words).
    del files["quizzes/c/m.md"]
    files["courses/c/01-m.md"] = module(60, 1800).replace("mot mot", "…\n\nmot mot", 1)
    assert [w for w in duration_warnings(files) if "01-m.md" in w] == []
    assert any("placeholder" in str(p) for p in check_files(files).problems)
    files["courses/c/01-m.md"] = module(60, 1800)
    assert [w for w in duration_warnings(files) if "01-m.md" in w] != []


def test_course_duration_far_from_its_modules_and_final_test():
    honest = module(12, 2000)  # 10 minutes of reading
    files = {"courses/c/course.md": COURSE, "courses/c/01-m.md": honest, "courses/c/02-n.md": honest}
    assert duration_warnings(files) == []  # 30 minutes declared, 2 × 12 in modules: within 30 %
    files["courses/c/course.md"] = COURSE.replace("duration: 30", "duration: 60")
    assert duration_warnings(files) == [
        "courses/c/course.md:6: warning: 'duration' is 60 min but the modules' durations add up to 24 min"
    ]
    final = "---\npass_mark: 50\n---\n" + "".join(
        question(f"Q{i}", (True, "a"), (False, "bb")) for i in range(20)
    )
    files["quizzes/c/final.md"] = final
    assert duration_warnings(files) == [
        "courses/c/course.md:6: warning: 'duration' is 60 min but the modules' durations add up to 24 min"
        " and the final test takes about 15 min: 39 min in all"
    ]
    files["courses/c/course.md"] = COURSE.replace("duration: 30", "duration: 45")
    assert duration_warnings(files) == []
    # A final test with problems: its time is unknown, so the course's cannot be judged.
    files["courses/c/course.md"] = COURSE.replace("duration: 30", "duration: 500")
    files["quizzes/c/final.md"] = final.replace("[x]", "[ ]")
    assert duration_warnings(files) == []


def test_warnings_of_a_refused_course_are_kept():
    files = with_base(
        **{
            "courses/c/course.md": COURSE.replace("level: beginner", "level: expert"),
            "quizzes/c/m.md": FRONT + "## Q\n- [x] a\n  > ok\n- [ ] b\n> why\n",
        }
    )
    result = check_files(files)
    assert result.refused == ["c"]
    assert [str(n) for n in result.warnings if n.path.startswith("quizzes/")] == [
        "quizzes/c/m.md:7: warning: option without feedback: add a '  > ' line under it saying why it is"
        " right or wrong"
    ]


def test_warnings_are_sorted_translatable_and_picklable():
    result = check_root(VALID)
    assert result.warnings == sorted(result.warnings, key=lambda n: (n.path, n.line))
    assert all(n.template in msg.WARNINGS for n in result.warnings)
    assert [Notice.from_json(n.to_json()) for n in result.warnings] == result.warnings
    # Publishers' checks run in a child process: the result crosses a pipe.
    assert pickle.loads(pickle.dumps(result)).warnings == result.warnings  # noqa: S301


def test_pools_fixture_is_built_to_the_rules():
    result = check_root(POOLS)
    assert result.problems == [] and result.warnings == []
    (course,) = result.courses
    passwords, backups = course.modules
    quiz = passwords.quiz
    assert (quiz.draw, quiz.review, quiz.attempts_per_day, quiz.groups) == (6, "after-pass", 3, ())
    assert [(g.key, g.draw) for g in backups.quiz.groups] == [("principes", 3), ("mise-en-pratique", 3)]
    assert course.final is not None and course.final_duration == 4
    for quiz in (passwords.quiz, backups.quiz, course.final):
        assert len(quiz.questions) >= 2 * quiz.drawn
        assert all(len(q.choices) == 4 and all(c.feedback_html for c in q.choices) for q in quiz.questions)
        assert any(q.multiple for q in quiz.questions) and any(not q.multiple for q in quiz.questions)


# --- the command line ----------------------------------------------------------------------------

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_GB.UTF-8"}
FRENCH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_FR.UTF-8"}


def test_check_strict_on_content_without_warnings(runner):
    result = runner.invoke(args=["content", "check", "--strict", str(POOLS)], env=ENGLISH)
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
    assert "OK: 1 course, no problem found, 0 warnings." in result.output


def test_check_prints_warnings_and_strict_fails_on_them(runner):
    relaxed = runner.invoke(args=["content", "check", str(VALID)], env=ENGLISH)
    assert relaxed.exit_code == 0, relaxed.output
    assert (
        "quizzes/voix-et-ia/cadre-legal.md:8: warning: option without feedback: add a '  > ' line under"
        " it saying why it is right or wrong"
    ) in relaxed.output
    count = len(check_root(VALID).warnings)
    assert f"OK: 1 course, no problem found, {count} warnings." in relaxed.output
    strict = runner.invoke(args=["content", "check", "--strict", str(VALID)], env=ENGLISH)
    assert strict.exit_code == 1
    assert f"1 course, no problem found; {count} warnings (--strict)" in strict.output


def test_check_with_problems_and_warnings(runner, tmp_path):
    course = tmp_path / "courses" / "c"
    course.mkdir(parents=True)
    (course / "course.md").write_text(COURSE.replace("level: beginner", "level: expert"))
    (course / "01-m.md").write_text(MODULE)
    (tmp_path / "quizzes" / "c").mkdir(parents=True)
    (tmp_path / "quizzes" / "c" / "m.md").write_text(FRONT + "## Q\n- [x] a\n  > ok\n- [ ] b\n> why\n")
    for strict in ([], ["--strict"]):
        result = runner.invoke(args=["content", "check", *strict, str(tmp_path)], env=ENGLISH)
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert lines[0].startswith("courses/c/course.md:5: 'level' must be")
        assert lines[-2].startswith("quizzes/c/m.md:7: warning: option without feedback")
        assert lines[-1] == "1 problem, 2 warnings; refused: c"


def test_check_in_french(app, runner):
    english = runner.invoke(args=["content", "check", "--lang", "en", str(VALID)], env=FRENCH)
    assert "warning: option without feedback" in english.output
    french = runner.invoke(args=["content", "check", "--lang", "fr", str(VALID)], env=ENGLISH)
    # Without --lang, the locale variables choose: LANG=fr_FR gives the same French output.
    assert runner.invoke(args=["content", "check", str(VALID)], env=FRENCH).output == french.output
    with force_locale("fr"):
        translated = gettext(msg.NO_FEEDBACK)
        shown = gettext("warning: %(message)s", message=translated)  # "avertissement : …"
    if translated == msg.NO_FEEDBACK:
        pytest.skip("the French translations of the warnings are not in the compiled catalogue yet")
    assert f"quizzes/voix-et-ia/cadre-legal.md:8: {shown}" in french.output
    assert "option without feedback" not in french.output


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "fr_CA"}, "fr"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"}, None),  # C: no language asked for
        ({"LANG": "de_DE.UTF-8"}, None),
        ({"LANG": "fr"}, "fr"),
        ({}, None),
    ],
)
def test_language_from_the_environment(environ, language):
    assert environment_language(environ) == language


def test_warnings_read_right_with_a_count_of_one(app):
    """No "1 of the 1 questions" nor "about 1 minutes": the numbers stand apart from the nouns."""
    longest = question("Q1", (True, "Une réponse longue"), (False, "Courte"))
    (notice,) = read_quiz(Q, FRONT + longest).notices
    assert notice.text() == (
        "the right answer is the longest option in 100% of the single-answer questions (1 out of 1,"
        " more than 40%): learners can guess it by its length"
    )
    with force_locale("fr"):
        assert notice.text(gettext) == (
            "la bonne réponse est l’option la plus longue dans 100\u202f% des questions à réponse unique"
            " (1 sur 1, plus de 40\u202f%)\u00a0: on peut la deviner à sa longueur"
        )
    one = "".join(question(f"Q{i}", (True, "a"), (False, "bb")) for i in range(1))
    (pool,) = [n for n in read_quiz(Q, "---\npass_mark: 50\ndraw: 1\n---\n" + one).notices]
    assert pool.text() == (
        "the quiz draws 1 from a pool of 1: attempts keep showing the same questions;"
        " give it at least 2 questions (twice the draw)"
    )
    with force_locale("fr"):
        assert pool.text(gettext).startswith("le quiz tire au sort 1 sur 1\u00a0: les tentatives")
