"""Item statistics for quiz authors: how often each question is right, and who gets it right.

Everything is aggregated in SQL, so the number of queries depends neither on the attempts nor on
the questions. The answers are summed once: a job (``fold_answers``, queued by about one quiz
submission in ``STATISTICS_FOLD_EVERY``) adds them to per-question totals (``ItemTotal``,
``ChoiceTotal``) and marks them folded; the page adds the totals to the few answers not folded
yet, so it reads the same few rows after a hundred attempts or a million.

* difficulty index *p*: the share of the times shown the question was answered right;
* discrimination: the point-biserial correlation between the question (right = 1, wrong = 0) and
  the learner's score on the attempt's *other* questions (``AttemptAnswer.rest``), i.e. the
  Pearson r over the answers that have a rest score. None when undefined (fewer than two such
  answers, or everyone right, everyone wrong, or the same rest score everywhere).
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import Integer, and_, any_, bindparam, case, false, func, select, union, union_all, update
from sqlalchemy.dialects import postgresql

from app.catalog.models import Course, Module, Question
from app.extensions import db
from app.i18n import gettext as _
from app.learning.models import AnswerChoice, AttemptAnswer, ChoiceTotal, ItemTotal, QuizAttempt

FOLD_CHUNK = 5000  # answers added to the totals per transaction
MIN_SHOWN = 30  # no flag before a question was shown this many times: too few answers to judge
TOO_EASY, TOO_HARD, RARE_OPTION = 0.95, 0.20, 0.05
EASY, HARD, NEGATIVE, RARE = "too-easy", "too-hard", "negative-discrimination", "rare-option"


def plain_text(html: str) -> str:
    """Sanitised HTML as one line of text, for the CSV and the command line."""
    return Markup(html).striptags()  # noqa: S704 - only stripped to text, never rendered


def option_letter(index: int) -> str:
    """A, B, C... for the options in the author's order (numbers past Z)."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


@dataclass(frozen=True)
class Flag:
    """Something a quiz author should look at: ``kind`` is one of EASY, HARD, NEGATIVE, RARE."""

    kind: str
    option: str = ""  # the option's letter, for RARE
    label: str = ""  # the option's text, for RARE

    def text(self) -> str:
        """The flag in the current language (needs a request or ``force_locale``)."""
        if self.kind == EASY:
            return _("Too easy: more than %(limit)d%% right", limit=round(TOO_EASY * 100))
        if self.kind == HARD:
            return _("Too hard: fewer than %(limit)d%% right", limit=round(TOO_HARD * 100))
        if self.kind == NEGATIVE:
            return _("Negative discrimination: learners who do well elsewhere miss it more often")
        if self.label:
            return _(
                "Option %(letter)s is almost never chosen: %(label)s", letter=self.option, label=self.label
            )
        return _("Option %(letter)s is almost never chosen", letter=self.option)


@dataclass(frozen=True)
class OptionStats:
    letter: str
    label_html: str  # sanitised at import, as shown to learners in that version
    right: bool | None  # None when this version's options could not be recovered
    chosen: int
    share: float | None  # chosen / times the question was shown; None if never shown
    rare: bool

    @property
    def label_text(self) -> str:
        return plain_text(self.label_html)


@dataclass(frozen=True)
class QuestionStats:
    key: str
    position: int
    prompt_text: str
    retired: bool
    shown: int
    right: int
    right_share: float | None  # difficulty index p; None if never shown
    discrimination: float | None
    options: tuple[OptionStats, ...]
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class QuizStats:
    module_id: int
    title: str
    is_final: bool
    questions: tuple[QuestionStats, ...]

    @property
    def shown(self) -> int:
        """Answers recorded over all of this quiz's questions."""
        return sum(q.shown for q in self.questions)


class AnswerSums(NamedTuple):
    """One question's row of the aggregate: counts and the sums Pearson's r needs."""

    shown: int
    right: int
    n: int  # answers with a rest score; x = right (0/1), y = rest
    sx: float
    sy: float
    syy: float
    sxy: float
    latest_attempt: int


