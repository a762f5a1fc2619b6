"""Item statistics: difficulty and discrimination against a hand computation, flags, labels of
older versions, a bounded number of queries, the CSV and the command line."""

import csv
import io
from collections import Counter
from math import sqrt

import pytest
from sqlalchemy import delete, func, select, text, update

from app.catalog.models import Course
from app.extensions import db
from app.learning import statistics
from app.learning.models import AttemptAnswer, ChoiceTotal, ItemTotal
from app.learning.services import submit_quiz
from app.learning.statistics import EASY, HARD, NEGATIVE, RARE, discrimination, item_statistics
from app.learning.statistics_csv import ENGLISH, FRENCH, csv_bytes
from tests.conftest import counted_statements
from tests.learning.attempts import (
    OPT_OUT,
    TEXTES,
    add_final_test,
    add_question,
    questions_of,
    quiz_module,
    record_attempt,
)

# Who answers right, attempt by attempt (i = 0..39): three questions that go with the others,
# one ("piege") that learners who do well elsewhere tend to miss, and in the final test one
# everybody gets right and one almost nobody does.
RIGHT = {
    OPT_OUT: lambda i: i >= 10 or i % 7 == 3,
    TEXTES: lambda i: i >= 16 and i % 5 != 0,
    "q3": lambda i: i >= 6 and i % 4 != 1,
    "piege": lambda i: i < 14 or i % 6 == 0,
}
FINAL_RIGHT = {"facile": lambda i: True, "difficile": lambda i: i % 6 == 0}


def ticked(key: str, i: int, right: bool) -> set[int]:
    """The options attempt *i* ticked (author's order), right or wrong as RIGHT says."""
    if key == OPT_OUT:  # right: B; option C is ticked once only
        return {1} if right else ({2} if i == 0 else {0})
    if key == TEXTES:  # right: A and B; one learner ticks nothing
        return {0, 1} if right else (set() if i == 1 else {0} if i % 2 == 0 else {0, 2})
    if key == "q3":  # right: A
        return {0} if right else ({1} if i % 2 else {2})
    if key == "piege":  # right: B
        return {1} if right else {0}
    if key == "facile":  # right: A; nobody ever ticks B
        return {0}
    return {0} if right else {1}  # "difficile", right: A


@pytest.fixture
def quizzes(course, make_user):
    """The fixture quiz with two more questions, and a final test of two questions."""
    module = quiz_module()
    add_question(module, "q3", 3, [("Oui", True), ("Non", False), ("Peut-être", False)])
    add_question(module, "piege", 4, [("Vrai", False), ("Faux", True)])
    final = add_final_test(course)
    add_question(final, "facile", 1, [("Un", True), ("Deux", False)])
    add_question(final, "difficile", 2, [("Oui", True), ("Non", False)])
    db.session.commit()
    return module, final, make_user("Léa Apprenante", "lea@example.org")


def attempt(quizzes, i: int) -> None:
    """Attempt number *i* of both quizzes, following RIGHT and FINAL_RIGHT."""
    module, final, learner = quizzes
    for quiz, pattern in ((module, RIGHT), (final, FINAL_RIGHT)):
        questions = questions_of(quiz)
        record_attempt(learner, quiz, {questions[k]: ticked(k, i, right(i)) for k, right in pattern.items()})


def answer(quizzes, start: int, stop: int) -> None:
    for i in range(start, stop):
        attempt(quizzes, i)
    db.session.commit()


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r the schoolbook way, from the means (the code uses running sums)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx, vy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return None if vx == 0 or vy == 0 else cov / sqrt(vx * vy)


def by_hand(pattern: dict, key: str, n: int) -> tuple[float, float | None]:
    """Difficulty and discrimination of *key* over attempts 0..n-1, in plain Python."""
    xs = [1.0 if pattern[key](i) else 0.0 for i in range(n)]
    others = [k for k in pattern if k != key]
    rest = [sum(pattern[k](i) for k in others) / len(others) for i in range(n)]
    return sum(xs) / n, pearson(xs, rest)


def questions_by_key(course: Course, version: int | None = None):
    found = item_statistics(course, version or course.version)
    return {q.key: q for quiz in found for q in quiz.questions}


