"""The « certificat de réalisation » and the readable activity statement, as PDF (fpdf2).

Both documents are in French whatever the reader's language: the certificate follows the model of
the French ministry of Labour (« modèle de certificat de réalisation des actions concourant au
développement des compétences ») that OPCOs such as Afdas require, and the statement goes with it to
the same French auditor. Their text is therefore written here in French, not translated.

Sources for the model's fields (see the README, "Attestation for funders"):
- Centre Inffo, FAQ « Y a-t-il des mentions obligatoires ... » (26 April 2023):
  https://centre-inffo.fr/helpie_faq/toggle-title-15 — the ministry of Labour set a model of
  « certificat de réalisation »;
- OCAPIAT (an OPCO), « Utilisez le bon modèle de certificat de réalisation »:
  https://www.ocapiat.fr/utilisez-le-bon-modele-de-certificat-de-realisation/ — fields: the learner
  (name, first name, employer), the action's title, its nature, its dates, its duration, the
  provider's identification and stamp; it replaces attendance certificates;
- the model's wording as reproduced by a French training-management software,
  github.com/sophiemoustard/compani-api, src/data/pdf/completionCertificate.js (official variant):
  « Je soussigné(e) ... représentant légal du dispensateur de l'action concourant au développement
  des compétences ... atteste que : Mme/M. ... salarié(e) de l'entreprise ... a suivi l'action ... »,
  the four natures, « qui s'est déroulée du ... au ... pour une durée de ... », the 3-year
  conservation commitment, « Fait à », « Le », « Cachet et signature du responsable du dispensateur
  de formation », and the two footnotes (transition projects: sent monthly; distance learning: count
  the learning activities done and the time estimated to do them).
Not confirmed by these sources: the « numéro de déclaration d'activité » as a field of the model
(it is printed here beside the body's name, as training bodies commonly do).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

# One PDF stack for Cadre: the certificate's fonts and palette (app/certificates/pdf.py).
from app.certificates.pdf import _FONTS, FONT_DIR, GOLD, GREY, INK, NAVY, _keep_together

NATURES = (
    "action de formation",
    "bilan de compétences",
    "action permettant de faire valider les acquis de l’expérience",
    "action de formation par apprentissage",
)
BLANK = "…" * 20  # a field Cadre does not know, to be completed by hand before signing


@dataclass(frozen=True)
class AttestationData:
    """Everything the certificate prints."""

    body_name: str
    declaration_number: str
    signatory_name: str
    signatory_role: str
    place: str
    learner_name: str
    course_title: str
    first_day: datetime.date
    last_day: datetime.date
    seconds: int
    made_on: datetime.date


def hours_and_minutes(seconds: int) -> str:
    """Measured seconds as the certificate prints them: "2 h 05 min" (whole minutes, never rounded up)."""
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}\u00a0h\u00a0{minutes:02d}\u00a0min"


def day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def declaration(number: str) -> str:
    """11 digits grouped as on the prefecture's receipt: "11 75 12345 75"."""
    return f"{number[:2]} {number[2:4]} {number[4:9]} {number[9:]}" if len(number) == 11 else number