def discrimination(n: int, sx: float, sy: float, syy: float, sxy: float) -> float | None:
    """Pearson's r between a 0/1 item and the rest score, from sums (Σx² = Σx for 0/1 values)."""
    if n < 2:
        return None
    var_x = n * sx - sx * sx
    var_y = n * syy - sy * sy
    # Sums of floats leave a rounding residue where the true variance is zero.
    if var_x <= 0 or var_y <= 1e-9 * max(1.0, n * syy):
        return None
    r = (n * sxy - sx * sy) / math.sqrt(var_x * var_y)
    return max(-1.0, min(1.0, r))


def _course_modules(course: Course):
    return select(Module.id).where(Module.course_id == course.id)


def _course_questions(course: Course):
    return select(Question.id).where(Question.module_id.in_(_course_modules(course)))


def _sums_query(*where):
    """Per question id: one GROUP BY over the answers that meet *where*, in AnswerSums' order."""
    a = AttemptAnswer
    x = case((a.correct, 1), else_=0)
    has_rest = a.rest.is_not(None)
    return (
        select(
            a.question_id,
            func.count(),
            func.sum(x),
            func.count(a.rest),
            func.sum(case((and_(has_rest, a.correct), 1), else_=0)),
            func.sum(a.rest),
            func.sum(a.rest * a.rest),
            func.sum(case((a.correct, a.rest), else_=0.0)),
            func.max(a.attempt_id),
        )
        .where(*where)
        .group_by(a.question_id)
    )


def _summed(query) -> dict[int, AnswerSums]:
    """The rows of *query* (question id, then AnswerSums' fields), added up per question id."""
    sums: dict[int, AnswerSums] = {}
    for row in db.session.execute(query):
        found = AnswerSums(
            int(row[1]),
            int(row[2] or 0),
            int(row[3] or 0),
            float(row[4] or 0),
            float(row[5] or 0),
            float(row[6] or 0),
            float(row[7] or 0),
            int(row[8]),
        )
        sums[row[0]] = _added(sums.get(row[0]), found)
    return sums


def _added(one: AnswerSums | None, other: AnswerSums) -> AnswerSums:
    if one is None:
        return other
    return AnswerSums(
        *(mine + theirs for mine, theirs in zip(one[:-1], other[:-1], strict=True)),
        max(one.latest_attempt, other.latest_attempt),
    )


def _unfolded(course: Course, version: int):
    """The version's answers not yet in the totals (read through a partial index)."""
    a = AttemptAnswer
    return (a.folded == false(), a.course_version == version, a.module_id.in_(_course_modules(course)))


def answer_sums(course: Course, version: int) -> dict[int, AnswerSums]:
    """Per question id of the course: its totals plus the answers not folded into them yet.

    One statement, so one snapshot on PostgreSQL too: a fold committed between two reads would
    leave its answers out of both."""
    t = ItemTotal
    totals = select(t.question_id, t.shown, t.right, t.n, t.sx, t.sy, t.syy, t.sxy, t.latest_attempt).where(
        t.course_version == version, t.question_id.in_(_course_questions(course))
    )
    return _summed(union_all(totals, _sums_query(*_unfolded(course, version))))


def choice_counts(course: Course, version: int) -> dict[int, dict[int, int]]:
    """How often each option was ticked: {question id: {option index: count}}, in one statement."""
    t, c = ChoiceTotal, AnswerChoice
    query = union_all(
        select(t.question_id, t.choice, t.chosen).where(
            t.course_version == version, t.question_id.in_(_course_questions(course))
        ),
        select(c.question_id, c.choice, func.count())
        .join(AttemptAnswer, AttemptAnswer.id == c.answer_id)
        .where(*_unfolded(course, version))
        .group_by(c.question_id, c.choice),
    )
    counts: dict[int, dict[int, int]] = {}
    _count_choices(query, counts)
    return counts


def _count_choices(query, counts: dict[int, dict[int, int]]) -> None:
    for question_id, choice, count in db.session.execute(query):
        options = counts.setdefault(question_id, {})
        options[choice] = options.get(choice, 0) + int(count)