def test_difficulty_and_discrimination_match_a_hand_computation(quizzes, course):
    answer(quizzes, 0, 40)
    found = questions_by_key(course)
    for pattern in (RIGHT, FINAL_RIGHT):
        for key in pattern:
            p, r = by_hand(pattern, key, 40)
            assert found[key].shown == 40
            assert found[key].right_share == pytest.approx(p)
            assert f"{found[key].right_share:.2f}" == f"{p:.2f}"
            if r is None:
                assert found[key].discrimination is None, key
            else:
                assert found[key].discrimination == pytest.approx(r), key
                assert f"{found[key].discrimination:.2f}" == f"{r:.2f}"
    # The figures as a person would check them on paper.
    assert [f"{found[k].discrimination:.2f}" for k in RIGHT] == ["0.22", "0.04", "0.28", "-0.60"]
    assert found["facile"].discrimination is None  # everybody right: no variance
    assert found["difficile"].discrimination is None  # its rest ("facile") never varies


def test_option_counts_and_shares(quizzes, course):
    answer(quizzes, 0, 40)
    for key, question in questions_by_key(course).items():
        pattern = RIGHT if key in RIGHT else FINAL_RIGHT
        counts = Counter(c for i in range(40) for c in ticked(key, i, pattern[key](i)))
        assert [o.chosen for o in question.options] == [counts[i] for i in range(len(question.options))]
        assert [o.share for o in question.options] == [counts[i] / 40 for i in range(len(question.options))]
    opt_out = questions_by_key(course)[OPT_OUT]
    assert [(o.letter, o.right) for o in opt_out.options] == [("A", False), ("B", True), ("C", False)]
    assert opt_out.options[2].label_text == "Une licence libre"
    assert opt_out.prompt_text == "Qu'est-ce que l'opt-out ?"


def test_flags_appear_only_once_a_question_was_shown_30_times(quizzes, course):
    answer(quizzes, 0, 29)
    assert all(q.flags == () for q in questions_by_key(course).values())
    answer(quizzes, 29, 30)
    assert [f.kind for f in questions_by_key(course)["facile"].flags] == [EASY, RARE]
    answer(quizzes, 30, 40)
    flags = {key: [(f.kind, f.option) for f in q.flags] for key, q in questions_by_key(course).items()}
    assert flags == {
        OPT_OUT: [(RARE, "C")],  # ticked once in 40
        TEXTES: [],
        "q3": [],
        "piege": [(NEGATIVE, "")],
        "facile": [(EASY, ""), (RARE, "B")],
        "difficile": [(HARD, "")],  # 7 right in 40
    }
    rare = questions_by_key(course)[OPT_OUT].flags[0]
    assert rare.label == "Une licence libre"


def test_quizzes_in_course_order_with_the_final_test_last(quizzes, course):
    answer(quizzes, 0, 3)
    found = item_statistics(course, course.version)
    assert [(q.title, q.is_final) for q in found] == [("Le cadre légal", False), (course.title, True)]
    assert [q.key for q in found[0].questions] == [OPT_OUT, TEXTES, "q3", "piege"]


def test_an_older_version_keeps_the_options_learners_saw(quizzes, course):
    module, _final, learner = quizzes
    answer(quizzes, 0, 5)
    # Version 2 rewords an option and drops "q3", as a re-import would.
    questions = questions_of(module)
    opt_out = questions[OPT_OUT]
    choices = [dict(c) for c in opt_out.choices]
    choices[2]["html"] = "Une licence <em>Creative Commons</em>"
    opt_out.choices = choices
    questions["q3"].retired = True
    course.version = 2
    db.session.flush()
    record_attempt(learner, module, {opt_out: {2}, questions[TEXTES]: {0, 1}, questions["piege"]: {1}})
    db.session.commit()

    assert statistics.versions_with_answers(course) == [2, 1]
    old = questions_by_key(course, 1)
    assert old[OPT_OUT].options[2].label_html == "Une licence libre"
    assert old["q3"].retired and old["q3"].shown == 5
    assert [o.label_text for o in old["q3"].options] == ["Oui", "Non", "Peut-être"]
    new = questions_by_key(course, 2)
    assert new[OPT_OUT].options[2].label_html == "Une licence <em>Creative Commons</em>"
    assert new[OPT_OUT].options[2].chosen == 1 and new[OPT_OUT].shown == 1
    assert "q3" not in new


def test_options_are_never_labelled_with_words_not_shown():
    """Without what learners saw, or with answers that do not fit it: letters only."""
    question = type("Q", (), {"key": "k", "position": 1, "prompt_html": "<p>P</p>", "retired": True})()
    sums = statistics.AnswerSums(3, 1, 0, 0, 0, 0, 0, 1)
    unknown = statistics.question_stats(question, sums, {0: 1, 2: 2}, None)
    assert [(o.letter, o.label_html, o.right, o.chosen) for o in unknown.options] == [
        ("A", "", None, 1),
        ("B", "", None, 0),
        ("C", "", None, 2),
    ]
    seen = {"prompt_html": "<p>P</p>", "choices": [{"html": "Oui", "correct": True}]}
    misfit = statistics.question_stats(question, sums, {0: 1, 2: 2}, seen)
    assert [o.label_html for o in misfit.options] == ["", "", ""]


