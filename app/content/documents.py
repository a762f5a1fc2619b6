"""Plain data objects produced by the content parser.

They hold what a course folder and its quizzes say, already rendered to sanitised HTML, and nothing
about the database: the importer, the CLI checker, the web editor and the tests all share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file, reported as ``path:line: message``."""

    path: str  # relative to the content root, with forward slashes, e.g. "courses/x/01-a.md"
    line: int  # 1-based line in that file
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ChoiceDoc:
    html: str  # sanitised inline HTML of the choice text
    correct: bool


@dataclass(frozen=True)
class QuestionDoc:
    key: str  # stable identity inside the quiz (slug of the heading, or explicit {#key})
    prompt_html: str  # sanitised HTML: the heading text plus any paragraphs before the task list
    choices: tuple[ChoiceDoc, ...]
    explanation_html: str  # sanitised HTML of the > block quote

    @property
    def multiple(self) -> bool:
        """Several right choices make a multiple-choice question (check boxes)."""
        return sum(c.correct for c in self.choices) > 1


@dataclass(frozen=True)
class QuizDoc:
    pass_mark: int  # percent, 0..100
    shuffle: bool
    questions: tuple[QuestionDoc, ...]
    source: str  # the raw file text, kept for versioning and download


@dataclass(frozen=True)
class ModuleDoc:
    slug: str
    position: int  # the NN of NN-slug.md
    title: str
    duration: int  # minutes
    objectives: tuple[str, ...]
    updated: date | None
    body_html: str
    quiz: QuizDoc | None
    source: str  # raw file text


@dataclass(frozen=True)
class CourseDoc:
    slug: str
    title: str
    summary: str
    language: str  # "fr" or "en"
    level: str
    duration: int  # minutes
    audience: str
    publisher: str
    updated: date
    intro_html: str
    modules: tuple[ModuleDoc, ...]
    source: str  # raw course.md text
    content_hash: str = ""  # sha256 over every file of the course and its quizzes


@dataclass
class CheckResult:
    """What checking a content root found: valid courses and the problems of the others."""

    courses: list[CourseDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # slugs of courses refused because of problems in their files
    refused: list[str] = field(default_factory=list)
