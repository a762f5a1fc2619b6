"""The bundled catalogue meets the editorial bar a school or a union can assign as it is.

These tests read the repository's own `courses/` and `quizzes/` through the same checker as
`flask content check`, then hold every course to the rules of the curriculum (December 2026
edition): module count and length, objectives, a dated text ending with « À retenir » and its
sources, a model document per course, quizzes drawn from pools of at least 18 explained
questions grouped by objective with feedback under every option, a final test per course, no
warning from `content check --strict` (no cue to the answer, honest durations), no adopted text
presented as pending, and French typography. tests/learning/test_strategies.py plays four
no-knowledge strategies against every bundled quiz.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from app.content.checker import check_root
from app.content.documents import CourseDoc, ModuleDoc, QuestionDoc, QuizDoc
from app.content.model_document import model_document
from app.content.quiz import plain_text

ROOT = Path(__file__).parents[2]
COURSE_SLUGS = sorted(p.name for p in (ROOT / "courses").iterdir() if (p / "course.md").is_file())
# The English edition (issue 15), written course by course with the same slugs, module slugs and
# question keys; held to the same bar in English (its own headings and typography).
EN_ROOT = ROOT / "en"
EN_SLUGS = sorted(p.name for p in (EN_ROOT / "courses").glob("*") if (p / "course.md").is_file())
EDITIONS = [("fr", slug) for slug in COURSE_SLUGS] + [("en", slug) for slug in EN_SLUGS]
# What each edition calls its last two sections, and what a model document says it is not.
TAKEAWAYS = {"fr": "À retenir", "en": "Key points"}
NOT_ADVICE = {
    "fr": ("pas un avis juridique", "point de départ"),
    "en": ("not legal advice", "starting point"),
}

MIN_COURSES = 7
MODULES = range(3, 6)
WORDS = range(800, 1501)
WORDS_WITH_MODEL = range(800, 2001)  # the module that holds the course's model document
POOL, DRAWN = 18, 9  # each module quiz: a pool of at least 18, nine questions an attempt
FINAL_POOL, FINAL_DRAWN = 24, 12
MAX_CHOICES = 4
# An adopted text presented as pending (the AI Act omnibus was adopted in June 2026).
PENDING = re.compile(
    r"(adoption|adopté)[^.]{0,60}(non|pas) (encore )?confirmée?|tel que rapporté|accord politique provisoire",
    re.I,
)
# A deadline said to fall "today" is wrong from the next day on: the date is written instead.
TODAY = re.compile(
    r"(s’achève|expire|prend fin|depuis) aujourd’hui|aujourd’hui, \d"
    r"|\b(ends|expires|from|since) today\b|\btoday, \d",
    re.I,
)
# A deadline said to end on a day (« s’achève le 2 décembre 2026 », "ends on 2 December 2026").
ENDS_ON = re.compile(
    r"(?:s’achève|expire|prend fin|ends|expires) (?:le|on) (\d{1,2})(?:er)? ([a-zéû]+) (\d{4})", re.I
)
MONTHS = {
    **{
        m: n
        for n, m in enumerate(
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(), 1
        )
    },
    **{
        m: n
        for n, m in enumerate(
            "january february march april may june july august september october november december".split(), 1
        )
    },
}
WORD = re.compile(r"\w+(?:[’'-]\w+)*")
H2 = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)
# Titles of foreign works and documents are in italics and keep their own typography.
ITALICS = re.compile(r"<(em|i)>.*?</\1>", re.S)
# Choices that test nothing: the wrong answers must each be a real misconception.
CATCH_ALL = re.compile(
    r"aucune de(s| ces) (réponses|propositions)|toutes les réponses|none of the above", re.I
)
# French typography: a no-break space (U+00A0 or U+202F) before « : ; ? ! » » and after « « ».
TYPOGRAPHY = [
    (re.compile(r"[ \t][:;?!»]"), "ordinary space before a high punctuation mark or »"),
    (re.compile(r"\w[;?!»]"), "no space before ; ? ! or »"),
    (re.compile(r"\w:(?![/\d])"), "no space before :"),
    (re.compile(r"«[^\u00a0\u202f]"), "no no-break space after «"),
    (re.compile(r"\""), "straight double quote instead of « »"),
    (re.compile(r"'"), "straight apostrophe instead of ’"),
]


@cache
def catalogue(language: str = "fr"):
    return check_root(ROOT if language == "fr" else EN_ROOT)


@cache
def course(slug: str, language: str = "fr") -> CourseDoc:
    found = [c for c in catalogue(language).courses if c.slug == slug]
    assert found, f"{slug} was refused by the checker: {[str(p) for p in catalogue(language).problems]}"
    return found[0]


def prose(html: str) -> str:
    """The text a learner reads, without code samples (robots.txt lines, file names)."""
    return plain_text(CODE.sub(" ", html))


def words(html: str) -> int:
    return len(WORD.findall(prose(html)))


def question_text(question: QuestionDoc) -> str:
    return " ".join(prose(question.prompt_html).split()).casefold()


def sections(module: ModuleDoc) -> list[str]:
    return [plain_text(h).strip() for h in H2.findall(module.body_html)]


def typography_faults(text: str) -> list[str]:
    faults = []
    for pattern, what in TYPOGRAPHY:
        for match in pattern.finditer(text):
            around = text[max(match.start() - 30, 0) : match.end() + 30].replace("\n", " ")
            faults.append(f"{what}: …{around}…")
    return faults


def quizzes(doc: CourseDoc) -> list[tuple[str, QuizDoc]]:
    """Every quiz of a course, its final test last, named for messages."""
    found = [(m.slug, m.quiz) for m in doc.modules if m.quiz is not None]
    return found + ([("final", doc.final)] if doc.final is not None else [])


def test_content_check_reports_nothing():
    result = catalogue()
    assert [str(p) for p in result.problems] == []
    assert result.refused == []
    assert sorted(c.slug for c in result.courses) == COURSE_SLUGS


def test_content_check_strict_is_clean():
    """No cue to the answer, no option without feedback, no small pool, no unlikely duration."""
    assert [str(n) for n in catalogue().warnings] == []


def test_catalogue_has_at_least_seven_courses():
    assert len(COURSE_SLUGS) >= MIN_COURSES


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_two_questions_are_identical(language):
    counts = Counter(
        question_text(q)
        for c in catalogue(language).courses
        for _, quiz in quizzes(c)
        for q in quiz.questions
    )
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_course_front_matter(language, slug):
    doc = course(slug, language)
    assert doc.language == language
    assert doc.summary and doc.audience and doc.publisher
    assert doc.updated <= date.today()
    assert len(doc.modules) in MODULES, f"{len(doc.modules)} modules"


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_every_module_is_dated_with_objectives_and_in_length(language, slug):
    for module in course(slug, language).modules:
        assert module.objectives, module.slug
        assert module.updated is not None and module.updated <= date.today(), module.slug
        bar = WORDS_WITH_MODEL if model_document(module.body_html) else WORDS
        assert words(module.body_html) in bar, f"{module.slug}: {words(module.body_html)} words"


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_every_course_has_a_model_document_a_professional_can_use(language, slug):
    documents = [model_document(m.body_html) for m in course(slug, language).modules]
    found = [d for d in documents if d is not None]
    assert found, f"{slug}: no module has a « Modèle : … » section"
    for document in found:
        text = plain_text(document.html)
        assert len(WORD.findall(text)) >= 150, f"{slug}: « {document.title} » is too short to use"
        assert any(words in text for words in NOT_ADVICE[language]), document.title


def every_text(doc: CourseDoc, scenarios: bool = True) -> list[str]:
    """The course's introduction, modules and quizzes (feedback, explanations and, with
    ``scenarios``, prompts and options, which may set a day of their own) as plain text."""
    texts = [doc.intro_html] + [m.body_html for m in doc.modules]
    for _, quiz in quizzes(doc):
        texts += [q.explanation_html for q in quiz.questions]
        texts += [c.feedback_html for q in quiz.questions for c in q.choices]
        if scenarios:
            texts += [q.prompt_html for q in quiz.questions]
            texts += [c.html for q in quiz.questions for c in q.choices]
    return [plain_text(text) for text in texts]


def test_no_adopted_text_is_presented_as_pending():
    for doc in catalogue().courses:
        found = [m.group(0) for text in every_text(doc) for m in PENDING.finditer(text)]
        assert found == [], f"{doc.slug}: {found}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_deadline_is_said_to_end_on_a_day_already_past_when_checked(language):
    """A module checked on 2 December 2026 says a period « a pris fin » that day, not « s’achève »
    (quizzes may set their scene before the day, so only the course's own texts are read)."""
    for doc in catalogue(language).courses:
        texts = [(doc.updated, doc.intro_html)]
        texts += [(m.updated or doc.updated, m.body_html) for m in doc.modules]
        for checked, html in texts:
            for found in ENDS_ON.finditer(plain_text(html)):
                day, month, year = found.groups()
                if month.lower() in MONTHS:
                    ends = date(int(year), MONTHS[month.lower()], int(day))
                    assert ends > checked, f"{doc.slug}: « {found.group(0)} », checked {checked}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_deadline_is_said_to_fall_today(language):
    """Read a week later, « ce délai s’achève aujourd’hui » is false: the date is written. A
    question may set its scene on a day (« Le 2 décembre 2026, Romain… ») and say « today » there."""
    for doc in catalogue(language).courses:
        found = [m.group(0) for text in every_text(doc, scenarios=False) for m in TODAY.finditer(text)]
        assert found == [], f"{doc.slug}: {found}"


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_every_module_ends_with_takeaways_and_sources(language, slug):
    heading = TAKEAWAYS[language]
    for module in course(slug, language).modules:
        assert sections(module)[-2:] == [heading, "Sources"], module.slug
        takeaways, sources = module.body_html.split(f">{heading}</h2>")[1].split(">Sources</h2>")
        assert "<li>" in takeaways, f"{module.slug}: « {heading} » is not a list"
        assert sources.count("<li>") >= 2, f"{module.slug}: fewer than two sources"


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_every_quiz_meets_the_bar(language, slug):
    for module in course(slug, language).modules:
        quiz = module.quiz
        assert quiz is not None, f"{module.slug} has no quiz"
        questions = quiz.questions
        assert len(questions) >= POOL and quiz.drawn == DRAWN, (module.slug, len(questions), quiz.drawn)
        # One group per objective, so that every attempt asks about each of them.
        assert len(quiz.groups) >= len(module.objectives), f"{module.slug}: fewer groups than objectives"
        for group in quiz.groups:
            size = sum(q.group == group.key for q in questions)
            assert size >= 2 * group.draw, f"{module.slug}: « {group.title} » draws {group.draw} of {size}"
        for q in questions:
            where = f"{module.slug}#{q.key}"
            assert 2 <= len(q.choices) <= MAX_CHOICES, where
            assert words(q.explanation_html) >= 25, f"{where}: the explanation is too short to teach"
            assert not any(CATCH_ALL.search(plain_text(c.html)) for c in q.choices), where
            assert all(words(c.feedback_html) >= 3 for c in q.choices), f"{where}: an option has no feedback"
        assert any(q.multiple for q in questions), f"{module.slug}: no multiple-choice question"
        assert sum(not q.multiple for q in questions) >= 2, f"{module.slug}: too few single-choice questions"
        scenarios = sum(len(re.findall(r"<p>", q.prompt_html)) > 1 for q in questions)
        assert scenarios * 2 > len(questions), (
            f"{module.slug}: {scenarios} scenario questions of {len(questions)}"
        )


@pytest.mark.parametrize(("language", "slug"), EDITIONS)
def test_every_course_has_a_final_test_over_every_module(language, slug):
    doc = course(slug, language)
    final = doc.final
    assert final is not None, f"{slug}: no quizzes/{slug}/final.md"
    assert len(final.questions) >= FINAL_POOL and final.drawn == FINAL_DRAWN, (
        len(final.questions),
        final.drawn,
    )
    assert len(final.groups) == len(doc.modules), "one group per module"
    for group in final.groups:
        assert sum(q.group == group.key for q in final.questions) >= 2 * group.draw, group.title
    for q in final.questions:
        assert 2 <= len(q.choices) <= MAX_CHOICES, q.key
        assert words(q.explanation_html) >= 25, f"final#{q.key}: the explanation is too short to teach"
        assert all(words(c.feedback_html) >= 3 for c in q.choices), (
            f"final#{q.key}: an option has no feedback"
        )
    scenarios = sum(len(re.findall(r"<p>", q.prompt_html)) > 1 for q in final.questions)
    assert scenarios * 2 > len(final.questions), f"{scenarios} scenario questions of {len(final.questions)}"


@pytest.mark.parametrize("slug", COURSE_SLUGS)
def test_french_typography(slug):
    def prose(html: str) -> str:
        return plain_text(CODE.sub(" ", ITALICS.sub(" ", html)))

    doc = course(slug)
    texts = [doc.title, doc.summary, doc.audience, prose(doc.intro_html)]
    for module in doc.modules:
        texts += [module.title, *module.objectives, prose(module.body_html)]
    for _, quiz in quizzes(doc):
        for q in quiz.questions:
            texts += [prose(q.prompt_html), prose(q.explanation_html)]
            texts += [prose(c.html) for c in q.choices] + [prose(c.feedback_html) for c in q.choices]
    faults = [fault for text in texts for fault in typography_faults(text)]
    assert faults == []


# The English edition --------------------------------------------------------------------------


def test_the_english_edition_checks_clean_even_strict():
    result = catalogue("en")
    assert [str(p) for p in result.problems] == [] and result.refused == []
    assert [str(n) for n in result.warnings] == []
    assert set(EN_SLUGS) <= set(COURSE_SLUGS), "an English course with no French original"


@pytest.mark.parametrize("slug", EN_SLUGS)
def test_the_english_edition_asks_the_same_questions(slug):
    """Same modules, question keys, choices and right answers: a learner who switches language
    keeps their progress, and an attempt means the same in both."""
    french, english = course(slug), course(slug, "en")
    assert [m.slug for m in english.modules] == [m.slug for m in french.modules]

    def shape(doc):
        """Per quiz: draws, pass mark, each group's draw, and each question's key, group (by
        position: a group's key is its translated title's slug) and right options."""
        found = []
        for name, quiz in quizzes(doc):
            position = {group.key: index for index, group in enumerate(quiz.groups)}
            questions = [
                (q.key, position.get(q.group), [c.correct for c in q.choices]) for q in quiz.questions
            ]
            found.append((name, quiz.drawn, quiz.pass_mark, [g.draw for g in quiz.groups], questions))
        return found

    assert shape(english) == shape(french)


@pytest.mark.parametrize("slug", EN_SLUGS)
def test_english_typography(slug):
    """English punctuation: no space before : ; ? !, no French quotation marks."""

    def prose(html: str) -> str:
        """Code samples and italic titles (which keep their own typography) stand as one word."""
        return plain_text(CODE.sub("code", ITALICS.sub("title", html)))

    doc = course(slug, "en")
    texts = [doc.title, doc.summary, doc.audience, prose(doc.intro_html)]
    for module in doc.modules:
        texts += [module.title, *module.objectives, prose(module.body_html)]
    for _, quiz in quizzes(doc):
        for q in quiz.questions:
            texts += [prose(q.prompt_html), prose(q.explanation_html)]
            texts += [prose(c.html) + " " + prose(c.feedback_html) for c in q.choices]
    faults = [
        text[max(m.start() - 30, 0) : m.end() + 30]
        for text in texts
        for m in re.finditer(r"[\u00a0\u202f ][:;?!]|[«»]", text)
    ]
    assert faults == []
