"""`flask images prune`: stored images nothing refers to any more are deleted; those a draft, a
published version or a course page refers to, and any stored in the last day, are kept."""

from datetime import timedelta

from sqlalchemy import select, update

from app.catalog.images import CourseImage, delete_unreferenced, store_image
from app.content.image_refs import make_reference, parse_reference
from app.content.images import prepare_image
from app.extensions import db
from app.models_base import utcnow
from app.publishing.images import image_limits, prune_images
from app.publishing.models import CourseDraft, CourseVersion
from tests.conftest import counted_statements, text_of
from tests.publishing.test_images import (  # noqa: F401
    IMAGE_PATH,
    MODULE,
    SHOWN,
    SLUG,
    add_image,
    draft_files,
    drafted,
    image_url,
    live,
    png,
    repository_with_an_image,
    with_image_package,
)
from tests.publishing.test_workflow import WS, as_, publish, publisher, upload  # noqa: F401

LATER = timedelta(days=2)  # past the grace period of a day
DRAFT_IMAGE = f"courses/{SLUG}/images/brouillon.png"


def stored() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(CourseImage.sha256)))


def sha_of(files: dict[str, str], path: str = IMAGE_PATH) -> str:
    return parse_reference(files[path]).sha256


def make_old() -> None:
    """Every stored image as if it had been stored two days ago."""
    db.session.execute(update(CourseImage).values(created_at=utcnow() - LATER))
    db.session.commit()


def test_an_image_removed_from_the_draft_goes_once_a_day_old(client, drafted):  # noqa: F811
    add_image(client, png(), name="cabine")
    sha = sha_of(draft_files())
    client.post(f"{WS}/{SLUG}/files/remove", data={"path": IMAGE_PATH})
    assert prune_images(utcnow()) == 0  # just uploaded: its draft may not be saved yet
    assert sha in stored()
    assert prune_images(utcnow() + LATER) == 1
    db.session.commit()
    assert sha not in stored()
    assert prune_images(utcnow() + LATER) == 0  # nothing more to do


def test_what_a_draft_a_version_or_a_page_refers_to_is_kept_and_served(client, auth, live):  # noqa: F811
    """Version 1 shows cabine.png; version 2 shows brouillon.png instead; jetee.png came and went."""
    first = sha_of(draft_files())
    as_(auth, live, "editor")
    add_image(client, png(color=(1, 2, 3)), name="brouillon")
    add_image(client, png(color=(4, 5, 6)), name="jetee")
    gone = sha_of(draft_files(), f"courses/{SLUG}/images/jetee.png")
    for path in (IMAGE_PATH, f"courses/{SLUG}/images/jetee.png"):
        client.post(f"{WS}/{SLUG}/files/remove", data={"path": path})
    files = draft_files()
    text = files[MODULE].replace(SHOWN, "\n\n![Un brouillon](images/brouillon.png)\n")
    client.post(f"{WS}/{SLUG}/modules/consentement", data={"text": text, "quiz": ""})
    client.post(f"{WS}/{SLUG}/submit")
    as_(auth, live, "reviewer")
    assert publish(client).status_code == 302
    second = db.session.scalar(select(CourseVersion).where(CourseVersion.version == 2))
    assert IMAGE_PATH not in second.files  # cabine.png: only version 1 refers to it now
    assert prune_images(utcnow() + LATER) == 1
    db.session.commit()
    kept = sha_of(draft_files(), DRAFT_IMAGE)
    assert stored() == {first, kept} and gone not in stored()
    auth.logout()
    url = image_url(draft_files(), DRAFT_IMAGE)
    assert url in text_of(client.get(f"/courses/{SLUG}/consentement"))
    assert client.get(url).status_code == 200


def test_storing_an_image_again_makes_it_recent_again(client, drafted):  # noqa: F811
    """An old, unused image uploaded again (one by one or in a package) is kept for another day,
    even by a prune that reads the drafts before the upload saves its own."""
    add_image(client, png(), name="cabine")
    sha = sha_of(draft_files())
    client.post(f"{WS}/{SLUG}/files/remove", data={"path": IMAGE_PATH})
    make_old()
    add_image(client, png(), name="cabine")
    assert delete_unreferenced(set(), utcnow()) == 0  # as if nothing referred to it yet
    client.post(f"{WS}/{SLUG}/files/remove", data={"path": IMAGE_PATH})
    make_old()
    assert upload(client, with_image_package()).status_code == 302
    assert delete_unreferenced(set(), utcnow()) == 0
    assert sha in stored()
    make_old()
    assert delete_unreferenced(set(), utcnow()) == 1  # the same, old: gone


def test_the_command_keeps_a_repository_courses_images(cli, cli_app, tmp_path):
    """A course imported by `flask content import` has no draft: its pages refer to its images."""
    assert cli("content", "import", str(repository_with_an_image(tmp_path))).exit_code == 0
    (shown,) = stored()
    store_image(prepare_image(png(color=(0, 0, 0)), image_limits()))  # referred to by nothing
    db.session.commit()
    make_old()
    result = cli("images", "prune")
    assert result.exit_code == 0 and result.output == "1 unused image deleted.\n"
    assert cli("images", "prune").output == "0 unused images deleted.\n"
    assert stored() == {shown}
    assert cli_app.test_client().get(f"/images/{SLUG}/{shown}/cabine.png").status_code == 200


def test_pruning_takes_as_many_queries_for_many_courses_as_for_one(app, publisher):  # noqa: F811
    org, _, people = publisher

    def add_drafts(numbers) -> None:
        for n in numbers:
            files = {f"courses/cours-{n}/images/a.png": make_reference(f"{n:064x}", 1, 1)}
            draft = CourseDraft(organisation_id=org.id, slug=f"cours-{n}", files=files)
            draft.updated_by_id = people["editor"].id
            db.session.add(draft)
        db.session.commit()

    def statements() -> int:
        with counted_statements() as seen:
            prune_images(utcnow() + LATER)
        return len(seen)

    add_drafts([1])
    one = statements()
    add_drafts(range(2, 30))
    assert statements() == one <= 6
