"""Uploaded packages are imported by a job whose steps the uploader follows (app.publishing.imports)."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from app.catalog.images import CourseImage
from app.extensions import db
from app.publishing import imports, services
from app.publishing.models import CHECKING, DONE, FAILED, IMAGES, QUEUED, CourseDraft, PackageImport
from app.publishing.package import write_package
from tests import test_jobs
from tests.conftest import text_of
from tests.publishing import test_workflow
from tests.publishing.test_workflow import WS, as_, upload, valid_files

publisher = test_workflow.publisher  # fixtures
queued_app = test_jobs.queued_app


def photo(colour: tuple[int, int, int], kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, kind)
    return buffer.getvalue()


def with_images(files: dict[str, str], count: int = 2) -> bytes:
    """The package of ``files`` with ``count`` images Cadre never saw (so encoded again)."""
    buffer = io.BytesIO(write_package(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        for n in range(count):
            archive.writestr(f"courses/voix-et-ia/images/photo-{n}.png", photo((10 * n, 80, 120)))
    return buffer.getvalue()


def broken_files() -> dict[str, str]:
    files = valid_files()
    files["courses/voix-et-ia/course.md"] = "---\ntitle: Sans rien d’autre\n---\n"
    return files


@pytest.fixture
def later(app):
    """Jobs run once the response is sent, as in `make run`: the test closes the response."""
    app.config["JOBS_INLINE"] = "after-response"
    yield
    app.config.pop("JOBS_INLINE")


def status(client, import_id: int) -> dict:
    response = client.get(f"{WS}/imports/{import_id}/status")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def only_import() -> PackageImport:
    db.session.expire_all()
    return db.session.scalars(select(PackageImport)).one()


def test_a_package_is_followed_from_its_upload_to_its_draft(client, auth, publisher, later):
    as_(auth, publisher[2], "editor")
    response = client.post(
        f"{WS}/upload",
        data={"package": (io.BytesIO(with_images(valid_files())), "voix.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    found = only_import()
    assert response.location.endswith(f"{WS}/imports/{found.id}")
    assert found.state == QUEUED and found.filename == "voix.zip"
    page = text_of(client.get(response.location))
    assert "Importing voix.zip" in page and "Waiting for its turn" in page
    assert status(client, found.id)["finished"] is False
    workspace = text_of(client.get(WS))
    assert "Imports under way" in workspace and "voix.zip" in workspace
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0

    db.session.commit()  # the test's reads end their transaction, as a request's would
    response.close()  # the server has sent it: the job runs now

    assert status(client, found.id) == {
        "state": DONE, "finished": True, "percent": 100, "stage": "done:checking", "step": "Finished.",
    }  # fmt: skip
    done = client.get(f"{WS}/imports/{found.id}")
    assert done.status_code == 302 and done.location.endswith(f"{WS}/voix-et-ia")
    assert "The package was saved as a draft" in text_of(client.get(done.location))
    assert db.session.scalar(select(func.count(CourseImage.sha256))) == 2
    found = only_import()
    assert found.data is None and found.draft_slug == "voix-et-ia"  # the zip is not kept
    assert "Imports under way" not in text_of(client.get(WS))


def test_each_step_is_noted_as_the_job_goes(client, auth, publisher, later, monkeypatch):
    as_(auth, publisher[2], "editor")
    steps = []
    noted = imports._step

    def step(import_id, name, done, total):
        noted(import_id, name, done, total)
        found = db.session.get(PackageImport, import_id)
        db.session.refresh(found)  # as the page reads it, from the database
        steps.append((found.step, found.done, found.total, imports.progress_percent(found)))

    monkeypatch.setattr(imports, "_step", step)
    response = upload(client, with_images(valid_files(), 3))
    db.session.commit()
    response.close()
    assert steps == [
        (IMAGES, 0, 3, 5),
        (IMAGES, 1, 3, 31),
        (IMAGES, 2, 3, 58),
        (IMAGES, 3, 3, 85),
        (CHECKING, 0, 0, 90),
    ]
    assert only_import().state == DONE


def test_a_package_with_problems_changes_nothing_and_says_why(client, auth, publisher, later):
    as_(auth, publisher[2], "editor")
    response = upload(client, valid_files())
    db.session.commit()
    response.close()
    before = db.session.scalar(select(CourseDraft.files))
    response = upload(client, with_images(broken_files()))
    db.session.commit()
    response.close()
    found = db.session.scalars(select(PackageImport).order_by(PackageImport.id.desc())).first()
    db.session.refresh(found)
    assert found.state == FAILED and found.data is None
    assert found.problems[0] == "Fix these problems in the package and upload it again."
    page = client.get(f"{WS}/imports/{found.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "The package was refused; nothing was changed" in text and "Upload a course package" in text
    assert text.lower().count("nothing was changed") == 1  # said once, above the problems
    db.session.expire_all()
    assert db.session.scalar(select(CourseDraft.files)) == before  # the draft in place is kept
    assert db.session.scalar(select(func.count(CourseImage.sha256))) == 0  # no image stored


def test_problems_are_written_in_the_uploader_s_language(client, auth, publisher):
    as_(auth, publisher[2], "editor")
    client.post("/language/fr", data={"next": "/"})
    response = client.post(
        f"{WS}/upload",
        data={"package": (io.BytesIO(b"pas un zip"), "cours.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # run at once here: the upload answers with the outcome
    assert "Ce fichier n’est pas un paquet zip" in text_of(response)
    assert only_import().locale == "fr"


def test_an_unexpected_error_is_reported_and_changes_nothing(client, auth, publisher, monkeypatch, caplog):
    as_(auth, publisher[2], "editor")

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "save_files", broken)
    response = upload(client, with_images(valid_files()))
    assert response.status_code == 400
    assert "The import stopped on an unexpected error; nothing was changed" in text_of(response)
    assert "disk full" not in text_of(response)
    assert "Package import" in caplog.text
    assert only_import().state == FAILED
    assert db.session.scalar(select(func.count(CourseImage.sha256))) == 0
    imports.run_import(only_import().id)  # run again (a retry): nothing more happens
    assert only_import().problems[0].startswith("The import stopped")


def test_an_oversized_package_is_refused_before_it_is_stored(client, auth, publisher, app):
    as_(auth, publisher[2], "editor")
    app.config["PACKAGE_MAX_BYTES"] = 1000
    try:
        response = upload(client, with_images(valid_files()))
    finally:
        app.config["PACKAGE_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400 and "The package is larger than" in text_of(response)
    assert db.session.scalar(select(func.count(PackageImport.id))) == 0


def test_only_the_publisher_s_editors_follow_its_imports(client, auth, publisher, later):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    found = only_import()
    for role, code in (("other_editor", 404), ("outsider", 404), ("member", 403), ("reviewer", 403)):
        as_(auth, people, role)
        assert client.get(f"{WS}/imports/{found.id}").status_code == code, role
        assert client.get(f"{WS}/imports/{found.id}/status").status_code == code, role
    as_(auth, people, "admin")
    assert client.get(f"{WS}/imports/{found.id}").status_code == 200
    assert client.get(f"{WS}/imports/{found.id + 1}").status_code == 404


def test_finished_imports_are_forgotten_after_a_week(client, auth, publisher):
    from app.models_base import utcnow

    as_(auth, publisher[2], "editor")
    upload(client, valid_files())
    old = only_import()
    old.updated_at = utcnow() - timedelta(days=8)
    db.session.commit()
    upload(client, valid_files())
    db.session.expire_all()
    left = db.session.scalars(select(PackageImport)).all()  # SQLite may give the new one the old id
    assert len(left) == 1 and left[0].updated_at > utcnow() - timedelta(minutes=5)


def queued_editor(queued_app):
    """A publisher's editor signed in on an app with a queue (tests.test_jobs.queued_app)."""
    from app.accounts.models import User
    from app.orgs import services as orgs
    from tests.conftest import PASSWORD

    db.create_all()
    org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
    editor = User(full_name="Éva Autrice", email="editor@syndicat.example")
    editor.set_password(PASSWORD)
    db.session.add(editor)
    db.session.flush()
    orgs.set_role(org, editor, "editor")
    db.session.commit()
    client = queued_app.test_client()
    client.post("/account/login", data={"email": editor.email, "password": PASSWORD})
    return client


