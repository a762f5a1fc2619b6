"""Every message the content checker can report, in one place.

Messages are short lower-case English saying what is wrong and what is expected. Each one is an
English %-format template with named parameters, marked with ``N_()`` for extraction, and is
translated where it is shown: in the interface's language on the web, in the chosen one on the
command line. Problems are ``Message`` values (their English text, which knows its template);
warnings (``Notice``) carry the bare template. docs/authoring.md lists them all: keep both in step.
"""

from __future__ import annotations

from .documents import Message


def N_(message: str) -> str:
    """Mark *message* for extraction (``pybabel extract -k N_``) without translating it here."""
    return message


# --- files and folders -------------------------------------------------------------------------
NOT_UTF8 = Message(N_("file is not valid UTF-8"))
FILE_OUTSIDE_COURSE = Message(N_("unexpected file; a course is a folder courses/<course-slug>/"))
MISSING_COURSE_MD = Message(N_("course.md is missing"))
NO_MODULE = Message(N_("course has no module (files named NN-slug.md)"))
BAD_MODULE_NAME = Message(N_("module file name must look like NN-slug.md"))
MODULE_SLUG_TOO_LONG = Message(N_("module slug is longer than 80 characters"))
UNEXPECTED_COURSE_FILE = Message(N_("unexpected file; images go in the course's images/ folder"))
UNEXPECTED_SUBFOLDER = Message(
    N_("unexpected sub-folder; a course folder holds only course.md, NN-slug.md files and images/")
)
BAD_QUIZ_PATH = Message(N_("quiz file must be quizzes/<course-slug>/<module-slug>.md"))
RESERVED_MODULE_SLUG = Message(
    N_("module slug 'final' is reserved for the final test (quizzes/<course-slug>/final.md)")
)


def must_be_course_slug(name: str) -> Message:
    """A front-matter field names a course by its short name, and this is not one."""
    return Message(
        N_("'%(name)s' must be a course's short name: lower-case letters, digits and hyphens"),
        name=name,
    )


def bad_course_slug(folder: str) -> Message:
    """The course folder name is not a valid slug."""
    return Message(
        N_(
            "course folder name '%(folder)s' must be lower-case letters, digits and hyphens"
            " (at most 80 characters)"
        ),
        folder=folder,
    )


def duplicate_module_number(number: str, earlier: str) -> Message:
    """Two module files share the same NN."""
    return Message(
        N_("module number %(number)s is already used by %(earlier)s"), number=number, earlier=earlier
    )


def duplicate_module_slug(slug: str, earlier: str) -> Message:
    """Two module files share the same slug."""
    return Message(N_("module slug '%(slug)s' is already used by %(earlier)s"), slug=slug, earlier=earlier)


def unknown_quiz_course(course: str) -> Message:
    """A quiz folder names a course folder that does not exist."""
    return Message(N_("quiz for unknown course '%(course)s' (no courses/%(course)s/ folder)"), course=course)


def unknown_quiz_module(module: str, course: str) -> Message:
    """A quiz file names a module that does not exist in its course."""
    return Message(
        N_("quiz for unknown module '%(module)s' (no courses/%(course)s/NN-%(module)s.md)"),
        module=module,
        course=course,
    )


# --- front matter --------------------------------------------------------------------------------
NO_FRONT_MATTER = Message(N_("missing front matter (a first line '---')"))
UNCLOSED_FRONT_MATTER = Message(N_("front matter is not closed (no second '---' line)"))
NOT_A_MAPPING = Message(N_("front matter must be 'field: value' lines"))
YAML_TOO_DEEP = Message(N_("front matter is nested too deeply"))


def invalid_yaml(problem: str) -> Message:
    """The front matter is not valid YAML; *problem* is PyYAML's own description (in English)."""
    return Message(N_("front matter is not valid YAML: %(problem)s"), problem=problem)


def missing_field(name: str) -> Message:
    """A required front-matter field is absent."""
    return Message(N_("missing required field '%(name)s'"), name=name)


