"""The evidence pack a funder's auditor files: one zip per learner and course.

It holds the « certificat de réalisation » (PDF), the learner's record for the course as CSV (the
record export's own writer and columns) and as a readable PDF (events with dates, modules, durations
and scores, then the quiz attempts and the certificate), and the attempts as CSV. One download, one
file to file: the auditor gets every piece for one learner together, named so.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from flask_babel import force_locale, get_timezone
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.attestation.pdf import (
    GREY,
    INK,
    NAVY,
    AttestationData,
    _Document,
    day,
    declaration,
    hours_and_minutes,
)
from app.certificates.models import Certificate
from app.i18n import local_zone
from app.learning.models import QuizAttempt
from app.record.export import csv_lines
from app.record.reading import LABELS
from app.schools.export import FRENCH, as_text

ABOUT_SOMETHING_NAMED = ("answered", "passed", "failed", "earned", "registered", "completed")
SUMS = ("read", "completed")  # their duration repeats the experienced events' seconds


@dataclass(frozen=True)
class Evidence:
    """What the pack holds besides the certificate: the record's rows, attempts, certificate."""

    attestation: AttestationData
    learner_email: str
    course_version: int
    events: list  # rows of app.record.export.events_query: (event, name, email, course, version, module)
    attempts: list[QuizAttempt]
    certificate: Certificate | None
    certificate_url: str | None


def local(moment: datetime.datetime) -> str:
    return moment.astimezone(local_zone()).strftime("%d/%m/%Y %H:%M:%S")


def short_duration(seconds: int | None) -> str:
    """ "45 s", "1 min 30 s", "1 h 05 min 00 s": a report's seconds, exactly."""
    if not seconds:
        return ""
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}\u00a0h\u00a0{minutes:02d}\u00a0min\u00a0{rest:02d}\u00a0s"
    return f"{minutes}\u00a0min\u00a0{rest:02d}\u00a0s" if minutes else f"{rest}\u00a0s"


def _event_cells(row) -> list[str]:
    event, _name, _email, _course, _version, module = row
    names = event.statement.get("object", {}).get("definition", {}).get("name", {})
    subject = next(iter(names.values()), "") if event.verb in ABOUT_SOMETHING_NAMED else (module or "")
    result = event.statement.get("result", {})
    if event.verb == "answered":
        outcome = {True: "juste", False: "faux"}.get(result.get("success"), "")
    elif result.get("score"):
        outcome = f"{round(result['score']['scaled'] * 100)}\u202f%"
    else:
        outcome = ""
    duration = short_duration(event.duration_seconds)
    if duration and event.verb in SUMS:
        duration = f"({duration}, cumul)"
    with force_locale("fr"):
        label = str(LABELS.get(event.verb, event.verb))
    return [local(event.occurred_at), label, subject, duration, outcome]