def test_with_a_queue_the_worker_imports_the_package(queued_app):
    client = queued_editor(queued_app)
    response = upload(client, with_images(valid_files()))
    assert response.status_code == 303  # queued: the page that follows it
    found = only_import()
    assert status(client, found.id)["state"] == QUEUED
    db.session.commit()
    test_jobs.run_worker(queued_app)
    assert status(client, found.id)["state"] == DONE
    assert client.get(response.location).location.endswith(f"{WS}/voix-et-ia")


@pytest.mark.parametrize("failures, state", [(1, DONE), (3, FAILED)])
def test_a_database_error_is_tried_again_by_the_queue(queued_app, monkeypatch, failures, state):
    """Busy or away, the database fails the job; the queue runs it again (two retries here), and
    only when none is left does the person read that it failed."""
    save_files, calls = services.save_files, []

    def busy_then_free(*args, **kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))
        return save_files(*args, **kwargs)

    monkeypatch.setattr(services, "save_files", busy_then_free)
    client = queued_editor(queued_app)
    response = upload(client, with_images(valid_files()))
    found = only_import()
    db.session.commit()
    test_jobs.run_worker(queued_app)
    assert len(calls) == failures + (state == DONE) and status(client, found.id)["state"] == state
    if state == FAILED:
        assert "unexpected error" in text_of(client.get(response.location))
    else:
        assert client.get(response.location).location.endswith(f"{WS}/voix-et-ia")


