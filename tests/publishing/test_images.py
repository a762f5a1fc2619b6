"""Course images in the workspace: added and removed by editors, carried by packages and versions,
served with safe headers to those who may see them, and to nobody else."""

import io
import zipfile

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from app.catalog.images import CourseImage
from app.content import messages as msg
from app.content.image_refs import parse_reference
from app.extensions import db
from app.publishing import services
from app.publishing.models import CourseDraft, CourseVersion
from app.publishing.package import PackageError, read_package, write_package
from tests.conftest import VALID_CONTENT, text_of
from tests.publishing.test_workflow import WS, as_, publish, publisher, upload, valid_files  # noqa: F401

SLUG = "voix-et-ia"
MODULE = f"courses/{SLUG}/02-consentement.md"
IMAGE_PATH = f"courses/{SLUG}/images/cabine.png"
SHOWN = "\n\n![Une cabine d’enregistrement](images/cabine.png)\n"


def png(size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 90, 0)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def add_image(client, data: bytes, filename: str = "Cabine.png", name: str = ""):
    return client.post(
        f"{WS}/{SLUG}/images",
        data={"image_file": (io.BytesIO(data), filename), "image_name": name},
        content_type="multipart/form-data",
    )


def draft_files() -> dict[str, str]:
    db.session.expire_all()
    return db.session.scalar(select(CourseDraft.files).where(CourseDraft.slug == SLUG))


def image_url(files: dict[str, str], path: str = IMAGE_PATH) -> str:
    return f"/images/{SLUG}/{parse_reference(files[path]).sha256}/{path.rsplit('/', 1)[1]}"


def with_image_package() -> bytes:
    """A package whose module shows cabine.png, carried in the zip as a PNG."""
    files = valid_files()
    files[MODULE] += SHOWN
    buffer = io.BytesIO(write_package(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(IMAGE_PATH, png() + b"PK\x03\x04 appended zip payload")
    return buffer.getvalue()


@pytest.fixture
def drafted(client, auth, publisher):  # noqa: F811
    """The fixture course as a draft, its editor signed in."""
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    return people


@pytest.fixture
def live(client, auth, publisher):  # noqa: F811
    """The course published with an image shown in a module; nobody signed in."""
    _, _, people = publisher
    as_(auth, people, "editor")
    assert upload(client, with_image_package()).status_code == 302
    client.post(f"{WS}/{SLUG}/submit")
    as_(auth, people, "reviewer")
    publish(client)
    auth.logout()
    return people


# --- adding and removing -------------------------------------------------------------------------


def test_an_editor_adds_an_image_and_the_draft_page_lists_it(client, drafted):
    response = add_image(client, gps_jpeg(), "Photo Plateau.JPG")
    assert response.status_code == 302 and response.location.endswith(f"{WS}/{SLUG}#images-heading")
    files = draft_files()
    path = f"courses/{SLUG}/images/photo-plateau.jpg"
    ref = parse_reference(files[path])
    assert (ref.width, ref.height) == (30, 20)
    stored = db.session.get(CourseImage, ref.sha256)
    assert stored.media_type == "image/jpeg" and b"Exif" not in stored.data
    page = client.get(f"{WS}/{SLUG}")
    html = text_of(page)
    assert "Image photo-plateau.jpg added" in html
    assert f'src="{image_url(files, path)}"' in html and 'width="30" height="20"' in html
    assert "![what it shows](images/photo-plateau.jpg)" in html
    assert "No module shows this image yet." in html
    assert 'data-confirm="Remove the image photo-plateau.jpg from the draft?' in html
    # Unused: a warning, never a problem.
    draft = db.session.scalar(select(CourseDraft))
    assert draft.problems == [] and any(n.template == msg.UNUSED_IMAGE for n in services.warnings_of(draft))


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", "not a PNG"),
        (b"GIF89a" + b"\0" * 40, "x.png", "not a PNG"),
        (b"hello, I am text", "x.png", "not a PNG"),
        (png() + b"\0" * (300 * 1024), "big.png", "larger than 256 KB"),
        (png(size=(5000, 4000)), "huge.png", "more than 16 million pixels"),
    ],
    ids=["svg", "gif", "text", "oversized", "too-many-pixels"],
)
def test_a_refused_image_changes_nothing_and_says_why(app, client, drafted, data, filename, reason):
    # Small enough for the test client to keep uploads in memory (it spools larger ones to a file).
    app.config["IMAGE_MAX_BYTES"] = 256 * 1024
    before = draft_files()
    page = client.get(add_image(client, data, filename).location)
    assert "The image was not added" in text_of(page) and reason in text_of(page)
    assert draft_files() == before
    assert db.session.scalar(select(func.count()).select_from(CourseImage)) == 0


def test_a_name_already_used_is_refused(client, drafted):
    add_image(client, png(), name="cabine")
    before = draft_files()
    page = client.get(add_image(client, png(color=(0, 0, 0)), name="cabine").location)
    assert "already has an image named cabine.png" in text_of(page)
    assert draft_files() == before