def test_discrimination_is_undefined_without_two_answers_or_variance():
    assert discrimination(1, 1, 0.5, 0.25, 0.5) is None
    assert discrimination(3, 3, 1.5, 0.75, 1.5) is None  # everybody right
    assert discrimination(3, 1, 1.0, 1 / 3, 1 / 3) is None  # same rest score: 1/3 each time
    assert discrimination(2, 1, 1.0, 1.0, 1.0) == pytest.approx(1.0)
    assert discrimination(2, 1, 1.0, 1.0, 0.0) == pytest.approx(-1.0)


def test_no_attempt_gives_zero_shown_and_no_figure(quizzes, course):
    found = questions_by_key(course)
    assert found[OPT_OUT].shown == 0 and found[OPT_OUT].right_share is None
    assert found[OPT_OUT].discrimination is None and found[OPT_OUT].flags == ()
    assert all(o.share is None for o in found[OPT_OUT].options)
    assert statistics.versions_with_answers(course) == []


def test_the_number_of_queries_grows_neither_with_attempts_nor_questions(quizzes, course):
    def count(version: int) -> int:
        db.session.refresh(course)  # not one of the statistics' own queries
        with counted_statements() as statements:
            item_statistics(course, version)
        return sum(statement.startswith("SELECT") for statement in statements)

    def count_old_version() -> int:
        """Version 1 once version 2 is out: its labels come from the attempts' snapshots."""
        course.version = 2
        db.session.flush()
        counted = count(1)
        course.version = 1
        db.session.flush()
        return counted

    answer(quizzes, 0, 5)
    few, few_old = count(1), count_old_version()
    answer(quizzes, 5, 40)
    add_question(quizzes[0], "q5", 5, [("Oui", True), ("Non", False)])
    db.session.commit()
    assert (count(1), count_old_version()) == (few, few_old)
    # Modules, questions, the answers' sums, the options' counts (each totals and the answers not
    # folded yet, in one statement); and one query reads every snapshot an older version needs.
    assert (few, few_old) == (4, 5)
    statistics.fold_answers(course.id)  # the same once the answers are in the totals
    assert (count(1), count_old_version()) == (few, few_old)


def test_csv_has_one_line_per_option_for_a_french_or_english_spreadsheet(app, quizzes, course):
    answer(quizzes, 0, 40)
    found = item_statistics(course, course.version)
    french = csv_bytes(found, FRENCH)
    assert french.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(french.decode("utf-8-sig")), delimiter=";"))
    options = sum(len(q.options) for quiz in found for q in quiz.questions)
    assert len(lines) == 1 + options
    opt_out_c = next(line for line in lines if line[3] == OPT_OUT and line[9] == "C")
    assert opt_out_c[5:8] == ["40", "77,5", "0,22"]
    assert opt_out_c[10] == "Une licence libre" and opt_out_c[12:] == ["1", "2,5"]
    right = [line[11] for line in lines if line[3] == OPT_OUT]  # B is the right one: "yes"
    final = next(line for line in lines if line[3] == "facile")[1]  # in the final test: "yes"
    assert right[0] == right[2] == opt_out_c[1] != right[1] == final
    english = list(csv.reader(io.StringIO(csv_bytes(found, ENGLISH).decode("utf-8-sig"))))
    header, piege = english[0], next(line for line in english if line[3] == "piege")
    assert header[:3] == ["Quiz", "Final test", "Question"]
    assert piege[5:8] == ["40", "45.0", "-0.60"]
    assert "Negative discrimination" in piege[8]