def test_an_import_whose_job_was_lost_says_so_and_is_cleared(client, auth, publisher, later):
    from app.models_base import utcnow

    as_(auth, publisher[2], "editor")
    upload(client, valid_files())  # never closed: its job never runs
    lost = only_import()
    lost.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert status(client, lost.id)["finished"] is True  # the page's script stops asking
    page = client.get(f"{WS}/imports/{lost.id}")
    assert page.status_code == 200 and "This import stopped without finishing" in text_of(page)
    assert "Imports under way" not in text_of(client.get(WS))
    imports.run_import(lost.id)  # its job, come too late, changes nothing
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0
    upload(client, valid_files())  # the next upload deletes it, zip and all
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PackageImport.id))) == 1


def test_a_late_job_does_not_overwrite_a_draft_saved_since_the_upload(client, auth, publisher, later):
    as_(auth, publisher[2], "editor")
    response = upload(client, valid_files())
    db.session.commit()
    response.close()
    stale = upload(client, with_images(valid_files()))
    found = db.session.scalars(select(PackageImport).order_by(PackageImport.id.desc())).first()
    draft = db.session.scalar(select(CourseDraft))
    draft.updated_at = found.created_at + timedelta(seconds=1)  # a colleague saved it meanwhile
    db.session.commit()
    stale.close()
    db.session.refresh(found)
    assert found.state == FAILED and "was saved again after this package was uploaded" in found.problems[0]
    assert db.session.scalar(select(func.count(CourseImage.sha256))) == 0


def test_a_job_run_after_the_uploader_lost_their_role_saves_nothing(client, auth, publisher, later):
    from app.orgs import services as orgs

    org, _, people = publisher
    as_(auth, people, "editor")
    response = upload(client, valid_files())
    orgs.set_role(org, people["editor"], "member")
    db.session.commit()
    response.close()
    found = only_import()
    assert found.state == FAILED and "no longer edit" in found.problems[0]
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0


def test_two_runs_of_one_import_at_once_finish_it_once(client, auth, publisher, later, monkeypatch):
    """A run that read the import just before another run of its job finished it (a queue that
    delivers a job twice) neither runs it again nor turns the other's outcome into a failure."""
    as_(auth, publisher[2], "editor")
    response = upload(client, with_images(valid_files()))
    found = only_import()
    checked = imports.stale

    def the_other_run_finishes_it_now(one):
        monkeypatch.setattr(imports, "stale", checked)
        imports.run_import(one.id)  # the other run, from start to end
        return checked(one)

    monkeypatch.setattr(imports, "stale", the_other_run_finishes_it_now)  # after this run's read
    db.session.commit()
    response.close()
    found = only_import()
    assert found.state == DONE and not found.problems and found.draft_slug == "voix-et-ia"
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 1
    assert db.session.scalar(select(func.count(CourseImage.sha256))) == 2


def test_a_run_that_finds_its_import_finished_since_it_read_it_stops(client, auth, publisher, later):
    as_(auth, publisher[2], "editor")
    upload(client, valid_files())  # its job never runs: the response is not closed
    found = only_import()
    assert found.data is not None and found.state == QUEUED  # what the run has read
    db.session.expunge(found)  # this run's copy of the row, as read
    failed = {"state": FAILED, "problems": ["Stopped by another run."], "data": None}
    db.session.execute(update(PackageImport).where(PackageImport.id == found.id).values(**failed))
    db.session.commit()  # another run has finished it
    assert imports._import(found) == ["This import can no longer be run: upload the package again."]
    db.session.rollback()
    found = only_import()
    assert found.state == FAILED and found.problems == ["Stopped by another run."]
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0


def test_an_import_id_out_of_range_is_a_404(client, auth, publisher):
    as_(auth, publisher[2], "editor")
    assert client.get(f"{WS}/imports/{2**63}").status_code == 404
    assert client.get(f"{WS}/imports/{2**63}/status").status_code == 404
