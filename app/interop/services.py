"""GIFT import into a publisher's draft: the import, then the save and the checker, all or nothing."""

from app.accounts.models import User
from app.content.documents import Problem
from app.orgs.models import Organisation
from app.publishing import editor
from app.publishing import services as publishing
from app.publishing.models import CourseDraft

from .gift_import import Imported, decode, gift_problems, import_gift


def import_into_draft(
    org: Organisation, draft: CourseDraft, module: editor.ModuleFile, name: str, data: bytes, by: User
) -> int | list[Problem]:
    """Append a GIFT file's questions to the module's quiz and save the draft, checked.

    Returns how many questions came in, or the problems, on their GIFT lines where they are about
    the file: then the caller rolls the session back, and nothing is saved. Raises
    PublishingError as saving does (a course in review, say).
    """
    text = decode(name, data)
    if not isinstance(text, str):
        return [text]
    language = str(editor.course_fields(draft.files, draft.slug)[0].get("language") or "fr")
    result = import_gift(draft.files, module.quiz_path, name, text, language)
    if not isinstance(result, Imported):
        return result
    before = publishing.problems_of(draft)
    saved = publishing.save_files(org, draft.slug, result.files, by)
    problems = gift_problems(publishing.problems_of(saved), before, result, module.quiz_path, name)
    return problems or len(result.places)