class _Document(FPDF):
    """A4 portrait in Cadre's fonts, with a page number at the foot of every page."""

    footer_text = ""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for (family, style), filename in _FONTS.items():
            self.add_font(family, style, FONT_DIR / filename)
        self.set_lang("fr-FR")
        self.set_title(title)
        self.set_author("Cadre")
        self.set_creator("Cadre")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Sans", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self.footer_text}Page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*INK)

    def paragraph(
        self, text: str, size: float = 10.5, gap: float = 2.5, font: str = "Sans", style: str = ""
    ) -> None:
        self.set_font(font, style, size)
        self.multi_cell(0, size * 0.5, _keep_together(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)


def render_attestation_pdf(data: AttestationData, created_at: datetime.datetime | None = None) -> bytes:
    """The « certificat de réalisation » of one learner for one course, as PDF bytes."""
    pdf = _Document(f"Certificat de réalisation — {data.learner_name}")
    pdf.set_subject(data.course_title)
    pdf.footer_text = f"{data.body_name} · certificat établi avec Cadre à partir du relevé d’activité · "
    pdf.add_page()

    pdf.set_font("Sans", "", 9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        4.5,
        f"{data.body_name}\nNuméro de déclaration d’activité\u00a0: {declaration(data.declaration_number)}",
    )
    pdf.set_text_color(*NAVY)
    pdf.set_font("Serif", "B", 20)
    pdf.ln(8)
    pdf.cell(0, 10, "CERTIFICAT DE RÉALISATION", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.line(85, pdf.get_y() + 2, 125, pdf.get_y() + 2)
    pdf.set_text_color(*INK)
    pdf.ln(9)

    pdf.paragraph(
        f"Je soussigné(e) {data.signatory_name}, {data.signatory_role}, représentant légal du "
        f"dispensateur de l’action concourant au développement des compétences {data.body_name}, "
        f"enregistré sous le numéro de déclaration d’activité {declaration(data.declaration_number)},"
    )
    pdf.paragraph("atteste que\u00a0:", style="B", font="Serif")
    _field(pdf, "Mme/M.", data.learner_name)
    _field(pdf, "salarié(e) de l’entreprise", BLANK)
    _field(pdf, "a suivi l’action", f"«\u00a0{data.course_title}\u00a0»")
    pdf.ln(1)
    pdf.paragraph("Nature de l’action concourant au développement des compétences\u00a0:", gap=1.5)
    for index, nature in enumerate(NATURES):
        _checkbox(pdf, nature + (" (1)" if index == 0 else ""), checked=index == 0)
    pdf.ln(3)
    _field(pdf, "qui s’est déroulée du", f"{day(data.first_day)} au {day(data.last_day)}")
    _field(pdf, "pour une durée de", f"{hours_and_minutes(data.seconds)} (2)")
    pdf.ln(3)
    pdf.paragraph(
        "Sans préjudice des délais imposés par les règles fiscales, comptables ou commerciales, je "
        "m’engage à conserver l’ensemble des pièces justificatives qui ont permis d’établir le présent "
        "certificat pendant une durée de 3 ans à compter de la fin de l’année du dernier paiement. En cas "
        "de cofinancement par des fonds européens, la durée de conservation est étendue conformément aux "
        "obligations conventionnelles spécifiques.",
        size=9,
    )
    _signature(pdf, data)
    _footnotes(pdf)
    pdf.set_creation_date(created_at or datetime.datetime.now(datetime.UTC))
    return bytes(pdf.output())


def _field(pdf: _Document, label: str, value: str) -> None:
    """A label of the model, then the value Cadre fills in, on one line when it fits."""
    pdf.set_font("Sans", "", 10.5)
    pdf.write(5.5, label + " ")
    pdf.set_font("Serif", "B", 11)
    pdf.write(5.5, _keep_together(value))
    pdf.ln(7.5)


def _checkbox(pdf: _Document, text: str, checked: bool) -> None:
    x, y = pdf.l_margin + 6, pdf.get_y() + 1
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.25)
    pdf.rect(x, y, 3.6, 3.6)
    if checked:  # a drawn cross: no glyph a viewer could lose
        pdf.line(x + 0.7, y + 0.7, x + 2.9, y + 2.9)
        pdf.line(x + 0.7, y + 2.9, x + 2.9, y + 0.7)
    pdf.set_xy(x + 6, pdf.get_y())
    pdf.set_font("Sans", "", 10)
    pdf.cell(0, 5.8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature(pdf: _Document, data: AttestationData) -> None:
    """« Fait à » and « Le » on the left, the box for the stamp and signature on the right."""
    if pdf.get_y() > 205:
        pdf.add_page()
    top = pdf.get_y() + 4
    pdf.set_xy(pdf.l_margin, top + 4)
    _field(pdf, "Fait à\u00a0:", data.place)
    _field(pdf, "Le\u00a0:", day(data.made_on))
    box_x, box_w, box_h = 105.0, 85.0, 42.0
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.rect(box_x, top, box_w, box_h)
    pdf.set_xy(box_x, top + 2)
    pdf.set_font("Sans", "", 8.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(box_w, 4, "Cachet et signature du responsable\ndu dispensateur de formation", align="C")
    pdf.set_text_color(*INK)
    pdf.set_xy(box_x, top + box_h - 8)
    pdf.set_font("Sans", "", 9)
    pdf.multi_cell(box_w, 4.5, f"{data.signatory_name}, {data.signatory_role}", align="C")
    pdf.set_y(top + box_h + 6)


def _footnotes(pdf: _Document) -> None:
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 40, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(*GREY)
    pdf.paragraph(
        "(1) Lorsque l’action est mise en œuvre dans le cadre d’un projet de transition professionnelle, le "
        "certificat de réalisation est transmis chaque mois.",
        size=8,
        gap=1,
    )
    pdf.paragraph(
        "(2) Formation à distance\u00a0: durée établie à partir des éléments probants de l’activité "
        "enregistrés par la plateforme Cadre (temps actif mesuré sur les pages des modules, "
        "plafonné\u00a0; le temps passé aux questionnaires n’est pas mesuré). Le détail, daté, figure "
        "dans le relevé d’activité joint.",
        size=8,
        gap=1,
    )
    pdf.set_text_color(*INK)
