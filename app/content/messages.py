"""Every problem message the content checker can report, in one place.

Messages are short lower-case English saying what is wrong and what is expected. They are plain
format strings and small functions so that they can be wrapped for translation later without
touching the parser. docs/authoring.md lists them all: keep both in step.

Warnings (``Notice``) are different: they are translated where they are shown, so each one is an
English %-format template with named parameters, marked with ``N_()`` for extraction.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark *message* for extraction (``pybabel extract -k N_``) without translating it here."""
    return message


# --- files and folders -------------------------------------------------------------------------
NOT_UTF8 = "file is not valid UTF-8"
FILE_OUTSIDE_COURSE = "unexpected file; a course is a folder courses/<course-slug>/"
MISSING_COURSE_MD = "course.md is missing"
NO_MODULE = "course has no module (files named NN-slug.md)"
BAD_MODULE_NAME = "module file name must look like NN-slug.md"
MODULE_SLUG_TOO_LONG = "module slug is longer than 80 characters"
UNEXPECTED_COURSE_FILE = "unexpected file; images go under static/"
UNEXPECTED_SUBFOLDER = "unexpected sub-folder; a course folder holds only course.md and NN-slug.md files"
BAD_QUIZ_PATH = "quiz file must be quizzes/<course-slug>/<module-slug>.md"
RESERVED_MODULE_SLUG = "module slug 'final' is reserved for the final test (quizzes/<course-slug>/final.md)"


def bad_course_slug(folder: str) -> str:
    """The course folder name is not a valid slug."""
    return (
        f"course folder name '{folder}' must be lower-case letters, digits and hyphens"
        " (at most 80 characters)"
    )


def duplicate_module_number(number: str, earlier: str) -> str:
    """Two module files share the same NN."""
    return f"module number {number} is already used by {earlier}"


def duplicate_module_slug(slug: str, earlier: str) -> str:
    """Two module files share the same slug."""
    return f"module slug '{slug}' is already used by {earlier}"


def unknown_quiz_course(course: str) -> str:
    """A quiz folder names a course folder that does not exist."""
    return f"quiz for unknown course '{course}' (no courses/{course}/ folder)"


def unknown_quiz_module(module: str, course: str) -> str:
    """A quiz file names a module that does not exist in its course."""
    return f"quiz for unknown module '{module}' (no courses/{course}/NN-{module}.md)"


# --- front matter --------------------------------------------------------------------------------
NO_FRONT_MATTER = "missing front matter (a first line '---')"
UNCLOSED_FRONT_MATTER = "front matter is not closed (no second '---' line)"
NOT_A_MAPPING = "front matter must be 'field: value' lines"
YAML_TOO_DEEP = "front matter is nested too deeply"


def invalid_yaml(problem: str) -> str:
    """The front matter is not valid YAML; *problem* is PyYAML's own description."""
    return f"front matter is not valid YAML: {problem}"


def missing_field(name: str) -> str:
    """A required front-matter field is absent."""
    return f"missing required field '{name}'"


def unknown_field(name: str, allowed: list[str]) -> str:
    """A front-matter field is not part of the format (often a typo)."""
    return f"unknown field '{name}'; expected one of: {', '.join(allowed)}"


def duplicate_field(name: str, first_line: int) -> str:
    """A front-matter field appears twice (YAML would silently keep the last one)."""
    return f"field '{name}' is given twice (first on line {first_line})"


def must_be_text(name: str) -> str:
    """A field needs a non-empty string."""
    return f"'{name}' must be a non-empty text"


def too_long(name: str, limit: int) -> str:
    """A text field is longer than the database column holding it."""
    return f"'{name}' must be at most {limit} characters"


def must_be_text_list(name: str) -> str:
    """A field needs a non-empty list of non-empty strings."""
    return f"'{name}' must be a non-empty list of texts"


def item_must_be_text(name: str) -> str:
    """One item of a list field is not a non-empty string."""
    return f"every item of '{name}' must be a non-empty text"


def must_be_date(name: str) -> str:
    """A field needs a YAML date."""
    return f"'{name}' must be a date written YYYY-MM-DD (without quotes)"


def must_be_minutes(name: str) -> str:
    """A field needs a positive whole number of minutes."""
    return f"'{name}' must be a positive whole number of minutes"


def too_many_minutes(name: str, limit: int) -> str:
    """A duration is beyond any sensible course length (and the database integer)."""
    return f"'{name}' must be at most {limit} minutes"


def must_be_percent(name: str) -> str:
    """A field needs a whole number from 0 to 100."""
    return f"'{name}' must be a whole number from 0 to 100"


def must_be_whole(name: str, low: int, high: int | None = None) -> str:
    """A field needs a whole number of at least *low* (and at most *high*, when given)."""
    if high is None:
        return f"'{name}' must be a whole number of at least {low}"
    return f"'{name}' must be a whole number from {low} to {high}"


def must_be_bool(name: str) -> str:
    """A field needs true or false."""
    return f"'{name}' must be true or false"


def must_be_one_of(name: str, choices: tuple[str, ...]) -> str:
    """A field needs one value out of a closed list."""
    quoted = [f"'{c}'" for c in choices]
    return f"'{name}' must be {', '.join(quoted[:-1])} or {quoted[-1]}"


