"""The checker's problems are said in the reader's language: French or English on the web (upload,
draft page, editor, live preview) and on the command line (``--lang``); problems stored before they
were translatable still show; every message has a French translation keeping its placeholders."""

import inspect
import io
import pickle
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, refresh

from app.content import messages as msg
from app.content.documents import Message, Problem
from app.content.frontmatter import MAX_MINUTES
from app.extensions import db
from app.publishing import services
from app.publishing.models import CourseDraft
from app.publishing.package import write_package
from tests.conftest import text_of
from tests.publishing.test_workflow import WS, as_, publisher, upload, valid_files  # noqa: F401

ROOT = Path(__file__).parents[2]
FR_PO = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MODULE = "courses/voix-et-ia/01-cadre-legal.md"
NBSP = "\u00a0"
# What a French and an English reader see for "duration: vingt" in a module (line 3).
DURATION_FR = f"«{NBSP}duration{NBSP}» doit être un nombre entier positif de minutes"
DURATION_EN = "'duration' must be a positive whole number of minutes"


def marked_templates() -> set[str]:
    """Every template of app/content/messages.py marked N_() for extraction."""
    found = extract_from_file("python", msg.__file__, keywords={"N_": None})
    return {message for _line, message, _comments, _context in found}


def sample_arguments(function) -> list:
    """Arguments of the right types to build the message a function of messages.py returns."""
    values = {int: 3, str: "x", "int": 3, "str": "x", "list[str]": ["a", "b"], "tuple[str, ...]": ("a", "b")}
    parameters = inspect.signature(function).parameters.values()
    return [values.get(p.annotation, "x") for p in parameters if p.default is inspect.Parameter.empty]


def every_problem_message() -> list[Message]:
    """The constants of messages.py and one message built by each of its functions."""
    constants = [v for v in vars(msg).values() if isinstance(v, Message)]
    functions = [v for v in vars(msg).values() if inspect.isfunction(v) and v.__module__ == msg.__name__]
    built = [f(*sample_arguments(f)) for f in functions if f is not msg.N_]
    return constants + built + [msg.must_be_whole("draw", 1, 100)]


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]", text))


# --- the messages and their catalogue ------------------------------------------------------------


def test_every_problem_is_a_marked_template_and_keeps_its_english_text():
    templates = marked_templates()
    messages = every_problem_message()
    assert len(messages) > 60
    assert [m.template for m in messages if m.template not in templates] == []
    assert msg.must_be_minutes("duration") == DURATION_EN  # str() and == still see the English
    assert msg.must_be_one_of("level", ("beginner", "intermediate", "advanced")) == (
        "'level' must be 'beginner', 'intermediate' or 'advanced'"
    )
    assert msg.too_many_minutes("duration", MAX_MINUTES).params == (
        ("limit", MAX_MINUTES),
        ("name", "duration"),
    )


def test_every_template_has_a_french_translation_with_the_same_placeholders():
    with FR_PO.open("rb") as po:
        catalogue = read_po(po, locale="fr")
    wrong = []
    for template in sorted(
        marked_templates() | {services.NOT_CHECKED.template, services.too_slow(2).template}
    ):
        entry = catalogue.get(template)
        if entry is None or not entry.string or entry.fuzzy:
            wrong.append(f"untranslated: {template!r}")
        elif placeholders(entry.string) != placeholders(template):
            wrong.append(f"placeholders differ: {template!r} -> {entry.string!r}")
    assert wrong == []