def test_removing_an_image_a_module_shows_makes_a_problem(client, drafted):
    add_image(client, png(), name="cabine")
    files = draft_files()
    files[MODULE] += SHOWN
    client.post(f"{WS}/{SLUG}/modules/consentement", data={"text": files[MODULE], "quiz": ""})
    assert db.session.scalar(select(CourseDraft.problems)) == []
    client.post(f"{WS}/{SLUG}/files/remove", data={"path": IMAGE_PATH})
    assert IMAGE_PATH not in draft_files()
    problems = [str(p) for p in services.problems_of(db.session.scalar(select(CourseDraft)))]
    assert problems == [
        f"{MODULE}:{len(files[MODULE].splitlines())}: {msg.missing_image('images/cabine.png')}"
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("outsider", 404),
        ("other_editor", 404),
        ("member", 403),
        ("reviewer", 403),
        ("editor", 302),
        ("admin", 302),
    ],
)
def test_who_may_add_an_image(client, auth, drafted, role, status):
    as_(auth, drafted, role)
    assert add_image(client, png()).status_code == status


def test_adding_an_image_needs_an_account(client, auth, drafted):
    auth.logout()
    response = add_image(client, png())
    assert response.status_code == 302 and "/account/login" in response.location


def test_a_course_in_review_takes_no_new_image(client, drafted):
    client.post(f"{WS}/{SLUG}/submit")
    before = draft_files()
    page = client.get(add_image(client, png()).location)
    assert "in review" in text_of(page) and draft_files() == before


# --- packages and versions --------------------------------------------------------------------------


def test_a_package_carries_the_image_itself_and_comes_back_unchanged(client, drafted):
    assert upload(client, with_image_package()).status_code == 302
    files = draft_files()
    assert db.session.scalar(select(CourseDraft.problems)) == []
    stored = db.session.get(CourseImage, parse_reference(files[IMAGE_PATH]).sha256)
    assert b"PK\x03\x04" not in stored.data  # encoded again on upload: the appended zip is gone
    downloaded = client.get(f"{WS}/{SLUG}/package.zip").get_data()
    slug, read = read_package(downloaded)
    assert read[IMAGE_PATH] == stored.data and Image.open(io.BytesIO(read[IMAGE_PATH])).format == "PNG"
    assert upload(client, downloaded).status_code == 302
    assert draft_files() == files  # same references: the round trip changes nothing


