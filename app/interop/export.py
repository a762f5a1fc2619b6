"""One course's quizzes as a file to download: GIFT or Moodle XML, with its name and media type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .gift import write_gift
from .moodle_xml import write_moodle_xml
from .quizzes import ExportedQuiz

GIFT, XML = "gift", "xml"
FORMATS = (GIFT, XML)


@dataclass(frozen=True)
class ExportFile:
    name: str
    mimetype: str
    data: bytes


def export_file(
    course_title: str, course_slug: str, quizzes: Sequence[ExportedQuiz], file_format: str
) -> ExportFile:
    """The quizzes as "<course>.gift.txt" (Moodle's GIFT import takes .txt) or "<course>.moodle.xml"."""
    if file_format == XML:
        return ExportFile(
            f"{course_slug}.moodle.xml", "application/xml", write_moodle_xml(course_title, quizzes)
        )
    data = write_gift(course_title, course_slug, quizzes).encode("utf-8")
    return ExportFile(f"{course_slug}.gift.txt", "text/plain", data)