def test_a_problem_is_stored_as_its_template_and_read_back_even_in_the_old_form():
    problem = Problem(MODULE, 3, msg.must_be_minutes("duration"))
    data = problem.to_json()
    assert data == {
        "path": MODULE,
        "line": 3,
        "template": "'%(name)s' must be a positive whole number of minutes",
        "params": {"name": "duration"},
    }
    assert (
        Problem.from_json(data) == problem
        and Problem.from_json(data).message.params == problem.message.params
    )
    # The checker may run in a child process: its problems come back pickled, templates and all.
    assert pickle.loads(pickle.dumps(problem)).message.template == problem.message.template  # noqa: S301
    old = Problem.from_json(f"{MODULE}:7: a message written before problems were translatable")
    assert (old.path, old.line, old.text(lambda s: s.upper())) == (
        MODULE,
        7,
        "A MESSAGE WRITTEN BEFORE PROBLEMS WERE TRANSLATABLE",  # a plain string is looked up whole
    )
    odd = Problem.from_json("no path nor line here")
    assert odd.located() == "no path nor line here"


# --- in French, where the catalogue is compiled ------------------------------------------------


@pytest.fixture
def french(app):
    """Skip unless the compiled French catalogue has the checker's messages (``make translations``)."""
    with force_locale("fr"):
        if gettext(msg.must_be_minutes("duration").template) == msg.must_be_minutes("duration").template:
            pytest.skip("the French translations of the checker's messages are not compiled yet")


def in_language(client, language: str, method: str, url: str, **kwargs):
    """A request from a browser asking for *language* (the suite keeps one app context: refresh)."""
    refresh()
    response = getattr(client, method)(url, headers={"Accept-Language": language}, **kwargs)
    refresh()
    return response


IN_MODULE_FR = f"Module «{NBSP}Le cadre légal{NBSP}»"


def shown(response) -> str:
    """The page's text, tags left out ("<code>path:3:</code> message" reads "path:3: message")."""
    return re.sub(r"<[^>]+>", "", text_of(response))


def broken_files() -> dict[str, str]:
    files = valid_files()
    files[MODULE] = files[MODULE].replace("duration: 20", "duration: vingt", 1)
    return files


def upload_in(client, language: str, files: dict[str, str]):
    package = (io.BytesIO(write_package(files)), "cours.zip")
    return in_language(
        client,
        language,
        "post",
        f"{WS}/upload",
        data={"package": package},
        content_type="multipart/form-data",
    )


def test_a_broken_upload_lists_its_problems_in_the_readers_language(client, auth, publisher, french):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    response = upload_in(client, "fr", broken_files())
    assert response.status_code == 400
    assert f"{MODULE}:3: {DURATION_FR}" in text_of(response) and DURATION_EN not in text_of(response)
    assert f"{MODULE}:3: {DURATION_EN}" in text_of(upload_in(client, "en", broken_files()))


def test_stored_problems_are_said_in_the_readers_language(client, auth, publisher, french):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    services.save_files(org, "voix-et-ia", broken_files(), people["editor"])
    db.session.commit()
    stored = db.session.scalar(db.select(CourseDraft.problems))
    assert stored[0]["template"] == "'%(name)s' must be a positive whole number of minutes"
    page = shown(in_language(client, "fr", "get", f"{WS}/voix-et-ia"))
    # Named as the pages name the module, the file and line after it (for who works on a package).
    assert f"{IN_MODULE_FR}, ligne 3{NBSP}: {DURATION_FR}" in page and DURATION_EN not in page
    assert f"{DURATION_FR} {MODULE}:3" in page
    english = shown(in_language(client, "en", "get", f"{WS}/voix-et-ia"))
    assert f"Module “Le cadre légal”, line 3: {DURATION_EN} {MODULE}:3" in english
    editor = text_of(in_language(client, "fr", "get", f"{WS}/voix-et-ia/modules/cadre-legal"))
    assert f"Ligne 3{NBSP}: {DURATION_FR}" in editor


