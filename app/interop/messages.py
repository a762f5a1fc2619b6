"""What a GIFT import can report, each on the line of the question it is about.

Like the checker's (app/content/messages.py), every message is an English template marked with
``N_()`` and translated where it is shown; docs/moodle.md lists what each one means.
"""

from app.content.documents import Message
from app.content.messages import N_

NOT_UTF8 = Message(N_("the file is not UTF-8 text: save it as UTF-8 (with or without BOM) and try again"))
NUL_BYTE = Message(N_("the file holds a NUL character, which a text file never does: is it a GIFT file?"))
NO_GENERAL_FEEDBACK = Message(
    N_(
        "the question has no general feedback, which Cadre shows as its explanation: add it after the"
        " answers, as #### followed by why the right answer is right"
    )
)
NO_QUESTION = Message(N_("the file holds no question"))
BRACES = Message(N_("the answers must be between one { and one }"))
TOO_FEW_ANSWERS = Message(N_("a question needs at least two answers"))
CATEGORY = Message(
    N_("categories ($CATEGORY) are not supported: the questions go to this module's quiz; remove the line")
)
MISSING_WORD = Message(
    N_("missing-word questions (text after the answers) are not supported: put the text before the {")
)
SEVERAL_FULL_MARKS = Message(
    N_("several answers give full marks: a single-choice question has exactly one right answer (=)")
)
PARTIAL_CREDIT = Message(
    N_(
        "partial credit is not supported: Cadre grades all or nothing, so a single-choice question has"
        " one right answer (=) and wrong ones (~) without weights"
    )
)
UNEQUAL_SPLIT = Message(
    N_(
        "partial credit is not supported: the right answers of a multiple-choice question must share"
        " the marks equally (half each for two right answers, a third each for three...)"
    )
)
IMAGES = Message(N_("images cannot be imported from a GIFT file: add them to the course in the editor"))

# One message per question type Cadre lacks, so that each reads well once translated.
UNSUPPORTED = {
    "description": Message(N_("a description (text without answers) is not a question Cadre can import")),
    "essay": Message(N_("essay questions are not supported: Cadre has single and multiple choice only")),
    "numerical": Message(
        N_("numerical questions are not supported: Cadre has single and multiple choice only")
    ),
    "match": Message(N_("matching questions are not supported: Cadre has single and multiple choice only")),
    "shortanswer": Message(
        N_(
            "short-answer questions are not supported: Cadre has single and multiple choice only"
            " (several = answers and no ~ make a short-answer question in GIFT)"
        )
    ),
}
