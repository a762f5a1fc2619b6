"""bench/plans.py finds the tables a statement reads whole, on both databases: the benchmark runs
it on every page's statements (tests/test_bench.py asserts that none is read whole)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from app.accounts.models import User
from app.extensions import db
from app.models_base import utcnow
from bench.plans import LARGE, sqlite_whole_reads, whole_reads

BY_NAME = "SELECT users.id FROM users WHERE users.full_name = {}"  # no index on full_name
BY_EMAIL = "SELECT users.id FROM users WHERE users.email = {}"  # unique: an index


def analyse_users() -> None:
    """What autovacuum does some time after rows are loaded: the planner's statistics, which size
    the table."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE users"))


def plan_of(template: str, value: str) -> list[str]:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return whole_reads(connection, template.format("%(value)s"), {"value": value})
    return whole_reads(connection, template.format("?"), (value,))


def test_a_lookup_by_an_index_is_not_a_whole_read_and_a_filter_on_a_plain_column_is(app):
    now = utcnow()
    rows = [
        {"email": f"p{n}@example.org", "full_name": f"Personne {n}", "password_hash": "x", "created_at": now}
        for n in range(LARGE + 200)
    ]
    db.session.execute(User.__table__.insert(), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        analyse_users()
    assert plan_of(BY_EMAIL, "p7@example.org") == []
    found = plan_of(BY_NAME, "Personne 7")
    assert len(found) == 1 and found[0].startswith("users (whole table"), found
    db.session.rollback()


def test_a_small_table_read_whole_is_the_right_choice_on_postgresql_and_not_reported(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's plans do not depend on sizes")
    db.session.execute(
        User.__table__.insert(), [{"email": "a@example.org", "full_name": "A", "password_hash": "x"}]
    )
    db.session.commit()
    assert plan_of(BY_NAME, "A") == ["users (whole table, rows unknown)"]  # never counted: reported
    db.session.rollback()
    analyse_users()
    assert plan_of(BY_NAME, "A") == []
    db.session.rollback()


@pytest.mark.parametrize(
    ("details", "found"),
    [
        (["SEARCH users USING INDEX ix_users_email (email=?)"], []),
        (["SCAN CONSTANT ROW", "SCAN (subquery-1)", "SCAN anon_1"], []),
        (["SCAN course_search VIRTUAL TABLE INDEX 0:M1"], []),
        (["SCAN users"], ["users (whole table)"]),
        (
            ["  SCAN courses USING COVERING INDEX ix_courses_listing"],
            ["courses (whole index ix_courses_listing)"],
        ),
        (["SCAN shown USING INDEX ix_courses_title"], ["shown (whole index ix_courses_title)"]),
    ],
)
def test_sqlite_scans_of_tables_are_whole_reads_and_other_scans_are_not(details, found):
    assert sqlite_whole_reads(details) == found


def served_by_an_index(statement: str, parameters) -> list[str]:
    """The tables ``statement`` reads whole, whatever their size: on PostgreSQL, with sequential
    scans off, a whole read left means that no index serves it (on tables this small the planner
    would rightly prefer to read them)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return whole_reads(connection, statement, parameters, large=0)


@contextmanager
def statements_run():
    """The statements run inside the block, with their values, as a list filled in as they run."""
    ran: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        ran.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield ran
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def test_the_public_certificate_lookups_are_served_by_indexes(app):
    """A code typed in the wrong case (anyone can type one) and the revocation list (every
    verifier fetches it): neither reads every certificate."""
    from app.certificates.services import CODE_LENGTH, find_by_typed_code
    from app.credentials.services import revocation_list

    with statements_run() as ran, app.test_request_context():
        assert find_by_typed_code("Z" * CODE_LENGTH) is None
        revocation_list()
    looked_up = [(s, p) for s, p in ran if "lower(certificates.code)" in s]
    listed = [(s, p) for s, p in ran if "revoked_at IS NOT NULL OR" in s]
    assert len(looked_up) == 1 and len(listed) == 1, ran
    for statement, parameters in looked_up + listed:
        assert served_by_an_index(statement, parameters) == [], statement
    db.session.rollback()


def test_the_organisations_an_account_alone_administers_are_found_by_index(app, make_user):
    """The page before deleting one's account names them: from the person's memberships, not
    from every administrator of the site."""
    from app.accounts.personal_data import organisations_left_without_admin

    user = make_user()
    with statements_run() as ran:
        assert organisations_left_without_admin(user) == []
    [(statement, parameters)] = [(s, p) for s, p in ran if "FROM organisations" in s]
    assert served_by_an_index(statement, parameters) == [], statement
    db.session.rollback()


def test_a_publishers_translations_find_their_drafts_by_index(app, course):
    """The workspace and draft pages: the drafts of the publisher's translations, by course, not
    every draft of every publisher read."""
    from app.catalog.models import Course
    from app.orgs.models import PUBLISHER, Organisation
    from app.publishing.services import translations

    org = Organisation(slug="voix", name="Voix", kind=PUBLISHER)
    db.session.add(org)
    db.session.flush()
    edition = Course(
        **{c.key: getattr(course, c.key) for c in Course.__table__.columns if c.key not in ("id", "slug")},
    )
    edition.slug, edition.language, edition.edition_of_id = "voice", "en", course.id
    edition.organisation_id = org.id
    db.session.add(edition)
    db.session.flush()
    with statements_run() as ran:
        assert [t.edition.id for t in translations(org)] == [edition.id]
    [(statement, parameters)] = [(s, p) for s, p in ran if "FROM course_drafts" in s]
    assert served_by_an_index(statement, parameters) == [], statement
    db.session.rollback()