def test_a_package_with_a_hostile_image_changes_nothing(client, drafted):
    before = draft_files()
    files = valid_files()
    buffer = io.BytesIO(write_package(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(f"courses/{SLUG}/images/schema.png", b"<svg onload=alert(1)></svg>")
    response = upload(client, buffer.getvalue())
    assert response.status_code == 400
    assert f"courses/{SLUG}/images/schema.png: not a PNG, JPEG or WebP image" in text_of(response)
    assert draft_files() == before


def test_publication_keeps_the_image_in_the_version_and_learners_see_it(client, live):
    version = db.session.scalar(select(CourseVersion))
    url = image_url(version.files)
    page = text_of(client.get(f"/courses/{SLUG}/consentement"))
    assert (
        f'<img alt="Une cabine d’enregistrement" height="48" loading="lazy" src="{url}" width="64">' in page
    )
    response = client.get(url)
    assert response.status_code == 200 and Image.open(io.BytesIO(response.get_data())).size == (64, 48)


# --- serving -------------------------------------------------------------------------------------------


def test_images_are_served_with_headers_that_keep_them_images(client, live):
    url = image_url(draft_files())
    response = client.get(url)
    headers = response.headers
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Content-Disposition"] == 'inline; filename="cabine.png"'
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(url, headers={"If-None-Match": headers["ETag"]}).status_code == 304


def test_an_address_is_not_a_permission(client, auth, live):
    url = image_url(draft_files())
    sha = url.split("/")[3]
    for wrong in (
        f"/images/{SLUG}/{sha}/autre.png",  # a name the course does not have
        f"/images/{SLUG}/{sha}/cabine.jpg",
        f"/images/{SLUG}/{'0' * 64}/cabine.png",
        f"/images/autre-cours/{sha}/cabine.png",
        f"/images/{SLUG}/{sha.upper()}/cabine.png",
    ):
        assert client.get(wrong).status_code == 404, wrong


def test_a_draft_image_is_for_the_publishers_staff_only(client, auth, live):
    """An image added after publication shows in no live page: only the staff may load it."""
    as_(auth, live, "editor")
    add_image(client, png(color=(1, 2, 3)), name="brouillon")
    url = image_url(draft_files(), f"courses/{SLUG}/images/brouillon.png")
    assert client.get(url).headers["Cache-Control"] == "private, max-age=31536000, immutable"
    as_(auth, live, "reviewer")
    assert client.get(url).status_code == 200
    for role in ("member", "outsider", "other_editor"):
        as_(auth, live, role)
        assert client.get(url).status_code == 404, role
    auth.logout()
    assert client.get(url).status_code == 404


def test_a_members_only_courses_images_stay_with_its_members(client, auth, live):
    draft = db.session.scalar(select(CourseDraft))
    services.set_visibility(draft, "members")
    db.session.commit()
    url = image_url(draft_files())
    assert client.get(url).status_code == 403  # anonymous: the members-only page, not the image
    as_(auth, live, "outsider")
    assert client.get(url).status_code == 403
    as_(auth, live, "member")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")


def repository_with_an_image(root):
    """The fixture content copied under *root*, its second module showing an image kept in images/."""
    for source in VALID_CONTENT.rglob("*.md"):
        target = root / source.relative_to(VALID_CONTENT)
        target.parent.mkdir(parents=True, exist_ok=True)
        extra = SHOWN if source.name == "02-consentement.md" else ""
        target.write_text(source.read_text(encoding="utf-8") + extra, encoding="utf-8")
    (root / f"courses/{SLUG}/images").mkdir()
    (root / IMAGE_PATH).write_bytes(png())
    return root


def test_a_bundled_course_may_hold_images(cli, cli_app, tmp_path):
    """`flask content import` stores a repository course's images/ and its pages show them."""
    result = cli("content", "import", str(repository_with_an_image(tmp_path)))
    assert result.exit_code == 0, result.output
    (row,) = db.session.scalars(select(CourseImage))
    url = f"/images/{SLUG}/{row.sha256}/cabine.png"
    client = cli_app.test_client()
    assert url in text_of(client.get(f"/courses/{SLUG}/consentement"))
    assert client.get(url).status_code == 200


def test_an_address_written_as_text_in_a_live_page_is_no_permission(client, auth, live):
    """A module may quote an image's address as text: learners still cannot load an image that
    no live page shows as an image."""
    as_(auth, live, "editor")
    add_image(client, png(color=(9, 9, 9)), name="brouillon")
    files = draft_files()
    url = image_url(files, f"courses/{SLUG}/images/brouillon.png")
    text = files[MODULE] + f'\n\nVoir `{url}` et <a href="{url}">{url}</a>.\n'
    client.post(
        f"{WS}/{SLUG}/modules/consentement",
        data={"text": text, "quiz": files.get(f"quizzes/{SLUG}/consentement.md", "")},
    )
    client.post(f"{WS}/{SLUG}/submit")
    as_(auth, live, "reviewer")
    assert publish(client).status_code == 302
    assert url in text_of(client.get(f"/courses/{SLUG}/consentement"))
    auth.logout()
    assert client.get(url).status_code == 404


def test_write_package_puts_the_bytes_and_read_package_gives_them_back():
    files = {**valid_files(), IMAGE_PATH: f"sha256:{'c' * 64} 64x48"}
    data = write_package(files, {"c" * 64: png()})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(IMAGE_PATH)
        assert info.compress_type == zipfile.ZIP_STORED and archive.read(IMAGE_PATH) == png()
    slug, read = read_package(data)
    assert read == {**valid_files(), IMAGE_PATH: png()}


def test_images_only_go_directly_in_the_images_folder_of_a_package():
    buffer = io.BytesIO(write_package(valid_files()))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(f"courses/{SLUG}/images/sub/a.png", png())
        archive.writestr(f"quizzes/{SLUG}/images/a.png", png())
    with pytest.raises(PackageError) as caught:
        read_package(buffer.getvalue())
    assert len(caught.value.problems) == 2
    assert all("sub-folders are not allowed" in problem for problem in caught.value.problems)


def test_the_draft_reading_page_shows_the_image(client, drafted):
    add_image(client, png(), name="cabine")
    files = draft_files()
    client.post(f"{WS}/{SLUG}/modules/consentement", data={"text": files[MODULE] + SHOWN, "quiz": ""})
    page = text_of(client.get(f"{WS}/{SLUG}/read"))
    assert f'height="48" loading="lazy" src="{image_url(files)}" width="64"' in page
    assert client.get(image_url(files)).status_code == 200  # the editor may load the draft's image


def test_the_live_preview_shows_the_drafts_images_and_their_problems(client, drafted):
    add_image(client, png(), name="cabine")
    files = draft_files()
    text = files[MODULE] + SHOWN + "\n![](images/cabine.png)\n\n![Absente](images/absente.png)\n"
    data = client.post(f"{WS}/{SLUG}/preview", json={"path": MODULE, "text": text}).get_json()
    assert f'src="{image_url(files)}"' in data["html"]
    lines = text.split("\n")
    problems = {(p["line"], p["message"]) for p in data["problems"]}
    assert (lines.index("![](images/cabine.png)") + 1, str(msg.IMAGE_WITHOUT_ALT)) in problems
    missing = (
        lines.index("![Absente](images/absente.png)") + 1,
        str(msg.missing_image("images/absente.png")),
    )
    assert missing in problems
