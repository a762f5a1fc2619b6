"""Render a certificate of completion as a one-page A4 landscape PDF.

The PDF is generated once, when the certificate is issued, and stored; this module is
therefore pure (data in, bytes out) and knows nothing about the database or requests.

Every label goes through Flask-Babel's ``gettext`` (English msgids, French in the
catalogue) under ``force_locale``, so the document's language is the one asked for,
not the one of whoever happens to trigger the rendering.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import segno
from babel import Locale
from babel.dates import format_date
from flask_babel import force_locale, get_locale
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, WrapMode

from app.date_formats import date_locale, first_of_month
from app.i18n import gettext as _
from app.i18n import ngettext
from app.templating import duration

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"

# DejaVu covers Latin Extended (Œ, ł, ç), typographic quotes and Greek, which the core
# PDF fonts (Latin-1 only) cannot; fpdf2 embeds only the glyphs actually used. Each
# face costs ~20-30 ms per document (built once, by the job queue).
_FONTS = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Serif", ""): "DejaVuSerif.ttf",
    ("Serif", "B"): "DejaVuSerif-Bold.ttf",
}
# A certificate's code is typed back by hand: its mono tells 0 from O and l, I and 1 apart.
_CODE_FONT = ("Mono", "B", "DejaVuSansMono-Bold.ttf")

# Palette: a deep navy for structure, a muted gold for the fine rules, greys for labels.
NAVY = (31, 58, 95)
GOLD = (176, 141, 87)
INK = (33, 37, 41)
GREY = (98, 106, 117)

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, in mm
CONTENT_X = 35.0  # side margin of the centred block, well inside the frame
CONTENT_W = PAGE_W - 2 * CONTENT_X
QR_SIZE = 36.0  # mm for the symbol itself; ~1 mm modules scan easily from paper or screen
QR_MARGIN = 24.0  # from the page edge; leaves > 4 modules of quiet zone inside the frame


@functools.cache
def _name_font_characters() -> frozenset[int]:
    """Code points the font of the holder's name can draw."""
    with TTFont(FONT_DIR / _FONTS[("Serif", "B")], lazy=True) as font:
        return frozenset(font.getBestCmap())