def test_command_line_prints_the_table_and_writes_csv(quizzes, course, runner, tmp_path):
    answer(quizzes, 0, 40)
    target = tmp_path / "stats.csv"
    result = runner.invoke(
        args=["content", "stats", "voix-et-ia", "--csv", str(target), "--csv-format", "en"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "voix-et-ia: version 1 (current: 1; answered in: 1)"
    row = next(line for line in lines if "[piege]" in line)
    assert row.split()[:2] == ["4", "[piege]"] and row.split()[4:7] == ["40", "45%", "-0.60"]
    assert row.endswith("Negative discrimination: learners who do well elsewhere miss it more often")
    assert any(line.split()[1:2] == ["[textes]"] for line in lines)
    assert any("C [ ] Une licence libre" in line and "almost never chosen" in line for line in lines)
    assert any("B [x] Le refus" in line for line in lines)
    assert "Le cadre légal" in lines and f"{course.title} (final test)" in lines
    # Columns line up: every number of a question row ends at the same place as its header.
    header = next(line for line in lines if line.startswith("#"))
    assert row.index("-0.60") + len("-0.60") == header.index("Discr.") + len("Discr.")
    written = target.read_bytes()
    assert written.startswith("\ufeff".encode()) and b"Une licence libre" in written
    assert f"CSV written to {target}" in result.output


def test_command_line_refuses_an_unknown_course_or_version(course, runner):
    result = runner.invoke(args=["content", "stats", "inconnu"])
    assert result.exit_code != 0 and "no course 'inconnu'" in result.output
    result = runner.invoke(args=["content", "stats", "voix-et-ia", "--version", "9"])
    assert result.exit_code != 0 and "no version 9" in result.output
    result = runner.invoke(args=["content", "stats", "voix-et-ia"])
    assert result.exit_code == 0 and "No answer recorded for version 1 yet." in result.output


def test_attempts_graded_by_the_quiz_engine_are_counted(quizzes, course):
    """The rows the engine writes on each graded attempt are the ones the statistics read."""
    module, _final, learner = quizzes
    questions = questions_of(module)
    shown = [questions[k] for k in (OPT_OUT, TEXTES, "q3")]
    submit_quiz(learner, module, {OPT_OUT: [1], TEXTES: [0], "q3": [0]}, questions=shown)
    db.session.commit()
    found = questions_by_key(course)
    assert (found[OPT_OUT].shown, found[OPT_OUT].right) == (1, 1)
    assert (found[TEXTES].shown, found[TEXTES].right) == (1, 0)
    assert [o.chosen for o in found[TEXTES].options] == [1, 0, 0]
    assert found["piege"].shown == 0  # not drawn this time


def figures(course: Course, version: int = 1) -> dict:
    """Every figure of the page, floats rounded past the residue of summing in another order."""
    return {
        q.key: (
            q.shown,
            q.right,
            None if q.right_share is None else round(q.right_share, 9),
            None if q.discrimination is None else round(q.discrimination, 9),
            [(o.letter, o.chosen, o.label_html, o.rare) for o in q.options],
            [flag.kind for flag in q.flags],
        )
        for quiz in item_statistics(course, version)
        for q in quiz.questions
    }


def unfolded() -> int:
    return db.session.scalar(select(func.count()).where(AttemptAnswer.folded.is_(False)))


def test_answers_folded_into_the_totals_give_the_same_figures(quizzes, course, monkeypatch):
    answer(quizzes, 0, 40)
    expected = figures(course)
    assert unfolded() == 40 * 6 and expected["piege"][0] == 40
    monkeypatch.setattr(statistics, "FOLD_CHUNK", 50)
    assert statistics._fold_chunk(course, 1)  # a first chunk: some folded, the rest read as answers
    db.session.expire_all()
    assert unfolded() == 40 * 6 - 50
    assert figures(course) == expected
    statistics.fold_answers(course.id)  # all the rest, chunk by chunk
    assert unfolded() == 0
    assert figures(course) == expected
    answer(quizzes, 40, 46)  # new answers add to the totals on the page at once
    assert figures(course)["piege"][0] == 46
    statistics.fold_answers(course.id)
    assert unfolded() == 0
    # As if nothing had ever been folded: the same.
    folded_figures = figures(course)
    db.session.execute(update(AttemptAnswer).values(folded=False))
    db.session.execute(delete(ItemTotal))
    db.session.execute(delete(ChoiceTotal))
    db.session.commit()
    assert figures(course) == folded_figures


def test_a_fold_leaves_alone_answers_another_fold_is_counting(quizzes, course, monkeypatch):
    answer(quizzes, 0, 3)
    real_update = statistics.update

    def meanwhile(*args):  # another fold marks one answer between this one's reading and marking
        db.session.execute(real_update(AttemptAnswer).where(AttemptAnswer.id == 1).values(folded=True))
        return real_update(*args)

    monkeypatch.setattr(statistics, "update", meanwhile)
    assert not statistics._fold_chunk(course, 1)
    db.session.expire_all()
    assert unfolded() == 3 * 6 and db.session.scalar(select(func.count()).select_from(ItemTotal)) == 0


def test_the_answers_left_to_fold_are_read_through_their_index(app, course):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    query = select(AttemptAnswer.question_id).where(*statistics._unfolded(course, 1))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[3] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "USING INDEX ix_attempt_answers_unfolded" in plan
