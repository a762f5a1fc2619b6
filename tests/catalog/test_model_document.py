"""A module's model document: found in its text, pointed to from the module, printable alone."""

import shutil

import pytest
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course
from app.content.checker import check_root
from app.content.model_document import model_document
from app.content.render import render_markdown
from app.extensions import db
from tests.conftest import FIXTURES, text_of

MODEL = """
# Modèle\u00a0: registre des voix utilisées

| Voix | Autorisation signée le | Usages couverts |
|---|---|---|
| ________ | ________ | ________ |

Ce modèle est un point de départ, pas un avis juridique.

# À retenir

- Un registre tenu à jour.
"""


def test_the_section_titled_modele_is_the_document_up_to_the_next_section():
    found = model_document(render_markdown("# Contexte\n\nDu texte.\n" + MODEL))
    assert found is not None
    assert found.title == "Registre des voix utilisées"
    assert found.anchor == "modele-registre-des-voix-utilisees"
    assert "<table>" in found.html and "point de départ" in found.html
    assert "Du texte" not in found.html and "À retenir" not in found.html


@pytest.mark.parametrize(
    "markdown",
    [
        "# Contexte\n\nDu texte.\n",
        "# Modèles de langage\n\nUn titre qui commence par le mot sans deux-points.\n",
        "# Modèle :\n\nUn titre sans rien après les deux-points.\n",
        "Texte\n\n## Modèle : un sous-titre n’est pas une section\n",
    ],
)
def test_no_model_document(markdown):
    assert model_document(render_markdown(markdown)) is None


def test_an_english_template_is_found_too():
    found = model_document(render_markdown("# Template: consent form\n\nName: ________\n"))
    assert found is not None and found.title == "Consent form"


def test_on_its_own_page_the_documents_sections_come_right_under_its_title():
    """The page's h1 is the document's title: its ## sections become h2, not h3 (axe heading-order)."""
    markdown = "# Modèle : contrat\n\n## Les parties\n\n### Le studio\n\nTexte.\n"
    found = model_document(render_markdown(markdown))
    assert "<h2" in found.html and "</h2>" in found.html and "<h3" in found.html
    assert "<h4" not in found.html


@pytest.fixture
def course_with_model(app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "content" / "valid", root)
    module = root / "courses" / "voix-et-ia" / "03-bonnes-pratiques.md"
    module.write_text(module.read_text() + MODEL)
    result = check_root(root)
    assert result.problems == []
    for doc in result.courses:
        import_course(doc)
    db.session.commit()
    return db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))


def test_the_module_points_to_its_document_and_the_page_shows_it_alone(client, course_with_model):
    page = client.get("/courses/voix-et-ia/bonnes-pratiques")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="#modele-registre-des-voix-utilisees"' in html
    assert 'href="/courses/voix-et-ia/bonnes-pratiques/model"' in html

    alone = client.get("/courses/voix-et-ia/bonnes-pratiques/model")
    assert alone.status_code == 200
    text = text_of(alone)
    assert "Registre des voix utilisées" in text and "point de départ" in text
    assert "Tenez un registre" not in text  # the rest of the module is not printed
    assert "Un registre tenu à jour" not in text
    assert "version 1" in text
    assert "http://localhost/courses/voix-et-ia/bonnes-pratiques/model" in text  # printed with its source


def test_a_module_without_document_has_no_document_page(client, course_with_model):
    assert "/model" not in client.get("/courses/voix-et-ia/consentement").get_data(as_text=True)
    assert client.get("/courses/voix-et-ia/consentement/model").status_code == 404
    assert client.get("/courses/voix-et-ia/no-such-module/model").status_code == 404


def test_a_members_only_course_keeps_its_document_to_members(client, course_with_model):
    course_with_model.visibility = "members"
    db.session.commit()
    assert client.get("/courses/voix-et-ia/bonnes-pratiques/model").status_code == 403