def unknown_field(name: str, allowed: list[str]) -> Message:
    """A front-matter field is not part of the format (often a typo)."""
    return Message(
        N_("unknown field '%(name)s'; expected one of: %(allowed)s"), name=name, allowed=", ".join(allowed)
    )


def duplicate_field(name: str, first_line: int) -> Message:
    """A front-matter field appears twice (YAML would silently keep the last one)."""
    return Message(N_("field '%(name)s' is given twice (first on line %(line)s)"), name=name, line=first_line)


def must_be_text(name: str) -> Message:
    """A field needs a non-empty string."""
    return Message(N_("'%(name)s' must be a non-empty text"), name=name)


def hidden_in_field(name: str, codes: str) -> Message:
    """A text field holds invisible characters (direction overrides, zero-width spaces...)."""
    return Message(
        N_("'%(name)s' holds invisible characters (%(codes)s): type it again without them"),
        name=name,
        codes=codes,
    )


def too_long(name: str, limit: int) -> Message:
    """A text field is longer than the database column holding it."""
    return Message(N_("'%(name)s' must be at most %(limit)s characters"), name=name, limit=limit)


def must_be_text_list(name: str) -> Message:
    """A field needs a non-empty list of non-empty strings."""
    return Message(N_("'%(name)s' must be a non-empty list of texts"), name=name)


def item_must_be_text(name: str) -> Message:
    """One item of a list field is not a non-empty string."""
    return Message(N_("every item of '%(name)s' must be a non-empty text"), name=name)


def must_be_date(name: str) -> Message:
    """A field needs a YAML date."""
    return Message(N_("'%(name)s' must be a date written YYYY-MM-DD (without quotes)"), name=name)


def must_be_minutes(name: str) -> Message:
    """A field needs a positive whole number of minutes."""
    return Message(N_("'%(name)s' must be a positive whole number of minutes"), name=name)


def too_many_minutes(name: str, limit: int) -> Message:
    """A duration is beyond any sensible course length (and the database integer)."""
    return Message(N_("'%(name)s' must be at most %(limit)s minutes"), name=name, limit=limit)


def must_be_percent(name: str) -> Message:
    """A field needs a whole number from 0 to 100."""
    return Message(N_("'%(name)s' must be a whole number from 0 to 100"), name=name)


def must_be_whole(name: str, low: int, high: int | None = None) -> Message:
    """A field needs a whole number of at least *low* (and at most *high*, when given)."""
    if high is None:
        return Message(N_("'%(name)s' must be a whole number of at least %(low)s"), name=name, low=low)
    return Message(
        N_("'%(name)s' must be a whole number from %(low)s to %(high)s"), name=name, low=low, high=high
    )


def must_be_bool(name: str) -> Message:
    """A field needs true or false."""
    return Message(N_("'%(name)s' must be true or false"), name=name)


def must_be_one_of(name: str, choices: tuple[str, ...]) -> Message:
    """A field needs one value out of a closed list (the values are written as in the file)."""
    quoted = [f"'{c}'" for c in choices]
    return Message(
        N_("'%(name)s' must be %(choices)s or %(last)s"),
        name=name,
        choices=", ".join(quoted[:-1]),
        last=quoted[-1],
    )


# --- bodies --------------------------------------------------------------------------------------
EMPTY_INTRO = Message(N_("course introduction is empty"))
EMPTY_MODULE = Message(N_("module body is empty"))
PLACEHOLDER = Message(
    N_("placeholder '…' left from a new course or module: write the text, or delete the line")
)
# Real modules nest lists and quotes a few levels; deeper nesting costs Python-Markdown time that grows
# with its cube (3,000 levels took 45 s), and older versions recurse once per level.
MAX_NESTING = 40
TOO_DEEP = Message(
    N_("markdown is nested too deeply: at most %(limit)s lists or quotes inside each other"),
    limit=MAX_NESTING,
)
MAX_BRACKETS = 1000  # Python-Markdown's link search is quadratic in unmatched '[': bound the cost
TOO_MANY_BRACKETS = Message(N_("too many '[' characters (at most %(limit)s per file)"), limit=MAX_BRACKETS)