def unprintable_characters(text: str) -> str:
    """The characters of ``text`` a certificate could not print (fpdf2 would drop them silently)."""
    covered = _name_font_characters()
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in covered))


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate, frozen at the time it was issued."""

    holder_name: str
    course_title: str
    publisher: str
    issued_on: datetime.date
    course_version: int  # content version number the certificate was earned on
    content_updated: datetime.date  # when the course facts were last checked, for that version
    code: str  # unguessable verification code, e.g. 22 url-safe chars
    verify_url: str  # absolute URL of the public verification page
    # What was attested; None on certificates issued before Cadre recorded it.
    modules_completed: int | None = None
    final_score: int | None = None  # percent, when the course had a final test
    course_duration: int | None = None  # minutes, the course's announced length
    language: str | None = None  # the language the course was taken in


def render_certificate_pdf(
    data: CertificateData,
    locale: str = "fr",
    *,
    created_at: datetime.datetime | None = None,
) -> bytes:
    """Return the certificate as PDF bytes, labelled in ``locale``.

    ``created_at`` sets the PDF creation date (defaults to now, in UTC); passing a fixed
    value makes the output byte-for-byte reproducible.
    """
    with force_locale(locale):
        pdf = _CertificatePDF(data, locale)
        pdf.draw()
        pdf.set_creation_date(created_at or datetime.datetime.now(datetime.UTC))
        return bytes(pdf.output())


def attestation(
    modules_completed: int | None, final_score: int | None, course_duration: int | None = None
) -> str:
    """What the certificate attests, in the current locale ("" when it was not recorded): the
    modules, the final test's score and the course's announced length, as far as they were kept."""
    if modules_completed is None:
        return ""
    attested = ngettext("%(num)d module completed", "%(num)d modules completed", modules_completed)
    if final_score is not None:
        attested = _("%(modules)s; final test passed with %(score)d%%", modules=attested, score=final_score)
    if course_duration:
        length = duration(course_duration, get_locale().language)
        attested = _("%(attested)s; a course of about %(duration)s", attested=attested, duration=length)
    return attested


def format_long_date(day: datetime.date, locale: str) -> str:
    """``26 novembre 2026`` / ``26 November 2026``."""
    babel_locale = date_locale(locale)
    return first_of_month(format_date(day, format="long", locale=babel_locale), day, babel_locale)


class _CertificatePDF(FPDF):
    """One certificate, drawn at absolute positions so nothing can spill onto a 2nd page."""

    def __init__(self, data: CertificateData, locale: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.data = data
        self.locale = locale
        # Fixed layout: an automatic page break would only ever produce a stray page.
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        # Fonts are the bulk of the ~0.13 s a certificate takes: parsing in add_font and
        # subsetting in output(). They are not cached across documents because fpdf2
        # subsets the parsed fontTools object in place, so it cannot be shared; a
        # certificate is rendered once and stored, which makes the cost acceptable.
        for (family, style), filename in _FONTS.items():
            self.add_font(family, style, FONT_DIR / filename)
        family, style, filename = _CODE_FONT
        self.add_font(family, style, FONT_DIR / filename)
        self.set_lang(locale.replace("_", "-"))
        self.set_title(_("Certificate of completion — %(name)s", name=data.holder_name))
        self.set_author("Cadre")
        self.set_creator("Cadre")
        self.set_subject(
            _(
                "%(course)s, published by %(publisher)s",
                course=data.course_title,
                publisher=data.publisher,
            )
        )
        self.set_keywords(data.code)

    # -- layout -------------------------------------------------------------------------

    def draw(self) -> None:
        self.add_page()
        self._frame()
        self._heading()
        self._body()
        self._issue_details()
        self._verification()

    def _frame(self) -> None:
        # A heavy navy frame with a fine gold inner rule: the classic diploma look,
        # without images that would bloat the file.
        self.set_draw_color(*NAVY)
        self.set_line_width(1.4)
        self.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
        self.set_draw_color(*GOLD)
        self.set_line_width(0.35)
        self.rect(12.5, 12.5, PAGE_W - 25, PAGE_H - 25)

    def _heading(self) -> None:
        self.set_text_color(*NAVY)
        self.set_font("Serif", "B", 13)
        self.set_char_spacing(3)
        self._centred(26, 7, "CADRE")
        self.set_char_spacing(0)

        self.set_font("Serif", "B", 32)
        self._centred(38, 14, _("Certificate of completion"))

        self.set_draw_color(*GOLD)
        self.set_line_width(0.5)
        self.line(PAGE_W / 2 - 25, 57, PAGE_W / 2 + 25, 57)

    def _body(self) -> None:
        d = self.data
        self.set_text_color(*GREY)
        self.set_font("Sans", "", 12)
        self._centred(64, 6, _("awarded to"))

        self.set_text_color(*INK)
        self._fit_block(d.holder_name, "Serif", "B", y=71, h=22, max_size=34, min_size=14)

        self.set_text_color(*GREY)
        self.set_font("Sans", "", 12)
        self._centred(96, 6, _("for completing the course"))

        self.set_text_color(*NAVY)
        self._fit_block(d.course_title, "Serif", "", y=103, h=20, max_size=21, min_size=9, max_lines=3)

        self.set_text_color(*GREY)
        self._fit_block(
            _("published by %(publisher)s", publisher=d.publisher),
            "Sans",
            "",
            y=125,
            h=9,
            max_size=11,
            min_size=7,
        )
        attested = attestation(d.modules_completed, d.final_score, d.course_duration)
        if attested:
            self.set_text_color(*INK)
            self._fit_block(attested, "Sans", "", y=135, h=8, max_size=10.5, min_size=7)

    def _issue_details(self) -> None:
        """Bottom left: the date of issue and the content version it was earned on."""
        d = self.data
        x, w = 26.0, 100.0  # one line for "Version 12 du contenu, vérifiée le 20 septembre 2026"
        self.set_text_color(*GREY)
        self.set_font("Sans", "", 9)
        self.set_xy(x, 152)
        self.cell(w, 5, _("Date of issue"), new_x="LEFT", new_y="NEXT")
        self.set_text_color(*INK)
        self.set_font("Serif", "B", 15)
        self.cell(w, 8, format_long_date(d.issued_on, self.locale), new_x="LEFT", new_y="NEXT")

        self.set_draw_color(*GOLD)
        self.set_line_width(0.3)
        self.line(x + 1, 168, x + 60, 168)

        self.set_text_color(*GREY)
        self.set_font("Sans", "", 9)
        self.set_xy(x, 171)
        self.multi_cell(
            w,
            4.5,
            align="L",
            text=(
                _(
                    "Taken in %(language)s · content version %(version)s, checked on %(date)s",
                    language=Locale.parse(d.language).get_display_name(self.locale),
                    version=d.course_version,
                    date=format_long_date(d.content_updated, self.locale),
                )
                if d.language
                else _(
                    "Content version %(version)s, checked on %(date)s",
                    version=d.course_version,
                    date=format_long_date(d.content_updated, self.locale),
                )
            ),
        )

    def _verification(self) -> None:
        """Bottom right: QR code of the verification URL, with the URL and code beside it."""
        d = self.data
        qr_x = PAGE_W - QR_MARGIN - QR_SIZE
        qr_y = PAGE_H - QR_MARGIN - QR_SIZE
        self.image(
            _qr_png(d.verify_url),
            x=qr_x,
            y=qr_y,
            w=QR_SIZE,
            h=QR_SIZE,
            link=d.verify_url,
            alt_text=d.verify_url,
        )

        # The text column ends 5 mm left of the symbol (the quiet zone) and is right
        # aligned against it, so the URL reads as the caption of the code.
        right = qr_x - 5
        w = 115.0  # up to the left column: room for a ~70-character URL at 8.5 pt
        x = right - w
        top = qr_y + 5  # centres the three lines on the symbol
        self.set_text_color(*GREY)
        self.set_font("Sans", "", 9)
        self.set_xy(x, top)
        self.cell(w, 5, _("Verify this certificate online:"), align=Align.R)

        # The URL stays on one line (a broken URL cannot be typed back); shrink instead.
        self.set_text_color(*NAVY)
        self._fit_block(
            d.verify_url,
            "Sans",
            "",
            y=top + 5.5,
            h=6,
            max_size=10,
            min_size=6,
            x=x,
            w=w,
            align=Align.R,
            link=d.verify_url,
            max_lines=1,
        )

        self.set_text_color(*GREY)
        self.set_font("Sans", "", 9)
        self.set_xy(x, top + 15)
        self.cell(w, 5, _("Verification code"), align=Align.R)
        self.set_text_color(*INK)
        self._fit_block(
            d.code,
            "Mono",
            "B",
            y=top + 20,
            h=6,
            max_size=11,
            min_size=6,
            x=x,
            w=w,
            align=Align.R,
            max_lines=1,
        )

    # -- helpers ------------------------------------------------------------------------

    def _centred(self, y: float, h: float, text: str) -> None:
        self.set_xy(CONTENT_X, y)
        self.cell(CONTENT_W, h, text, align=Align.C)

    def _fit_block(
        self,
        text: str,
        family: str,
        style: str,
        *,
        y: float,
        h: float,
        max_size: float,
        min_size: float,
        x: float = CONTENT_X,
        w: float = CONTENT_W,
        align: Align = Align.C,
        max_lines: int = 2,
        link: str = "",
    ) -> None:
        """Draw ``text`` vertically centred in the box, at the largest size that fits.

        The size is searched by half points. A further line is only accepted once the
        text is small enough for all lines to fit the box height, so shrinking comes
        before wrapping. Below ``min_size`` the text is cut with an ellipsis rather than
        allowed to run over the frame or the blocks below (the model caps lengths well
        before that point).
        """
        text = _keep_together(text)

        def layout(size: float) -> tuple[list[str], float, bool]:
            self.set_font(family, style, size)
            line_h = size * 0.3528 * 1.18  # pt -> mm, plus leading
            lines = self._lines(text, w, line_h, wrap=max_lines > 1)
            fits = len(lines) <= max_lines and len(lines) * line_h <= h + 0.01
            return lines, line_h, fits and not self._too_wide(lines, w)

        # Binary search over the half-point steps: a dry-run wrap costs ~1 ms, and long
        # titles would otherwise take dozens of them.
        steps = [max_size - 0.5 * i for i in range(int((max_size - min_size) * 2) + 1)]
        lo, hi = 0, len(steps)  # steps[:lo] known too big; steps[hi:] known to fit
        while lo < hi:
            mid = (lo + hi) // 2
            if layout(steps[mid])[2]:
                hi = mid
            else:
                lo = mid + 1
        truncated = False
        if lo < len(steps):
            lines, line_h, _fits = layout(steps[lo])
        else:
            lines, line_h, _fits = layout(min_size)
            if len(lines) > max_lines or self._too_wide(lines, w):
                lines, truncated = self._truncate(lines[:max_lines], w), True
            line_h = min(line_h, h / len(lines))
        if len(lines) > 1 and not truncated:
            lines = self._balance(text, lines, w, line_h)
        self.set_y(y + (h - len(lines) * line_h) / 2)
        for line in lines:
            self.set_x(x)
            self.cell(w, line_h, line, align=align, link=link, new_x="LEFT", new_y="NEXT")

    def _lines(self, text: str, w: float, line_h: float, *, wrap: bool) -> list[str]:
        if not wrap or self.get_string_width(text) + 2 * self.c_margin <= w:
            return [text]
        return self.multi_cell(
            w, line_h, text, dry_run=True, output=MethodReturnValue.LINES, wrapmode=WrapMode.WORD
        )

    def _balance(self, text: str, lines: list[str], w: float, line_h: float) -> list[str]:
        """Re-wrap at the narrowest width giving the same number of lines.

        A greedy wrap leaves a long first line and an orphan word or two below it;
        evenly filled lines look intentional on a centred title. A width that would
        only work by breaking inside a word (fpdf2's fallback for words longer than
        the line) does not count.
        """
        words = text.split()
        best = lines
        lo, hi = w / len(lines), w
        while hi - lo > 1:  # mm: finer than any visible difference
            mid = (lo + hi) / 2
            candidate = self._lines(text, mid, line_h, wrap=True)
            if len(candidate) <= len(lines) and " ".join(candidate).split() == words:
                best, hi = candidate, mid
            else:
                lo = mid
        return best

    def _too_wide(self, lines: list[str], w: float) -> bool:
        return any(self.get_string_width(line) + 2 * self.c_margin > w for line in lines)

    def _truncate(self, lines: list[str], w: float) -> list[str]:
        """Cut the last line (of a text that does not fit) so it ends with an ellipsis."""
        last = lines[-1]
        while last and self.get_string_width(last + "…") + 2 * self.c_margin > w:
            last = last[:-1]
        return [*lines[:-1], last.rstrip() + "…"]


def _keep_together(text: str) -> str:
    """Use no-break spaces where French typography forbids a line break.

    Titles and names come from authors as typed (« deepfakes », « Cadre : ... »); a
    guillemet or colon left alone at a line end or start is a visible typo in print.
    fpdf2 never breaks lines at U+00A0.
    """
    for before, after in (
        ("« ", "«\u00a0"),
        (" »", "\u00a0»"),
        (" :", "\u00a0:"),
        (" ;", "\u00a0;"),
        (" !", "\u00a0!"),
        (" ?", "\u00a0?"),
    ):
        text = text.replace(before, after)
    return text


def _qr_png(url: str) -> BytesIO:
    """The verification URL as a QR code PNG (error correction M, no quiet zone).

    The quiet zone is left out of the image and provided by the layout instead, so the
    size given to ``image()`` is the size of the symbol itself. 10 px per module keeps
    the edges sharp in viewers that smooth upscaled images.
    """
    qr = segno.make(url, error="m", micro=False, boost_error=False)
    buf = BytesIO()
    qr.save(buf, kind="png", scale=10, border=0, dark="#000000", light="#ffffff")
    buf.seek(0)
    return buf
