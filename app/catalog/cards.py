"""Course cards (templates/catalog/_course_card.html), each written once per process and kept.

A catalogue page shows 24 cards and the home page 9: rendered one by one, with their links,
language, level and duration names and translated labels, they cost over a third of a signed-in
catalogue page. A card's text depends only on the values it shows, the interface language and
the app's URL root, which together are its key: a card kept for one reader is exactly the card
another reader with the same values would get. Nothing of a person is kept but the three numbers
of their progress on the course and whether a final test is left for them, and only in the key of
a card that anyone with those values gets.
"""

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

# Cards kept per app (tests make many apps in one process); emptied when they grow past this (a
# card and its key take one or two kilobytes).
MAX_KEPT = 5_000


def course_card(course, progress, heading_level: int = 2) -> Markup:
    """The card of ``course`` (a CourseView) with the reader's ``progress`` on it (a
    CourseProgress, or None for a visitor), under a heading of this level."""
    key = (
        str(get_locale()),
        request.script_root,
        heading_level,
        course.id,
        course.slug,
        course.title,
        course.summary,
        course.language,
        course.level,
        course.duration,
        course.publisher,
        progress,  # a frozen dataclass: its values make the key
    )
    # While templates reload on change (development), so do cards: none is kept.
    kept = (
        {}
        if current_app.jinja_env.auto_reload
        else current_app.extensions.setdefault("cadre_course_cards", {})
    )
    card = kept.get(key)
    if card is None:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        html = render_template(
            "catalog/_course_card.html",
            course=course,
            progress={course.id: progress} if progress is not None else {},
            heading_level=heading_level,
        )
        card = kept[key] = Markup(html)  # noqa: S704 - the template's own escaped output
    return card