def record_pdf(evidence: Evidence) -> bytes:
    """The readable « relevé d'activité »: the record, the attempts and the certificate."""
    data = evidence.attestation
    pdf = _Document(f"Relevé d’activité — {data.learner_name}")
    pdf.footer_text = f"Relevé d’activité · {data.learner_name} · {data.course_title} · "
    pdf.add_page()
    pdf.set_font("Serif", "B", 17)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, "Relevé d’activité", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    facts = [
        (
            "Organisme de formation",
            f"{data.body_name} (déclaration d’activité {declaration(data.declaration_number)})",
        ),
        ("Bénéficiaire", f"{data.learner_name} <{evidence.learner_email}>"),
        ("Action", f"{data.course_title} (version {evidence.course_version} du contenu)"),
        ("Période", f"du {day(data.first_day)} au {day(data.last_day)}"),
        ("Temps actif mesuré", f"{hours_and_minutes(data.seconds)} ({data.seconds} secondes)"),
        ("Établi le", day(data.made_on)),
    ]
    _table(pdf, None, facts, (45, 125))
    pdf.paragraph(
        "Le temps actif est la somme des durées de lecture des modules (temps mesuré sur leurs pages, "
        "plafonné), une ligne par relevé du navigateur. Les durées entre parenthèses "
        "(«\u00a0cumul\u00a0») répètent ces mêmes secondes et ne s’y ajoutent pas. Heures en "
        f"{get_timezone()}.",
        size=8.5,
    )
    _heading(pdf, "Événements enregistrés")
    rows = [_event_cells(row) for row in evidence.events]
    _table(
        pdf,
        ["Date et heure", "Événement", "Module ou question", "Durée", "Résultat"],
        rows,
        (33, 31, 58, 30, 18),
    )
    _heading(pdf, "Tentatives aux questionnaires")
    if evidence.attempts:
        attempts = [
            [
                local(a.created_at),
                a.module.title,
                f"{a.score}\u202f%",
                "oui" if a.passed else "non",
                str(a.course_version),
            ]
            for a in evidence.attempts
        ]
        _table(
            pdf,
            ["Date et heure", "Questionnaire", "Score", "Réussi", "Version"],
            attempts,
            (33, 89, 16, 14, 18),
        )
    else:
        pdf.paragraph("Aucune tentative.")
    _heading(pdf, "Certificat Cadre")
    _table(pdf, None, certificate_facts(evidence), (45, 125))
    return bytes(pdf.output())


def certificate_facts(evidence: Evidence) -> list[tuple[str, str]]:
    found = evidence.certificate
    if found is None:
        return [("Certificat", "aucun certificat délivré à ce jour")]
    if found.revoked_at is not None:
        state = f"révoqué le {day(found.revoked_at.date())}"
    elif found.withdrawn_at is not None:
        state = f"retiré le {day(found.withdrawn_at.date())}"
    else:
        state = "valide"
    facts = [
        ("Délivré le", day(found.issued_at.date())),
        ("Code de vérification", found.code),
        ("État", state),
        ("Vérification en ligne", evidence.certificate_url or ""),
    ]
    if found.modules_completed is not None:
        facts.append(("Modules terminés", str(found.modules_completed)))
    if found.final_score is not None:
        facts.append(("Score au test final", f"{found.final_score}\u202f%"))
    if found.course_duration:  # the edition's announced length, as the certificate states it
        facts.append(("Durée annoncée du cours", hours_and_minutes(found.course_duration * 60)))
    return facts


def _heading(pdf: _Document, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("Serif", "B", 12.5)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1)


def _table(pdf: _Document, header: list[str] | None, rows: list, widths: tuple) -> None:
    """fpdf2's table: wraps long cells, repeats the header on each page."""
    pdf.set_font("Sans", "", 8)
    pdf.set_draw_color(*GREY)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        first_row_as_headings=header is not None,
        line_height=4.6,
        padding=1,
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(family="Serif", emphasis="BOLD", color=NAVY),
    ) as table:
        for cells in [header] if header else []:
            table.row(cells)
        for cells in rows:
            table.row([str(c) for c in cells])
    pdf.ln(2)


def attempts_csv(attempts: list[QuizAttempt]) -> str:
    """The attempts as a French spreadsheet reads them (";", dd/mm/yyyy)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=FRENCH.delimiter, lineterminator="\r\n")
    writer.writerow(["Date et heure", "Questionnaire", "Score (%)", "Réussi (1/0)", "Version du contenu"])
    for a in attempts:
        writer.writerow(
            [local(a.created_at), as_text(a.module.title), a.score, int(a.passed), a.course_version]
        )
    return "\ufeff" + buffer.getvalue()


def pack(certificate_pdf: bytes, evidence: Evidence) -> bytes:
    """The zip: certificate, record (PDF and CSV) and attempts (CSV)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("1-certificat-de-realisation.pdf", certificate_pdf)
        archive.writestr("2-releve-d-activite.pdf", record_pdf(evidence))
        archive.writestr("3-releve-d-activite.csv", "".join(csv_lines(evidence.events, FRENCH)))
        archive.writestr("4-tentatives.csv", attempts_csv(evidence.attempts))
    return buffer.getvalue()