# --- quizzes -------------------------------------------------------------------------------------
TEXT_BEFORE_QUESTION = Message(N_("text before the first question (a '## ' heading)"))
EMPTY_QUIZ = Message(N_("quiz has no question (a '## ' heading)"))
EMPTY_QUESTION_TEXT = Message(N_("question text is empty"))
BAD_QUESTION_KEY = Message(N_("question key must be lower-case letters, digits and hyphens, like {#my-key}"))
KEY_TOO_LONG = Message(N_("question key is longer than 120 characters; add a shorter one like {#my-key}"))
NO_QUESTION_KEY = Message(N_("question text gives an empty key; add one like {#my-key}"))
NO_RIGHT_ANSWER = Message(N_("question has no right answer (mark one with [x])"))
TOO_FEW_CHOICES = Message(N_("question needs at least two choices"))
NO_EXPLANATION = Message(N_("question has no explanation (a '>' block quote after the choices)"))
NOT_A_CHOICE = Message(N_("choice must start with [ ] or [x]"))
EMPTY_CHOICE = Message(N_("choice text is empty"))
CHOICES_NOT_CONTIGUOUS = Message(N_("choices must be contiguous (no blank line or text between them)"))
TEXT_BEFORE_EXPLANATION = Message(
    N_("text between the choices and the explanation; start the explanation with '>'")
)
TEXT_AFTER_EXPLANATION = Message(N_("text after the explanation; start the next question with '## '"))


def duplicate_question_key(key: str, first_line: int) -> Message:
    """Two questions of one quiz share a key."""
    return Message(
        N_("duplicate question key '%(key)s' (first used on line %(line)s)"), key=key, line=first_line
    )


def draw_too_large(draw: int, count: int) -> Message:
    """The quiz draws more questions than it has."""
    return Message(
        N_("'draw' is %(draw)s, more than the quiz's questions (%(count)s)"), draw=draw, count=count
    )


def draw_not_group_sum(total: int) -> Message:
    """With groups, the quiz's draw is the sum of theirs."""
    return Message(N_("'draw' must be the sum of the groups' draws (%(total)s), or be left out"), total=total)


# --- groups and option feedback ------------------------------------------------------------------
GROUP_WITHOUT_DRAW = Message(N_("group heading needs its draw at the end, like '# Title {draw=2}'"))
BAD_GROUP_DRAW = Message(N_("group draw must be a whole number of at least 1, like {draw=2}"))
EMPTY_GROUP_TITLE = Message(N_("group title is empty"))
NO_GROUP_KEY = Message(N_("group title gives an empty key; use letters or digits in it"))
GROUP_KEY_TOO_LONG = Message(N_("group title is longer than 120 characters once made a key; shorten it"))
EMPTY_GROUP = Message(N_("group has no question (a '## ' heading after it)"))
TEXT_BEFORE_GROUP_QUESTION = Message(
    N_("text between a group heading and its first question (a '## ' heading)")
)
QUESTION_BEFORE_GROUP = Message(
    N_(
        "question before the first group; once a quiz has groups ('# Title {draw=N}'), every question"
        " belongs to one"
    )
)
EMPTY_FEEDBACK = Message(N_("feedback is empty (write it after '  > ')"))
TEXT_AFTER_FEEDBACK = Message(
    N_(
        "indented text after a choice's feedback; write the choice's text before its feedback,"
        " and start every feedback line with '  > '"
    )
)


def group_draw_too_large(draw: int, count: int) -> Message:
    """A group draws more questions than it holds."""
    return Message(N_("group draws %(draw)s, more than its questions (%(count)s)"), draw=draw, count=count)


