"""Seed a database for the benchmark (bench/run.py), through the app's own models and services.

    DATABASE_URL=sqlite:////tmp/x/bench.sqlite .venv/bin/python bench/seed.py targets.json

What it makes, in this order:

1. the schema, with ``flask db upgrade`` (Alembic, the same migrations production runs);
2. the bundled catalogue (courses/, quizzes/ and the en/ editions), with ``flask content import``;
3. a generated catalogue of BENCH_COURSES courses (1,000): copies of the bundled courses' rows
   (course, editions, modules, questions) under new slugs, inserted in bulk;
4. BENCH_LEARNERS generated learners (100,000), each with progress in one or two courses (and an
   attempt per quiz completed), inserted in batches with executemany;
5. a school with a teacher and a class of 40 students × 30 assigned items (27 modules, 3 courses),
   the students' progress on them in bulk;
6. one learner who signs in for the benchmark, in that class, whose history is made by the real
   services (modules read, quizzes passed and failed, a certificate) plus progress in 10 more courses.

It writes what the benchmark needs (credentials, URLs) as JSON to the path given.
A PostgreSQL database is emptied first: its name must contain "bench".
"""

import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway benchmark database
LEARNER = "learner@bench.invalid"
TEACHER = "teacher@bench.invalid"
CLASS_STUDENTS = 40
CLASS_ITEMS = 30
BATCH = 20_000

FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules", "Léa"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def log(message: str) -> None:
    print(f"[seed] {message}", flush=True)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def main(out_path: str) -> None:
    courses_wanted = env_int("BENCH_COURSES", 1000)
    learners_wanted = env_int("BENCH_LEARNERS", 100_000)
    os.environ.setdefault("CADRE_ENV", "development")
    started = time.monotonic()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if not url.startswith("sqlite"):
            name = db.engine.url.database or ""
            if "bench" not in name or name == "test":
                raise SystemExit(f"refusing to empty the database {name!r}: its name must contain 'bench'")
            log(f"emptying PostgreSQL database {name}")
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        log("schema: flask db upgrade")
        upgrade()
    runner = app.test_cli_runner()
    log("bundled catalogue: flask content import")
    result = runner.invoke(args=["content", "import"])
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        raise SystemExit("content import failed")

    rng = random.Random(16)  # noqa: S311 - the same database every time for the same sizes
    with app.app_context():
        generated_catalogue(db, courses_wanted)
        learners(db, learners_wanted, rng)
        school = school_class(db, rng)
    with app.test_request_context(base_url="https://cadre.bench.invalid/"):
        targets = signed_in_learner(db, rng, school)
    if not url.startswith("sqlite"):
        # What autovacuum would do some time after a bulk load: statistics for the planner (without
        # them PostgreSQL scans every module for a learner's few progress rows) and the full-text
        # index's pending entries merged (until then the planner rightly prefers a scan).
        with app.app_context(), db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        log("statistics: VACUUM ANALYZE")
    targets.update(
        courses=courses_wanted,
        learners=learners_wanted,
        class_students=CLASS_STUDENTS,
        class_items=CLASS_ITEMS,
        password=PASSWORD,
        learner=LEARNER,
        teacher=TEACHER,
        seconds=round(time.monotonic() - started, 1),
    )
    Path(out_path).write_text(json.dumps(targets, indent=2))
    log(f"done in {targets['seconds']} s")


def bulk(db, table, rows: list[dict]) -> None:
    from sqlalchemy import text

    """executemany in batches, one transaction per batch (in the session's own connection: SQLite
    has one writer, and the app begins every transaction with BEGIN IMMEDIATE)."""
    db.session.commit()
    for start in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[start : start + BATCH])
        db.session.commit()
    if rows and "id" in rows[0] and db.engine.dialect.name == "postgresql":
        # Ids given here: the sequence must start after them for the rows the app adds later.
        name = table.name  # one of the app's own tables
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")  # noqa: S608
        )
        db.session.commit()


def columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def next_id(db, model) -> int:
    from sqlalchemy import func, select

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def generated_catalogue(db, wanted: int) -> None:
    """Copies of the bundled courses (with their editions, modules and questions) under new slugs."""
    from sqlalchemy import select

    from app.catalog.models import Course, Module, Question
    from app.catalog.search import sort_key

    tick = time.monotonic()
    originals = list(
        db.session.scalars(select(Course).where(Course.edition_of_id.is_(None)).order_by(Course.id))
    )
    editions = {}
    for edition in db.session.scalars(select(Course).where(Course.edition_of_id.is_not(None))):
        editions.setdefault(edition.edition_of_id, []).append(edition)
    modules = {}
    for module in db.session.scalars(select(Module).order_by(Module.id)):
        modules.setdefault(module.course_id, []).append(module)
    questions = {}
    for question in db.session.scalars(select(Question).order_by(Question.id)):
        questions.setdefault(question.module_id, []).append(question)
    course_id, module_id, question_id = next_id(db, Course), next_id(db, Module), next_id(db, Question)
    course_rows, module_rows, question_rows = [], [], []

    def copy(source: Course, **changes) -> int:
        nonlocal course_id, module_id, question_id
        new_course = course_id
        course_id += 1
        course_rows.append({**columns(source), "id": new_course, **changes})
        for module in modules.get(source.id, []):
            new_module = module_id
            module_id += 1
            module_rows.append({**columns(module), "id": new_module, "course_id": new_course})
            for question in questions.get(module.id, []):
                question_rows.append({**columns(question), "id": question_id, "module_id": new_module})
                question_id += 1
        return new_course

    for n in range(wanted):
        source = originals[n % len(originals)]
        number = n // len(originals) + 2
        title = f"{source.title} ({number})"
        copied = copy(source, slug=f"{source.slug}-{number}", title=title, sort_title=sort_key(title))
        for edition in editions.get(source.id, []):
            title = f"{edition.title} ({number})"
            copy(edition, edition_of_id=copied, title=title, sort_title=sort_key(title))
    bulk(db, Course.__table__, course_rows)
    bulk(db, Module.__table__, module_rows)
    bulk(db, Question.__table__, question_rows)
    log(
        f"generated catalogue: {wanted} courses ({len(course_rows)} rows with editions), "
        f"{len(module_rows)} modules, {len(question_rows)} questions in {time.monotonic() - tick:.1f} s"
    )


def course_modules(db) -> dict[int, list[tuple[int, bool]]]:
    """Live modules (id, has_quiz) of every original course, in order, the final test last."""
    from sqlalchemy import select

    from app.catalog.models import Course, Module

    found: dict[int, list[tuple[int, bool]]] = {}
    rows = db.session.execute(
        select(Module.course_id, Module.id, Module.has_quiz, Module.is_final)
        .join(Course, Course.id == Module.course_id)
        .where(Course.edition_of_id.is_(None), Module.retired.is_(False))
        .order_by(Module.course_id, Module.is_final, Module.position)
    )
    for course_id, module_id, has_quiz, is_final in rows:
        found.setdefault(course_id, []).append((module_id, has_quiz or is_final))
    return found


def progress_rows(user_id: int, modules: list, count: int, rng, now, attempts: list) -> list:
    """Progress in the first ``count`` modules of a course: all done but the last, maybe."""
    rows = []
    for i, (module_id, quiz) in enumerate(modules[:count]):
        when = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
        done = i < count - 1 or rng.random() < 0.5
        score = rng.choice((60, 80, 100)) if quiz and done else None
        rows.append(
            {
                "user_id": user_id,
                "module_id": module_id,
                "read_at": when,
                "best_score": score,
                "attempts": 1 if score is not None else 0,
                "completed_at": when if done else None,
                "last_activity_at": when,
            }
        )
        if score is not None:
            attempts.append(
                {
                    "user_id": user_id,
                    "module_id": module_id,
                    "created_at": when,
                    "score": score,
                    "passed": True,
                    "course_version": 1,
                    "results": [],
                }
            )
    return rows


