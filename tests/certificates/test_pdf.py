"""The certificate PDF: one A4 landscape page, readable text, a QR code that scans.

Self-contained on purpose: a bare Flask app with Flask-Babel is enough for ``gettext``,
so these tests do not depend on the application factory or on compiled catalogues.
English labels are asserted exactly (they are the msgids); for French only the data and
the Babel-formatted dates are, since the labels come from a catalogue maintained
elsewhere.
"""

import dataclasses
import datetime
import shutil
import subprocess
from io import BytesIO

import pytest
from flask import Flask
from flask_babel import Babel
from pypdf import PdfReader

from app.certificates.pdf import CertificateData, render_certificate_pdf

URL = "https://cadre.example.org/certificates/verify/q3Xk9vR2_mTfLp0aZbYc-w"
CREATED = datetime.datetime(2026, 11, 26, 9, 30, tzinfo=datetime.UTC)
A4_LANDSCAPE_PT = (841.89, 595.28)

DATA = CertificateData(
    holder_name="Zoé Lefèvre-Œuvray",
    course_title="L’IA générative dans l’audiovisuel : droit d’auteur, « deepfakes » et éthique",
    publisher="Agnieszka Przybyłowska & Ελένη Παπαδοπούλου",
    issued_on=datetime.date(2026, 11, 26),
    course_version=3,
    content_updated=datetime.date(2026, 11, 20),
    code="q3Xk9vR2_mTfLp0aZbYc-w",
    verify_url=URL,
)


@pytest.fixture(scope="module", autouse=True)
def babel_context():
    """An app context for flask_babel; not named ``app`` so pytest-flask leaves it alone."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield


def render(data: CertificateData = DATA, locale: str = "fr") -> bytes:
    return render_certificate_pdf(data, locale, created_at=CREATED)


def text_of(pdf: bytes) -> str:
    """Extracted page text with whitespace collapsed, so line wrapping does not matter."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    return " ".join(page.extract_text().split())


# Each render costs ~0.15 s: render the two samples once for the whole module.
@pytest.fixture(scope="module")
def pdf_en() -> bytes:
    return render(locale="en")


@pytest.fixture(scope="module")
def pdf_fr() -> bytes:
    """Rendered without a locale: French is the default."""
    return render_certificate_pdf(DATA, created_at=CREATED)


def test_one_a4_landscape_page(pdf_fr):
    reader = PdfReader(BytesIO(pdf_fr))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)


def test_english_labels_and_data(pdf_en):
    text = text_of(pdf_en)
    for expected in (
        "CADRE",
        "Certificate of completion",
        "awarded to",
        "Zoé Lefèvre-Œuvray",
        "for completing the course",
        DATA.course_title,
        f"published by {DATA.publisher}",
        "Date of issue",
        "26 November 2026",
        "Content version 3, checked on 20 November 2026",
        "Verify this certificate online:",
        URL,
        "Verification code",
        DATA.code,
    ):
        assert expected in text


def test_french_data_and_dates(pdf_fr):
    text = text_of(pdf_fr)
    for expected in (
        "Zoé Lefèvre-Œuvray",
        DATA.course_title,
        DATA.publisher,
        "26 novembre 2026",
        "20 novembre 2026",
        URL,
        DATA.code,
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "5 modules completed; final test passed with 85%; a course of about 2 h 30 min"),
        ("fr", "about 2 h 30 Date"),  # a French length (this app has no catalogue: English words)
    ],
)
def test_what_is_attested_with_the_course_length(locale, expected):
    data = dataclasses.replace(DATA, modules_completed=5, final_score=85, course_duration=150)
    assert expected in text_of(render(data, locale))


def test_metadata_and_language(pdf_en, pdf_fr):
    reader = PdfReader(BytesIO(pdf_en))
    meta = reader.metadata
    assert meta.title == "Certificate of completion — Zoé Lefèvre-Œuvray"
    assert meta.author == "Cadre"
    assert DATA.course_title in meta.subject
    assert meta.creation_date == CREATED
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert PdfReader(BytesIO(pdf_fr)).trailer["/Root"]["/Lang"] == "fr"


def test_verification_url_is_a_link(pdf_fr):
    page = PdfReader(BytesIO(pdf_fr)).pages[0]
    uris = [a.get_object()["/A"]["/URI"] for a in page["/Annots"]]
    # Both the printed URL and the QR code are clickable.
    assert uris.count(URL) >= 2


def test_qr_code_decodes_to_the_verification_url(pdf_fr, tmp_path):
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    if not (pdftoppm and zbarimg):
        pytest.skip(
            "install poppler-utils and zbar-tools "
            "(apt-get install -y poppler-utils zbar-tools) to decode the QR code"
        )
    (tmp_path / "cert.pdf").write_bytes(pdf_fr)
    subprocess.run(  # noqa: S603 - fixed argv, binary from shutil.which, paths in tmp_path
        [pdftoppm, "-png", "-r", "150", "-singlefile", tmp_path / "cert.pdf", tmp_path / "cert"],
        check=True,
        capture_output=True,
    )
    decoded = subprocess.run(  # noqa: S603
        [zbarimg, "--raw", "-q", tmp_path / "cert.png"],
        check=True,
        capture_output=True,
        text=True,
    )
    # One symbol on the page, and it is exactly the verification URL.
    assert decoded.stdout.strip() == URL


def test_longest_allowed_name_and_title_fit_on_one_page():
    """At the model's column limits (120 / 200 characters) nothing is cut or spilled."""
    name = "Marie-Éloïse Przybyłowska-Παπαδοπούλου de la Tour d’Auvergne et de Montmorency"
    name = (name + " " + name)[:120].strip()
    title = ("Droit d’auteur, droits voisins et intelligence artificielle générative " * 3)[:200]
    data = CertificateData(**{**DATA.__dict__, "holder_name": name, "course_title": title})
    pdf = render(data, "en")
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    text = text_of(pdf)
    assert " ".join(name.split()) in text
    assert " ".join(title.split()) in text
    assert "…" not in text


def test_absurdly_long_values_are_cut_not_spilled():
    data = CertificateData(
        **{
            **DATA.__dict__,
            "holder_name": "Œuvray " * 80,
            "course_title": "x" * 600,  # one unbreakable word
            "publisher": "Éditions " * 120,
        }
    )
    pdf = render(data, "en")
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    text = text_of(pdf)
    assert "…" in text
    # The verification block is unaffected by the overflowing body.
    assert URL in text
    assert DATA.code in text


def test_french_by_default_and_reproducible(pdf_fr):
    """Same data, same creation date: same bytes (so a stored file can be re-checked)."""
    assert render(locale="fr") == pdf_fr