def duplicate_group_key(key: str, first_line: int) -> Message:
    """Two groups of one quiz share a key."""
    return Message(
        N_("duplicate group key '%(key)s' (first used on line %(line)s)"), key=key, line=first_line
    )


# --- warnings (translated where shown) ---------------------------------------------------------
LONGEST_IS_RIGHT = N_(
    "the right answer is the longest option in %(share)d%% of the single-answer questions (%(count)d"
    " out of %(total)d, more than 40%%): learners can guess it by its length"
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
    "the quiz draws %(draw)d from a pool of %(size)d: attempts keep showing the same questions; give"
    " it at least %(needed)d questions (twice the draw)"
)
SMALL_GROUP = N_(
    "the group draws %(draw)d from a pool of %(size)d: attempts keep showing the same questions;"
    " give it at least %(needed)d questions (twice the draw)"
)
NO_FEEDBACK = N_("option without feedback: add a '  > ' line under it saying why it is right or wrong")
MODULE_DURATION = N_(
    "'duration' is %(declared)d min but the module takes about %(estimate)d min (words: %(words)d,"
    " read at 200 words a minute; quiz questions: %(questions)d, 45 seconds each)"
)
COURSE_DURATION = N_(
    "'duration' is %(declared)d min but the modules' durations add up to %(modules)d min and the"
    " final test takes about %(final)d min: %(total)d min in all"
)
COURSE_DURATION_NO_FINAL = N_(
    "'duration' is %(declared)d min but the modules' durations add up to %(total)d min"
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


# --- images --------------------------------------------------------------------------------------
IMAGE_NOT_ACCEPTED = Message(N_("not a PNG, JPEG or WebP image (SVG, GIF and other formats are refused)"))
IMAGE_DAMAGED = Message(N_("the image is damaged or incomplete"))
BAD_IMAGE_NAME = Message(
    N_(
        "image file name must be lower-case letters, digits and hyphens ending in .png, .jpg or .webp,"
        " directly in the course's images/ folder"
    )
)
IMAGE_WITHOUT_ALT = Message(
    N_("image without alt text: say what it shows between the brackets, ![what it shows](images/name.png)")
)
IMAGE_ELSEWHERE = Message(
    N_(
        "image from elsewhere, which Cadre does not show: upload it from the draft page, then write"
        " ![what it shows](images/name.png)"
    )
)


def missing_static_image(src: str) -> Message:
    """A text shows a file of the site's static/ folder that is not there."""
    return Message(N_("this site has no file '%(src)s': correct the address"), src=src)


# A warning (translated where shown), about the image file itself.
UNUSED_IMAGE = N_(
    "no module shows this image: write ![what it shows](images/%(name)s) where it belongs, or remove it"
)
WARNINGS += (UNUSED_IMAGE,)
# A warning on a line of a course's text (course.md or a module).
BARE_ADDRESS = N_(
    "this address is plain text, not a link: write it between angle brackets, <%(address)s>, or give it"
    " words, [the source](%(address)s)"
)
WARNINGS += (BARE_ADDRESS,)


def image_too_large(kilobytes: int | str) -> Message:
    """The uploaded file is over the size limit."""
    return Message(N_("the image is larger than %(size)s KB"), size=kilobytes)


def image_too_many_pixels(millions: int | str) -> Message:
    """The image has too many pixels (width × height): perhaps a decompression bomb."""
    return Message(
        N_("the image has more than %(millions)s million pixels (width × height): make it smaller"),
        millions=millions,
    )


def image_wrong_extension(name: str, extension: str) -> Message:
    """An image's name does not end with its real format's extension."""
    return Message(
        N_("%(name)s is not what its name says: this image must end in .%(extension)s"),
        name=name,
        extension=extension,
    )


def missing_image(src: str) -> Message:
    """A module shows an image the course does not have."""
    return Message(
        N_("the course has no image '%(src)s': upload it from the draft page, or correct the name"), src=src
    )