def learners(db, wanted: int, rng) -> None:
    """``wanted`` learners, each in one or two courses (the bundled ones more often)."""
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.learning.models import ModuleProgress, QuizAttempt

    tick = time.monotonic()
    now = datetime.now(UTC)
    password_hash = generate_password_hash(PASSWORD)
    first_id = next_id(db, User)
    users = [
        {
            "id": first_id + n,
            "email": f"learner{n}@generated.bench.invalid",
            "full_name": f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]} {n}",
            "password_hash": password_hash,
            "created_at": now - timedelta(days=rng.randint(1, 700)),
            "session_generation": 0,
            "is_admin": False,
        }
        for n in range(wanted)
    ]
    bulk(db, User.__table__, users)
    catalogue = course_modules(db)
    course_ids = sorted(catalogue)
    bundled = course_ids[:7]
    progress, attempts = [], []
    for user in users:
        picked = set()
        for _ in range(rng.choice((1, 1, 2))):
            picked.add(rng.choice(bundled) if rng.random() < 0.5 else rng.choice(course_ids))
        for course_id in picked:
            modules = catalogue[course_id]
            progress += progress_rows(user["id"], modules, rng.randint(1, len(modules)), rng, now, attempts)
    bulk(db, ModuleProgress.__table__, progress)
    bulk(db, QuizAttempt.__table__, attempts)
    log(
        f"learners: {wanted} with {len(progress)} progress rows and {len(attempts)} attempts "
        f"in {time.monotonic() - tick:.1f} s"
    )