def _among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL as one array parameter: a list of FOLD_CHUNK placeholders
    took most of a chunk's time there (270 ms)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(Integer)))
    return column.in_(ids)


def fold_answers(course_id: int) -> None:
    """The job: add the course's answers not yet counted to its totals and mark them folded,
    FOLD_CHUNK at a time, each chunk in a transaction of its own (SQLite's lock is held briefly).

    Answers never change once written, so totals plus the answers left are the figures exactly.
    Two folds of one course at once cannot count an answer twice: marking a chunk must change
    every row of it, else this fold leaves the chunk to the other.
    """
    course = db.session.get(Course, course_id)
    if course is None:
        return
    try:
        _fold(course)
    except Exception:
        db.session.rollback()  # run at once in a request, whose session must stay usable
        raise


def _fold(course: Course) -> None:
    a = AttemptAnswer
    unfolded = select(a.course_version).where(a.folded == false(), a.module_id.in_(_course_modules(course)))
    versions = db.session.scalars(unfolded.distinct()).all()
    for version in versions:
        while _fold_chunk(course, version):
            pass


def _fold_chunk(course: Course, version: int) -> bool:
    """Fold FOLD_CHUNK unfolded answers; True if there may be more."""
    a = AttemptAnswer
    # Any of them, in the index's order: sorting every unfolded answer for each chunk made a long
    # history's fold quadratic (28 s for 500,000 answers on PostgreSQL).
    ids = list(db.session.scalars(select(a.id).where(*_unfolded(course, version)).limit(FOLD_CHUNK)))
    if not ids:
        return False
    marked = db.session.execute(
        update(a)
        .where(_among(a.id, ids), a.folded == false())
        .values(folded=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != len(ids):  # another fold is counting some of them
        db.session.rollback()
        return False
    sums = _summed(_sums_query(_among(a.id, ids)))
    totals = {
        t.question_id: t
        for t in db.session.scalars(
            select(ItemTotal).where(ItemTotal.course_version == version, ItemTotal.question_id.in_(sums))
        )
    }
    for question_id, more in sums.items():
        row = totals.get(question_id)
        if row is None:
            db.session.add(ItemTotal(question_id=question_id, course_version=version, **more._asdict()))
            continue
        was = AnswerSums(*(getattr(row, name) for name in AnswerSums._fields))
        for name, value in _added(was, more)._asdict().items():
            setattr(row, name, value)
    chosen: dict[int, dict[int, int]] = {}
    _count_choices(
        select(AnswerChoice.question_id, AnswerChoice.choice, func.count())
        .where(_among(AnswerChoice.answer_id, ids))
        .group_by(AnswerChoice.question_id, AnswerChoice.choice),
        chosen,
    )
    options = {
        (t.question_id, t.choice): t
        for t in db.session.scalars(
            select(ChoiceTotal).where(
                ChoiceTotal.course_version == version, ChoiceTotal.question_id.in_(chosen)
            )
        )
    }
    for question_id, counts in chosen.items():
        for choice, count in counts.items():
            row = options.get((question_id, choice))
            if row is None:
                db.session.add(
                    ChoiceTotal(question_id=question_id, course_version=version, choice=choice, chosen=count)
                )
            else:
                row.chosen += count
    db.session.commit()
    return len(ids) == FOLD_CHUNK


def versions_with_answers(course: Course) -> list[int]:
    """The course versions some learner answered a quiz of, newest first (from the totals and
    the answers not folded yet: never the whole history)."""
    t, a = ItemTotal, AttemptAnswer
    query = union(
        select(t.course_version).where(t.question_id.in_(_course_questions(course))),
        select(a.course_version).where(a.folded == false(), a.module_id.in_(_course_modules(course))),
    )
    return sorted(db.session.scalars(query), reverse=True)


def _snapshots(attempt_ids: set[int]) -> dict[int, dict[str, dict]]:
    """The snapshot of each attempt, by question key: what learners saw in that version."""
    if not attempt_ids:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.results).where(QuizAttempt.id.in_(attempt_ids))
    )
    return {id_: {item.get("key"): item for item in results or ()} for id_, results in rows}


