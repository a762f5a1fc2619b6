"""Plain data objects produced by the content parser.

They hold what a course folder and its quizzes say, already rendered to sanitised HTML, and nothing
about the database: the importer, the CLI checker, the web editor and the tests all share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .licences import ALL_RIGHTS_RESERVED


class Message(str):
    """A checker message: its English text, which knows how to say itself in another language.

    The value is the English text, so comparing, printing and ``in`` work as on any string;
    ``template`` is the English %-format string marked ``N_()`` in app/content/messages.py and
    ``params`` its values (str and int only), so ``text(gettext)`` translates it where it is shown.
    """

    template: str
    params: tuple[tuple[str, str | int], ...]

    def __new__(cls, template: str, /, **params: str | int) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = tuple(sorted(params.items()))
        return self

    def __getnewargs_ex__(self):  # pickled as template and params (the checker may run in a child process)
        return (self.template,), dict(self.params)

    def text(self, gettext=None) -> str:
        """The message, translated by *gettext* when given."""
        template = gettext(self.template) if gettext is not None else self.template
        if not self.params:
            return template
        try:
            return template % dict(self.params)
        except (KeyError, ValueError, TypeError):  # a faulty translation: the English still reads
            return str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file, reported as ``path:line: message``.

    ``message`` is a Message (translated where shown, like a Notice) or, for problems stored
    before messages were translatable, the plain English text, shown as it is.
    """

    path: str  # relative to the content root, with forward slashes, e.g. "courses/x/01-a.md"
    line: int  # 1-based line in that file
    message: str

    def text(self, gettext=None) -> str:
        """The message, translated by *gettext* when given and known to the catalogue."""
        if isinstance(self.message, Message):
            return self.message.text(gettext)
        # A plain string has no parameters: the catalogue may still know it word for word.
        return gettext(self.message) if gettext is not None else str(self.message)

    def located(self, gettext=None) -> str:
        """``path:line: message``, the message translated by *gettext* when given."""
        return f"{self.path}:{self.line}: {self.text(gettext)}" if self.path else self.text(gettext)

    def to_json(self) -> dict:
        if isinstance(self.message, Message):
            template, params = self.message.template, dict(self.message.params)
        else:
            template, params = str(self.message), {}
        return {"path": self.path, "line": self.line, "template": template, "params": params}

    @classmethod
    def from_json(cls, data: dict | str) -> Problem:
        """A problem as stored with a draft: a to_json() dict, or the "path:line: message" of old."""
        if isinstance(data, str):
            path, _colon, rest = data.partition(":")
            line, _sep, message = rest.partition(": ")
            if not line.isdigit():  # not in the old shape either: show it whole
                return cls("", 0, data)
            return cls(path, int(line), message)
        return cls(data["path"], data["line"], Message(data["template"], **data["params"]))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Notice:
    """A warning about content that is valid but weak (a cue to the answer, a wrong duration...).

    It never refuses a course (unless ``content check --strict``). ``template`` is an English
    %-format string marked for translation in app/content/messages.py and ``params`` its values
    (str and int only), so the message is translated where it is shown: in the interface's
    language on the web, in the chosen one on the command line.
    """

    path: str
    line: int
    template: str
    params: tuple[tuple[str, str | int], ...] = ()

    def text(self, gettext=None) -> str:
        """The message, translated by *gettext* when given."""
        template = gettext(self.template) if gettext is not None else self.template
        return template % dict(self.params) if self.params else template

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "template": self.template, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict) -> Notice:
        return cls(data["path"], data["line"], data["template"], tuple(sorted(data["params"].items())))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.text()}"


@dataclass(frozen=True)
class ChoiceDoc:
    html: str  # sanitised inline HTML of the choice text
    correct: bool
    feedback_html: str = ""  # sanitised HTML of the choice's own "  > " feedback, if any


@dataclass(frozen=True)
class QuestionDoc:
    key: str  # stable identity inside the quiz (slug of the heading, or explicit {#key})
    prompt_html: str  # sanitised HTML: the heading text plus any paragraphs before the task list
    choices: tuple[ChoiceDoc, ...]
    explanation_html: str  # sanitised HTML of the > block quote
    group: str = ""  # key of the question's group ("# Title {draw=N}" heading), "" without groups

    @property
    def multiple(self) -> bool:
        """Several right choices make a multiple-choice question (check boxes)."""
        return sum(c.correct for c in self.choices) > 1


@dataclass(frozen=True)
class GroupDoc:
    """A group of questions of which each attempt draws exactly ``draw``."""

    key: str  # slug of the group's title
    title: str
    draw: int


REVIEW_AFTER_PASS, REVIEW_ALWAYS = "after-pass", "always"


@dataclass(frozen=True)
class QuizDoc:
    pass_mark: int  # percent, 0..100
    shuffle: bool
    questions: tuple[QuestionDoc, ...]
    source: str  # the raw file text, kept for versioning and download
    draw: int | None = None  # questions per attempt; None: every question
    review: str = REVIEW_AFTER_PASS  # when the key and explanations are shown
    attempts_per_day: int = 3  # failed attempts allowed in any 24 hours
    groups: tuple[GroupDoc, ...] = ()

    @property
    def drawn(self) -> int:
        """How many questions one attempt shows."""
        if self.groups:
            return sum(g.draw for g in self.groups)
        return self.draw if self.draw is not None else len(self.questions)


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
    final: QuizDoc | None = None  # quizzes/<course>/final.md: required for the certificate
    final_duration: int = 0  # minutes estimated for the final test (about 45 s a question drawn)
    # Images given as bytes (a repository's images/ folder), encoded again (content.images.
    # PreparedImage), for the importer to store; a draft's images are references, stored already.
    images: tuple = ()
    licence: str = ALL_RIGHTS_RESERVED  # an SPDX identifier out of content.licences.LICENCES
    translation_of: str = ""  # the slug of the course this one translates (a publisher's edition)


@dataclass
class CheckResult:
    """What checking a content root found: valid courses and the problems of the others."""

    courses: list[CourseDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)  # never refuse a course
    # slugs of courses refused because of problems in their files
    refused: list[str] = field(default_factory=list)