def school_class(db, rng) -> dict:
    """A school, its teacher, a class of 40 students (the signed-in learner among them) × 30 items."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.catalog.models import Course, Module
    from app.learning.models import ModuleProgress
    from app.orgs.models import SCHOOL, Membership, Organisation
    from app.orgs.models import TEACHER as TEACHER_ROLE
    from app.schools import services
    from app.schools.models import Assignment, Enrolment

    tick = time.monotonic()
    now = datetime.now(UTC)

    password_hash = generate_password_hash(PASSWORD)

    def person(email: str, name: str) -> User:
        user = User(
            email=email,
            full_name=name,
            password_hash=password_hash,
            session_generation=0,
            email_confirmed_at=now,  # as after the link mailed at sign-up
        )
        db.session.add(user)
        return user

    teacher = person(TEACHER, "Tina Teacher")
    learner = person(LEARNER, "Léo Learner")
    school = Organisation(slug="bench-school", name="Lycée du Benchmark", kind=SCHOOL)
    db.session.add(school)
    db.session.flush()
    db.session.add(Membership(organisation_id=school.id, user_id=teacher.id, role=TEACHER_ROLE))
    school_class = services.create_class(school, teacher, "Terminale AV", "2026-2027", "")
    db.session.flush()
    students = [learner] + [
        person(f"student{n}@bench.invalid", f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]} (élève {n})")
        for n in range(1, CLASS_STUDENTS)
    ]
    db.session.flush()
    for student in students:
        db.session.add(Enrolment(class_id=school_class.id, user_id=student.id))
    bundled = list(
        db.session.scalars(
            select(Course)
            .where(Course.edition_of_id.is_(None), Course.organisation_id.is_(None))
            .order_by(Course.id)
        )
    )[:7]
    whole = bundled[:3]
    pairs = [
        (m.course_id, m.id)
        for c in bundled[3:] + bundled[:3]
        for m in db.session.scalars(
            select(Module)
            .where(Module.course_id == c.id, Module.retired.is_(False), Module.is_final.is_(False))
            .order_by(Module.position)
        )
    ]
    pairs = pairs[: CLASS_ITEMS - len(whole)]
    items = [(c.id, None) for c in whole] + pairs
    for n, (course_id, module_id) in enumerate(items):
        db.session.add(
            Assignment(
                class_id=school_class.id,
                course_id=course_id,
                module_id=module_id,
                due_at=now + timedelta(days=n - 10),
                created_by_id=teacher.id,
                created_at=now - timedelta(days=60 - n),
            )
        )
    db.session.commit()
    # The students other than the signed-in learner: progress on every module an item covers.
    covered = {
        m.id
        for c in whole
        for m in db.session.scalars(select(Module).where(Module.course_id == c.id, Module.retired.is_(False)))
    }
    covered = sorted(covered | {module_id for _c, module_id in pairs})
    quiz = dict(db.session.execute(select(Module.id, Module.has_quiz).where(Module.id.in_(covered))).all())
    rows = []
    for student in students[1:]:
        for module_id in covered:
            if rng.random() < 0.25:
                continue
            when = now - timedelta(days=rng.randint(0, 50), minutes=rng.randint(0, 1440))
            done = rng.random() < 0.8
            rows.append(
                {
                    "user_id": student.id,
                    "module_id": module_id,
                    "read_at": when,
                    "best_score": rng.choice((40, 70, 90, 100)) if quiz[module_id] else None,
                    "attempts": rng.randint(1, 3) if quiz[module_id] else 0,
                    "completed_at": when if done else None,
                    "last_activity_at": when,
                }
            )
    bulk(db, ModuleProgress.__table__, rows)
    log(
        f"class: {len(students)} students × {len(items)} items, {len(rows)} progress rows "
        f"in {time.monotonic() - tick:.1f} s"
    )
    return {"class_id": school_class.id, "bundled": [c.id for c in bundled]}


def correct_answers(module) -> dict:
    return {q.key: [i for i, c in enumerate(q.choices) if c.get("correct")] for q in module.questions}


def signed_in_learner(db, rng, school: dict) -> dict:
    """The learner's history through the services a request would call: a course finished with its
    final test (a certificate), a second half done with a failed attempt, a third begun; then
    progress in 10 generated courses."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.catalog.models import Course
    from app.catalog.search import terms
    from app.learning import services
    from app.learning.models import ModuleProgress, QuizAttempt

    tick = time.monotonic()
    learner = db.session.scalar(select(User).where(User.email == LEARNER))
    courses = [db.session.get(Course, course_id) for course_id in school["bundled"][:3]]

    def do(module) -> None:
        if module.has_quiz:
            services.submit_quiz(learner, module, correct_answers(module))
        else:
            services.mark_read(learner, module)
        db.session.commit()

    first, second, third = courses
    for module in first.modules:
        do(module)
    final = services.final_test(first)
    if final is not None:
        services.submit_quiz(learner, final, correct_answers(final))
        db.session.commit()
    quiz_module = next(m for m in first.modules if m.has_quiz)
    half = second.modules[: max(1, len(second.modules) // 2)]
    for module in half:
        if module.has_quiz:  # one failed attempt first, then a pass
            services.submit_quiz(learner, module, {})
            db.session.commit()
        do(module)
    do(third.modules[0])
    now = datetime.now(UTC)
    catalogue = course_modules(db)
    generated = [c for c in sorted(catalogue) if c not in school["bundled"]]
    attempts: list = []
    rows = []
    for course_id in rng.sample(generated, min(10, len(generated))):
        modules = catalogue[course_id]
        rows += progress_rows(learner.id, modules, rng.randint(1, len(modules)), rng, now, attempts)
    bulk(db, ModuleProgress.__table__, rows)
    bulk(db, QuizAttempt.__table__, attempts)
    attempt = db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == learner.id, QuizAttempt.module_id == quiz_module.id)
        .order_by(QuizAttempt.id.desc())
    )
    module = first.modules[0]
    # A word of the first course's title: it is in each of its generated copies too, so the
    # search matches more courses as the catalogue grows (the listing still shows one page).
    word = max(terms(first.title), key=len)
    log(f"signed-in learner's history in {time.monotonic() - tick:.1f} s")
    return {
        "pages": {
            "home": "/",
            "catalogue": "/courses",
            "course": f"/courses/{first.slug}",
            "search": f"/courses?q={word}",
            "module": f"/courses/{first.slug}/{module.slug}",
            "quiz": f"/courses/{first.slug}/{quiz_module.slug}/quiz",
            "attempt": f"/courses/{first.slug}/{quiz_module.slug}/attempts/{attempt.id}",
            "dashboard": "/dashboard",
            "class": f"/classes/{school['class_id']}",
            "class_csv": f"/classes/{school['class_id']}/export.csv",
        }
    }


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-targets.json")