# --- bodies --------------------------------------------------------------------------------------
EMPTY_INTRO = "course introduction is empty"
EMPTY_MODULE = "module body is empty"
TOO_DEEP = "markdown is nested too deeply (lists or quotes inside each other)"
MAX_BRACKETS = 1000  # Python-Markdown's link search is quadratic in unmatched '[': bound the cost
TOO_MANY_BRACKETS = f"too many '[' characters (at most {MAX_BRACKETS} per file)"

# --- quizzes -------------------------------------------------------------------------------------
TEXT_BEFORE_QUESTION = "text before the first question (a '## ' heading)"
EMPTY_QUIZ = "quiz has no question (a '## ' heading)"
EMPTY_QUESTION_TEXT = "question text is empty"
BAD_QUESTION_KEY = "question key must be lower-case letters, digits and hyphens, like {#my-key}"
KEY_TOO_LONG = "question key is longer than 120 characters; add a shorter one like {#my-key}"
NO_QUESTION_KEY = "question text gives an empty key; add one like {#my-key}"
NO_RIGHT_ANSWER = "question has no right answer (mark one with [x])"
TOO_FEW_CHOICES = "question needs at least two choices"
NO_EXPLANATION = "question has no explanation (a '>' block quote after the choices)"
NOT_A_CHOICE = "choice must start with [ ] or [x]"
EMPTY_CHOICE = "choice text is empty"
CHOICES_NOT_CONTIGUOUS = "choices must be contiguous (no blank line or text between them)"
TEXT_BEFORE_EXPLANATION = "text between the choices and the explanation; start the explanation with '>'"
TEXT_AFTER_EXPLANATION = "text after the explanation; start the next question with '## '"


def duplicate_question_key(key: str, first_line: int) -> str:
    """Two questions of one quiz share a key."""
    return f"duplicate question key '{key}' (first used on line {first_line})"


def draw_too_large(draw: int, count: int) -> str:
    """The quiz draws more questions than it has."""
    return f"'draw' is {draw} but the quiz has only {count} question(s)"


def draw_not_group_sum(total: int) -> str:
    """With groups, the quiz's draw is the sum of theirs."""
    return f"'draw' must be the sum of the groups' draws ({total}), or be left out"


# --- groups and option feedback ------------------------------------------------------------------
GROUP_WITHOUT_DRAW = "group heading needs its draw at the end, like '# Title {draw=2}'"
BAD_GROUP_DRAW = "group draw must be a whole number of at least 1, like {draw=2}"
EMPTY_GROUP_TITLE = "group title is empty"
NO_GROUP_KEY = "group title gives an empty key; use letters or digits in it"
GROUP_KEY_TOO_LONG = "group title is longer than 120 characters once made a key; shorten it"
EMPTY_GROUP = "group has no question (a '## ' heading after it)"
TEXT_BEFORE_GROUP_QUESTION = "text between a group heading and its first question (a '## ' heading)"
QUESTION_BEFORE_GROUP = (
    "question before the first group; once a quiz has groups ('# Title {draw=N}'), every question"
    " belongs to one"
)
EMPTY_FEEDBACK = "feedback is empty (write it after '  > ')"
TEXT_AFTER_FEEDBACK = (
    "indented text after a choice's feedback; write the choice's text before its feedback,"
    " and start every feedback line with '  > '"
)


def group_draw_too_large(draw: int, count: int) -> str:
    """A group draws more questions than it holds."""
    return f"group draws {draw} question(s) but has only {count}"


def duplicate_group_key(key: str, first_line: int) -> str:
    """Two groups of one quiz share a key."""
    return f"duplicate group key '{key}' (first used on line {first_line})"


# --- warnings (translated where shown) ---------------------------------------------------------
LONGEST_IS_RIGHT = N_(
    "the right answer is the longest option in %(count)d of the %(total)d single-answer questions"
    " (%(share)d%%, more than 40%%): learners can guess it by its length"
)
ABSOLUTE_WORD = N_(
    "'%(word)s' is in a wrong option and no right option has such an absolute word:"
    " it gives the wrong answer away"
)
CATCH_ALL = N_(
    "catch-all option ('all of the above', 'none of these'...): it tests nothing;"
    " write a plausible wrong answer instead"
)
SAME_OPTION = N_("this option is the same as the one on line %(line)d")
SMALL_POOL = N_(
    "the quiz draws %(draw)d of its %(size)d questions: with fewer than %(needed)d (twice the draw),"
    " attempts keep showing the same questions"
)
SMALL_GROUP = N_(
    "the group draws %(draw)d of its %(size)d questions: with fewer than %(needed)d (twice the draw),"
    " attempts keep showing the same questions"
)
NO_FEEDBACK = N_("option without feedback: add a '  > ' line under it saying why it is right or wrong")
MODULE_DURATION = N_(
    "'duration' is %(declared)d minutes but the module takes about %(estimate)d: %(words)d words"
    " read at 200 a minute and %(questions)d quiz question(s) at 45 seconds each"
)
COURSE_DURATION = N_(
    "'duration' is %(declared)d minutes but the modules' durations add up to %(modules)d and the"
    " final test takes about %(final)d: %(total)d in all"
)
COURSE_DURATION_NO_FINAL = N_(
    "'duration' is %(declared)d minutes but the modules' durations add up to %(total)d"
)
WARNINGS = (
    LONGEST_IS_RIGHT,
    ABSOLUTE_WORD,
    CATCH_ALL,
    SAME_OPTION,
    SMALL_POOL,
    SMALL_GROUP,
    NO_FEEDBACK,
    MODULE_DURATION,
    COURSE_DURATION,
    COURSE_DURATION_NO_FINAL,
)