def _is_live(question: Question, module: Module) -> bool:
    return not question.retired and not module.retired and module.has_quiz


def item_statistics(course: Course, version: int) -> list[QuizStats]:
    """Every quiz of the course as answered in *version*, final test last.

    The current version also lists its questions nobody was shown yet. Option labels come from
    the question row for the current version (the row *is* that version) and otherwise from the
    latest attempt of that version showing the question: a question edited since keeps the words
    learners actually saw. Labels that cannot be recovered are shown as bare letters.
    """
    modules = {m.id: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    questions = {
        q.id: q
        for q in db.session.scalars(select(Question).where(Question.module_id.in_(_course_modules(course))))
    }
    sums = answer_sums(course, version)
    counts = choice_counts(course, version)
    current = version == course.version
    from_row = {qid for qid, q in questions.items() if current and _is_live(q, modules[q.module_id])}
    included = (set(sums) | from_row) & set(questions)
    snapshots = _snapshots({sums[qid].latest_attempt for qid in included - from_row})

    by_module: dict[int, list[QuestionStats]] = {}
    for qid in included:
        question = questions[qid]
        if qid in from_row:
            seen = {"prompt_html": question.prompt_html, "choices": question.choices}
        else:
            seen = snapshots.get(sums[qid].latest_attempt, {}).get(question.key)
        stats = question_stats(question, sums.get(qid), counts.get(qid, {}), seen)
        by_module.setdefault(question.module_id, []).append(stats)
    ordered = sorted(by_module, key=lambda mid: (modules[mid].is_final, modules[mid].position, mid))
    return [
        QuizStats(
            module_id=mid,
            title=modules[mid].title,
            is_final=modules[mid].is_final,
            questions=tuple(sorted(by_module[mid], key=lambda q: (q.position, q.key))),
        )
        for mid in ordered
    ]


def question_stats(question: Question, sums: AnswerSums | None, counts: dict[int, int], seen: dict | None):
    """One question's figures; *seen* is what learners saw (prompt_html, choices), None if unknown."""
    shown = sums.shown if sums else 0
    choices = [(c["html"], bool(c["correct"])) for c in seen["choices"]] if seen else []
    if any(index >= len(choices) or index < 0 for index in counts):
        choices = []  # the answers do not fit these options: better no label than a wrong one
    if not choices:
        width = max(counts, default=-1) + 1
        choices = [("", None)] * max(width, 0)
    options = []
    for index, (html, right) in enumerate(choices):
        chosen = counts.get(index, 0)
        share = chosen / shown if shown else None
        rare = shown >= MIN_SHOWN and share is not None and share < RARE_OPTION
        options.append(OptionStats(option_letter(index), html, right, chosen, share, rare))
    right_share = sums.right / shown if sums and shown else None
    r = discrimination(sums.n, sums.sx, sums.sy, sums.syy, sums.sxy) if sums else None
    return QuestionStats(
        key=question.key,
        position=question.position,
        prompt_text=plain_text(seen["prompt_html"] if seen else question.prompt_html),
        retired=question.retired,
        shown=shown,
        right=sums.right if sums else 0,
        right_share=right_share,
        discrimination=r,
        options=tuple(options),
        flags=flags(shown, right_share, r, options),
    )


def flags(
    shown: int, right_share: float | None, r: float | None, options: list[OptionStats]
) -> tuple[Flag, ...]:
    """The weak spots of a question, once it was shown MIN_SHOWN times."""
    if shown < MIN_SHOWN or right_share is None:
        return ()
    found = []
    if right_share > TOO_EASY:
        found.append(Flag(EASY))
    if right_share < TOO_HARD:
        found.append(Flag(HARD))
    if r is not None and r < 0:
        found.append(Flag(NEGATIVE))
    found += [Flag(RARE, o.letter, o.label_text) for o in options if o.rare]
    return tuple(found)
