"""The authoring guide in French: docs/authoring.fr.md served at /guide/ to French readers.

It must say what the English guide says, section for section; quote the checker's messages as
the French interface and ``content check --lang fr`` print them; show examples that pass the
checker; and no link of the site may point at a section that exists in one language only.
"""

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext, refresh

from app.content import messages as msg
from app.content.checker import check_files
from app.content.image_refs import make_reference
from app.content.model_document import model_document
from app.content.render import render_markdown, slugify
from tests.conftest import text_of

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
FRENCH = DOCS / "authoring.fr.md"
ENGLISH = DOCS / "authoring.md"
MODULE = "courses/voix-et-ia/01-cadre-legal.md"
# A link into the guide with a section: url_for("guide.authoring", _anchor="x") or "/guide/#x".
GUIDE_LINK = re.compile(r"""guide\.authoring['"][^)]*?_anchor\s*=\s*['"]([^'"]+)|/guide/#([\w-]+)""")
IDS = re.compile(r'\bid="([^"]+)"')
SCHEMA = {"courses/voix-et-ia/images/schema.png": make_reference("ab" * 32, 800, 600)}  # the example's image


def page(client, language: str) -> str:
    refresh()  # the suite keeps one app context open: forget the language of earlier requests
    response = client.get("/guide/", headers={"Accept-Language": language})
    assert response.status_code == 200
    return text_of(response)


def contents(page_html: str) -> list[tuple[str, str]]:
    """The (anchor, text) links of the page's contents list."""
    nav = page_html.split('<nav class="guide-contents', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', nav)


def test_french_readers_get_the_french_guide_and_english_readers_the_english(client):
    french = page(client, "fr")
    assert "<h1>Rédiger des cours pour Cadre</h1>" in french
    assert '<article class="guide" lang="fr">' in french
    assert '<a href="#groupes-de-questions">Groupes de questions</a>' in french
    assert '<h4 id="groupes-de-questions">Groupes de questions</h4>' in french
    assert "Ce guide n’existe pour l’instant qu’en anglais." not in french
    assert "Writing courses for Cadre" not in french and "Groups of questions" not in french

    english = page(client, "en")
    assert "<h1>Writing courses for Cadre</h1>" in english
    assert '<article class="guide" lang="en">' in english
    assert '<h4 id="groups-of-questions">Groups of questions</h4>' in english
    assert "This guide is written in English only for now." not in english
    assert "Rédiger des cours" not in english


def test_both_guides_have_the_same_sections_and_every_link_into_them_exists_in_both(client):
    french, english = page(client, "fr"), page(client, "en")
    # The same sections and sub-sections, in the same order (the translation keeps the structure).
    levels = [re.findall(r'<h([3-6]) id="[^"]+">', html) for html in (french, english)]
    assert levels[0] == levels[1] and len(levels[0]) > 20
    for html in (french, english):
        ids = set(IDS.findall(html))
        assert [anchor for anchor, _text in contents(html) if anchor not in ids] == []

    linked = set()
    for folder, pattern in (("templates", "*.html"), ("app", "*.py"), ("static", "*.js")):
        for path in (ROOT / folder).rglob(pattern):
            for found in GUIDE_LINK.findall(path.read_text(encoding="utf-8")):
                linked.add("".join(found))
    for html in (french, english):
        assert linked <= set(IDS.findall(html)), "a page links to a section missing in one language"


def _french_messages() -> list[str]:
    """Every checker message and warning, translated, with each parameter as a wildcard."""
    source = (ROOT / "app" / "content" / "messages.py").read_text(encoding="utf-8")
    templates = [
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
    ]
    assert len(templates) > 70 and set(msg.WARNINGS) <= set(templates)
    patterns = []
    for template in templates:
        french = gettext(template)
        assert french != template, f"not translated: {template}"
        parts = re.split(r"%\(\w+\)[ds]", french.replace("%%", "%"))
        patterns.append("[^`]+?".join(re.escape(part) for part in parts))
    return patterns


def test_the_french_guide_quotes_every_checker_message_as_the_french_interface_says_it(app):
    spans = re.findall(r"(?<!`)`([^`\n]+)`(?!`)", FRENCH.read_text(encoding="utf-8"))
    with app.test_request_context(), force_locale("fr"):
        patterns = _french_messages()
        warning = gettext("warning: %(message)s", message="message")
    assert [p for p in patterns if not any(re.fullmatch(p, span) for span in spans)] == []
    assert f"`chemin:ligne: {warning}`" in FRENCH.read_text(encoding="utf-8")


def _examples(path: Path) -> list[str]:
    return re.findall(r"^```markdown\n(.*?)^```$", path.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.parametrize("path", [FRENCH, ENGLISH], ids=["fr", "en"])
def test_the_guides_whole_examples_pass_the_checker(path):
    course, module, model, quiz, groups = _examples(path)
    files = {
        "courses/voix-et-ia/course.md": course,
        MODULE: module,
        "quizzes/voix-et-ia/cadre-legal.md": quiz,
        **SCHEMA,
    }
    result = check_files(files)
    assert result.problems == [] and result.refused == []
    # Short examples are far from their durations; nothing else is worth a warning.
    assert {w.path for w in result.warnings} <= {"courses/voix-et-ia/course.md", MODULE}
    assert [q.key for q in result.courses[0].modules[0].quiz.questions][1] == "textes"
    found = model_document(render_markdown(model.replace("...", "Texte.")))
    assert found is not None and found.title.startswith("Autorisation")
    assert "{draw=3}" in groups and "{draw=2}" in groups and "draw: 5" in groups


def test_the_french_guide_keeps_its_promises_about_keys_and_anchors():
    """What the French guide says of apostrophes, « œ » and colons is what the code does."""
    assert slugify("Qu’est-ce que l’opt-out ?") == "quest-ce-que-lopt-out"
    assert slugify("Qu'est-ce que l'opt-out ?") == "qu-est-ce-que-l-opt-out"
    assert slugify("L’œuvre et l’IA") == "luvre-et-lia"
    text = FRENCH.read_text(encoding="utf-8")
    assert "`quest-ce-que-lopt-out`" in text and "`#luvre-et-lia`" in text
    assert '`summary: "À noter : ..."`' in text
    course, module = _examples(FRENCH)[:2]
    unquoted = course.replace("summary: Ce que", "summary: À noter : ce que")
    files = {"courses/voix-et-ia/course.md": unquoted, MODULE: module, **SCHEMA}
    problems = check_files(files).problems
    assert [p.message.template for p in problems] == ["front matter is not valid YAML: %(problem)s"]