def test_a_course_field_is_named_as_the_course_details_form_names_it(client, auth, publisher, french):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    files = valid_files()
    course = "courses/voix-et-ia/course.md"
    files[course] = re.sub(r"(?m)^audience:.*\n", "", files[course])
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = shown(in_language(client, "fr", "get", f"{WS}/voix-et-ia"))
    assert f"Informations du cours{NBSP}: le champ obligatoire «{NBSP}Public{NBSP}» manque" in page
    assert "audience" not in page.replace(f"{course}:", "")
    english = shown(in_language(client, "en", "get", f"{WS}/voix-et-ia"))
    assert "Course details: missing required field 'Audience'" in english
    # In the package's own words where the package is what is read: the upload's list.
    refused = text_of(upload_in(client, "fr", files))
    assert re.search(f"{course}:\\d+: le champ obligatoire «{NBSP}audience{NBSP}» manque", refused)


def test_the_preview_says_its_problems_in_the_readers_language(client, auth, publisher, french):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    body = {"path": MODULE, "text": broken_files()[MODULE]}
    french_problems = in_language(client, "fr", "post", f"{WS}/voix-et-ia/preview", json=body).get_json()
    assert {"line": 3, "message": DURATION_FR} in french_problems["problems"]
    english = in_language(client, "en", "post", f"{WS}/voix-et-ia/preview", json=body).get_json()
    assert {"line": 3, "message": DURATION_EN} in english["problems"]


def test_problems_stored_as_text_before_still_show(client, auth, publisher, french):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    draft = services.save_files(org, "voix-et-ia", valid_files(), people["editor"])
    draft.problems = [
        f"{MODULE}:6: module body is empty",  # known word for word: translated all the same
        f"{MODULE}:3: 'duration' must be a positive whole number of minutes",  # its params are lost
    ]
    db.session.commit()
    page = shown(in_language(client, "fr", "get", f"{WS}/voix-et-ia"))
    assert f"{IN_MODULE_FR}, ligne 6{NBSP}: le texte du module est vide" in page
    assert f"{IN_MODULE_FR}, ligne 3{NBSP}: {DURATION_EN}" in page  # shown as it was stored
    editor = text_of(in_language(client, "fr", "get", f"{WS}/voix-et-ia/modules/cadre-legal"))
    assert f"Ligne 3{NBSP}: {DURATION_EN}" in editor
    assert client.post(f"{WS}/voix-et-ia/submit").status_code == 302
    assert db.session.scalar(db.select(CourseDraft.state)) == "draft"  # still refused for review


# --- the command line --------------------------------------------------------------------------

NO_LANGUAGE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
FRENCH_SYSTEM = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_FR.UTF-8"}


def broken_root(tmp_path: Path) -> Path:
    for path, text in broken_files().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", ["check", "import"])
def test_the_command_line_speaks_the_chosen_language(runner, tmp_path, french, command):
    root = str(broken_root(tmp_path))
    french_output = runner.invoke(args=["content", command, "--lang", "fr", root], env=NO_LANGUAGE).output
    assert f"{MODULE}:3: {DURATION_FR}" in french_output
    assert f"voix-et-ia{NBSP}: refusé" in french_output or "cours refusés" in french_output
    assert runner.invoke(args=["content", command, root], env=FRENCH_SYSTEM).output == french_output
    english = runner.invoke(args=["content", command, root], env=NO_LANGUAGE)  # no French asked: English
    assert english.exit_code == 1
    assert f"{MODULE}:3: {DURATION_EN}" in english.output
    assert (
        english.output
        == runner.invoke(args=["content", command, "--lang", "en", root], env=FRENCH_SYSTEM).output
    )


def test_the_summary_line_is_translated_with_real_plurals(runner, tmp_path, french):
    root = str(broken_root(tmp_path))
    english = runner.invoke(args=["content", "check", "--lang", "en", root]).output.splitlines()[-1]
    assert re.fullmatch(r"1 problem, \d+ warnings?; refused: voix-et-ia", english), english
    french_line = runner.invoke(args=["content", "check", "--lang", "fr", root]).output.splitlines()[-1]
    assert re.fullmatch(
        r"1 problème, \d+ avertissements?\u202f; cours refusés\u00a0: voix-et-ia", french_line
    )
