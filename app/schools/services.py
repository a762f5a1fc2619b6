"""Classes, join codes, assignments, and the class table built from the learners' own progress.

Progress here is read from the same ModuleProgress rows the learner's dashboard counts: a module
is done when its ``completed_at`` is set, a course when every live module is.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.catalog.models import PUBLIC, Course, Module
from app.catalog.search import name_order, one_space
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import local_zone
from app.learning.models import ModuleProgress
from app.models_base import utcnow
from app.notifications import events as notifications
from app.orgs.codes import CODE_LENGTH, display_code, draw_unused, new_join_code, normalise_code  # noqa: F401
from app.orgs.models import Membership, Organisation
from app.record import services as learning_record
from app.schools import messages
from app.schools.models import Assignment, Enrolment, SchoolClass, archived_refusal


class SchoolError(ValueError):
    """A request the school rules refuse; ``str()`` is a message for the person.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def create_class(org: Organisation, teacher: User, name: str, year: str, description: str) -> SchoolClass:
    school_class = SchoolClass(
        organisation_id=org.id,
        name=name.strip(),
        year=year.strip(),
        description=description.strip(),
        created_by_id=teacher.id,
        joining_open=True,
    )

    def add(code: str) -> None:
        school_class.join_code = code
        db.session.add(school_class)  # inside the savepoint, as a collision rolls it back

    draw_unused(add)
    return school_class


def archive_class(school_class: SchoolClass) -> None:
    """Archive the class: joining closes, its students stop seeing its work (see SchoolClass)."""
    school_class.archived_at = utcnow()
    school_class.joining_open = False


def restore_class(school_class: SchoolClass) -> None:
    """Bring an archived class back; joining stays closed until its staff reopen it."""
    school_class.archived_at = None


def class_named(org: Organisation, name: str, year: str) -> SchoolClass | None:
    """The school's class with this name (whatever its case, accents included) and school year.

    Compared in Python: SQLite's lower() changes ASCII letters only (« ÉCOLE » stays « École »),
    and a school has few classes in a year."""
    wanted = one_space(name).casefold()
    same_year = db.session.scalars(
        select(SchoolClass).where(SchoolClass.organisation_id == org.id, SchoolClass.year == year.strip())
    )
    return next((c for c in same_year if one_space(c.name).casefold() == wanted), None)


def regenerate_code(school_class: SchoolClass) -> None:
    """A new code; the old one (and its link) stop working at once."""

    draw_unused(lambda code: setattr(school_class, "join_code", code))


def classes_of(org_ids: Iterable[int]) -> list[SchoolClass]:
    org_ids = list(org_ids)
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            select(SchoolClass)
            .options(selectinload(SchoolClass.organisation))
            .where(SchoolClass.organisation_id.in_(org_ids))
            .order_by(SchoolClass.year.desc(), SchoolClass.name, SchoolClass.id)
        )
    )


class ClassFacts(NamedTuple):
    """What a list of classes says of each beside its name."""

    created_by: str
    students: int


def class_facts(classes: Iterable[SchoolClass]) -> dict[int, ClassFacts]:
    """Each class's creator and number of students, in one query whatever the number of classes."""
    ids = [c.id for c in classes]
    if not ids:
        return {}
    rows = db.session.execute(
        select(SchoolClass.id, User.full_name, func.count(Enrolment.id))
        .join(User, User.id == SchoolClass.created_by_id)
        .outerjoin(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(SchoolClass.id.in_(ids))
        .group_by(SchoolClass.id, User.full_name)
    )
    return {class_id: ClassFacts(name, count) for class_id, name, count in rows}


def find_class_by_code(code: str) -> SchoolClass | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(
        select(SchoolClass)
        .options(selectinload(SchoolClass.organisation))
        .where(SchoolClass.join_code == code)
    )


def enrolment(school_class: SchoolClass, user_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == school_class.id, Enrolment.user_id == user_id)
    )


def join_class(user: User, code: str) -> SchoolClass:
    """Enrol ``user`` in the class with this code, if joining is open."""
    school_class = find_class_by_code(code)
    if school_class is None:
        raise SchoolError(_l("No class or organisation has this code. Check it with whoever gave it to you."))
    if enrolment(school_class, user.id) is not None:
        raise SchoolError(_l("You are already in the class %(name)s.", name=school_class.name))
    if not school_class.joining_open or school_class.archived_at is not None:
        raise SchoolError(
            _l("The class %(name)s is closed to new students. Ask your teacher.", name=school_class.name)
        )
    try:
        with db.session.begin_nested():
            db.session.add(Enrolment(class_id=school_class.id, user_id=user.id))
    except IntegrityError:
        raise SchoolError(_l("You are already in the class %(name)s.", name=school_class.name)) from None
    assigned = select(Assignment.course_id).where(Assignment.class_id == school_class.id)
    learning_record.register([user.id], db.session.scalars(select(Course).where(Course.id.in_(assigned))))
    return school_class


def remove_student(school_class: SchoolClass, user_id: int) -> None:
    found = enrolment(school_class, user_id)
    if found is None:
        raise SchoolError(_l("This student is not in the class."))
    db.session.delete(found)
    messages.forget(school_class, user_id)
    db.session.flush()


def leave(school_class: SchoolClass, user: User) -> None:
    """The student leaves the class: their teachers no longer follow them; their progress stays."""
    found = enrolment(school_class, user.id)
    if found is None:
        raise SchoolError(_l("You are not in this class."))
    db.session.delete(found)
    messages.forget(school_class, user.id)
    db.session.flush()


def students(school_class: SchoolClass) -> list[User]:
    """The class's students by name (``by_name``)."""
    enrolled = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)
    return sorted(db.session.scalars(select(User).where(User.id.in_(enrolled))), key=by_name)


def by_name(user: User) -> tuple[str, int]:
    """Names in a reader's order, « Élodie » with the E's, not after « Zoé » as bytes and SQLite have it.

    Sorted in Python: a class or a team is small, and databases' collations differ."""
    return name_order(user.full_name), user.id


def classes_attended(school: Organisation, user: User) -> list[str]:
    """The names of the school's classes ``user`` is a student of, in order."""
    return list(
        db.session.scalars(
            select(SchoolClass.name)
            .join(Enrolment, Enrolment.class_id == SchoolClass.id)
            .where(SchoolClass.organisation_id == school.id, Enrolment.user_id == user.id)
            .order_by(SchoolClass.name)
        )
    )


def student(school_class: SchoolClass, user_id: int) -> User | None:
    """The student if they are in the class, else None."""
    return db.session.scalar(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.class_id == school_class.id, User.id == user_id)
    )


def _item_label(course: Course, module: Module | None) -> str:
    return course.title if module is None else f"{module.position}. {module.title}"


def school_year(today: date | None = None) -> str:
    """The school year under way, as French schools write it: « 2026-2027 » from September (the
    rentrée) on, « 2025-2026 » before; ``today`` in the schools' zone by default."""
    today = today or datetime.now(local_zone()).date()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def local_to_utc(local: datetime) -> datetime:
    """A wall-clock time in the school's time zone (Europe/Paris by default) as aware UTC.

    Refuses times that do not exist there (skipped when clocks go forward) and dates too close
    to the ends of the calendar to convert.
    """
    zone = local_zone()
    try:
        moment = local.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise SchoolError(_l("This date is out of range. Choose a later date."), "due") from None
    if moment.astimezone(zone).replace(tzinfo=None) != local:
        raise SchoolError(_l("This time does not exist: the clocks go forward then. Choose another."), "due")
    return moment


def assign(
    school_class: SchoolClass, course: Course, module: Module | None, due_local: datetime | None, by: User
) -> Assignment:
    """Assign a whole course (``module`` None) or one of its live modules, optionally due."""
    if school_class.archived_at is not None:
        raise SchoolError(archived_refusal(school_class), "scope")
    if module is not None and (module.course_id != course.id or module.retired or module.is_final):
        raise SchoolError(
            _l("This module is not part of the course %(title)s.", title=course.title), "modules"
        )
    due_at = local_to_utc(due_local) if due_local is not None else None
    if due_at is not None and due_at <= utcnow():
        raise SchoolError(_l("The due date is in the past. Choose a later date."), "due")
    duplicate = db.session.scalar(
        select(Assignment.id).where(
            Assignment.class_id == school_class.id,
            Assignment.course_id == course.id,
            Assignment.module_id.is_(None) if module is None else Assignment.module_id == module.id,
        )
    )
    if duplicate is not None:
        raise SchoolError(
            _l(
                # No colon of its own: the error summary puts one after the field's name.
                "The class already has “%(title)s” to do. To change its due date, use "
                "“Change the due date” on the class page.",
                title=_item_label(course, module),
            ),
            "scope" if module is None else "modules",
        )
    assignment = Assignment(
        class_id=school_class.id,
        course_id=course.id,
        module_id=module.id if module else None,
        due_at=due_at,
        created_by_id=by.id,
    )
    db.session.add(assignment)
    db.session.flush()
    notifications.assigned(assignment)
    enrolled = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)
    learning_record.register(db.session.scalars(enrolled), [course])  # the learning record (app/record)
    return assignment


def change_due(assignment: Assignment, due_local: datetime | None, by: User) -> bool:
    """Give the assignment a new due date (None: none); False if it is the one it had. The class's
    students who have not finished it, and may still open it (closed_to), are told."""
    school_class = db.session.get(SchoolClass, assignment.class_id)
    if school_class.archived_at is not None:
        raise SchoolError(archived_refusal(school_class), "due")
    due_at = local_to_utc(due_local) if due_local is not None else None
    if due_at == assignment.due_at:
        return False
    if due_at is not None and due_at <= utcnow():
        raise SchoolError(_l("The due date is in the past. Choose a later date."), "due")
    assignment.due_at = due_at
    people = students(school_class)
    cells = progress_cells([u.id for u in people], [assignment])
    # A withdrawn module (no live module left) is not work to do: nobody is told, as by reminders.
    concerned = [
        u for u in people if cells[(u.id, assignment.id)].total > 0 and not cells[(u.id, assignment.id)].done
    ]
    course = assignment.course
    restricted = {course.organisation_id} if course.visibility != PUBLIC else set()
    member_of = organisations_among([u.id for u in concerned], restricted)
    concerned = [u for u in concerned if not closed_to(course, member_of[u.id])]  # made members-only since
    notifications.due_changed(assignment, concerned)
    return True


@cache
def _assignments_statement():
    """Built once, at first use (the mappers are all known by then): the dashboard runs it."""
    return (
        select(Assignment)
        .options(
            # What the pages and mails show of them (``item_title``, links, the language, who may
            # open the course): not the course's introduction nor the module's text.
            joinedload(Assignment.course).load_only(
                Course.slug, Course.title, Course.language, Course.visibility, Course.organisation_id
            ),
            joinedload(Assignment.module).load_only(
                Module.slug, Module.position, Module.title, Module.retired
            ),
        )
        .where(Assignment.class_id.in_(bindparam("classes", expanding=True)))
        .order_by(Assignment.created_at, Assignment.id)
    )


def assignments(class_ids: Iterable[int]) -> list[Assignment]:
    """Assignments of these classes with their course and module, earliest due first."""
    class_ids = list(class_ids)
    if not class_ids:
        return []
    rows = db.session.scalars(_assignments_statement(), {"classes": class_ids})
    return sorted(rows, key=_due_first)


def _due_first(item: "Assignment | TableItem"):
    return (item.due_at or datetime.max.replace(tzinfo=UTC), item.id)


def item_title(item: "Assignment | TableItem") -> str:
    """ "Course" or "Course — 2. Module", as the class table and the export name an item."""
    if item.module is None:
        return item.course.title
    if item.module.retired:  # its position was parked out of the way: no number to show
        return f"{item.course.title} — {item.module.title}"
    return f"{item.course.title} — {item.module.position}. {item.module.title}"


def column_title(item: "Assignment | TableItem") -> str:
    """A class table column's heading: the module first, « 2. Module — Course », so that two
    modules of one course differ in the first words a phone's narrow column shows."""
    if item.module is None:
        return item.course.title
    if item.module.retired:
        return f"{item.module.title} — {item.course.title}"
    return f"{item.module.position}. {item.module.title} — {item.course.title}"


class Cell(NamedTuple):
    """One learner's progress on one assigned item (a course or a module).

    A named tuple, not a frozen dataclass: a class table makes over a thousand, and a frozen
    dataclass's ``__init__`` (``object.__setattr__`` per field) cost four times as much."""

    completed: int  # live modules of the item completed
    total: int  # live modules the item covers (0 if its module was withdrawn)
    best_score: int | None  # the module's best score, or the mean of a course's best scores
    attempts: int
    last_activity: datetime | None
    completed_at: datetime | None  # when the item became done (its last module completed)

    @property
    def done(self) -> bool:
        return self.total > 0 and self.completed >= self.total

    @property
    def started(self) -> bool:
        return self.attempts > 0 or self.last_activity is not None


_LIVE_MODULE_IDS = (  # built once, as _PROGRESS below
    select(Module.id, Module.course_id)
    .where(
        Module.course_id.in_(bindparam("courses", expanding=True)),
        Module.retired.is_(False),
        Module.is_final.is_(False),
    )
    .order_by(Module.position)
)


def item_modules(items: list[Assignment]) -> dict[int, list[int]]:
    """The ids of the live modules each assignment covers, in order, keyed by assignment id, in one
    query (ids only: the modules' rows hold their whole rendered text)."""
    course_ids = {a.course_id for a in items if a.module_id is None}
    by_course: dict[int, list[int]] = defaultdict(list)
    if course_ids:
        for module_id, course_id in db.session.execute(_LIVE_MODULE_IDS, {"courses": list(course_ids)}):
            by_course[course_id].append(module_id)
    covered = {}
    for a in items:
        if a.module_id is None:
            covered[a.id] = by_course[a.course_id]
        else:
            covered[a.id] = [a.module_id] if a.module is not None and not a.module.retired else []
    return covered


def progress_cells(user_ids: Iterable[int], items: list[Assignment]) -> dict[tuple[int, int], Cell]:
    """Every learner × item cell in two queries, whatever the size of the class."""
    covered = item_modules(items)
    return _cells(user_ids, items, covered)


# The learners' progress on the modules the cells cover (built once, as statements built per call
# cost SQLAlchemy a good part of what SQLite takes to run them).
_PROGRESS = select(
    ModuleProgress.user_id,
    ModuleProgress.module_id,
    ModuleProgress.completed_at,
    ModuleProgress.best_score,
    ModuleProgress.attempts,
    ModuleProgress.last_activity_at,
).where(
    ModuleProgress.user_id.in_(bindparam("users", expanding=True)),
    ModuleProgress.module_id.in_(bindparam("modules", expanding=True)),
)


def _cells(
    user_ids: Iterable[int], items: list[Assignment], covered: dict[int, list[int]]
) -> dict[tuple[int, int], Cell]:
    """Every learner × item cell from one query: the learners' progress on the live modules each
    item covers (``covered``: module ids by assignment id), summed per item.

    A module is done when its ``completed_at`` is set; an item's best score is the mean of its
    modules' best scores, rounded down; it was completed when its last module was, if all are.
    """
    user_ids = list(user_ids)
    single: dict[int, list[int]] = defaultdict(list)  # module id → items covering it alone
    several: dict[int, list[int]] = defaultdict(list)  # module id → items covering it and others
    for item in items:
        modules = covered[item.id]
        for module_id in modules:
            (single if len(modules) == 1 else several)[module_id].append(item.id)
    cells: dict[tuple[int, int], Cell] = {}
    # (user id, item id) → [modules completed, sum of best scores, modules scored, attempts,
    # last activity, last completion], for the items of several modules
    sums: dict[tuple[int, int], list] = {}
    if user_ids and (single or several):
        # As plain rows through the session's connection: the ORM's handling of a thousand rows of
        # plain columns cost as much as SQLite's reading them.
        progress = db.session.connection().execute(
            _PROGRESS, {"users": user_ids, "modules": list(single.keys() | several.keys())}
        )
        for user_id, module_id, completed_at, best_score, attempts, last_activity in progress.all():
            if module_id in single:  # the item is this one module: its cell is this row
                done = int(completed_at is not None)
                cell = Cell(done, 1, best_score, attempts, last_activity, completed_at)
                for item_id in single[module_id]:
                    cells[(user_id, item_id)] = cell
            for item_id in several.get(module_id, ()):
                found = sums.get((user_id, item_id))
                if found is None:
                    found = sums[(user_id, item_id)] = [0, 0, 0, 0, None, None]
                if completed_at is not None:
                    found[0] += 1
                    if found[5] is None or completed_at > found[5]:
                        found[5] = completed_at
                if best_score is not None:
                    found[1] += best_score
                    found[2] += 1
                found[3] += attempts
                if last_activity is not None and (found[4] is None or last_activity > found[4]):
                    found[4] = last_activity
    for (user_id, item_id), found in sums.items():
        completed, score_sum, scored, attempts, last_activity, completed_at = found
        total = len(covered[item_id])
        cells[(user_id, item_id)] = Cell(
            completed=completed,
            total=total,
            best_score=score_sum // scored if scored else None,
            attempts=attempts,
            last_activity=last_activity,
            completed_at=completed_at if completed == total else None,
        )
    for item_id in [item.id for item in items]:  # no progress on the item (or nothing left to do of it)
        empty = Cell(0, len(covered[item_id]), None, 0, None, None)
        for user_id in user_ids:
            cells.setdefault((user_id, item_id), empty)
    return cells


class ItemCourse(NamedTuple):
    title: str
    language: str
    slug: str
    visibility: str
    organisation_id: int | None


class ItemModule(NamedTuple):
    position: int
    title: str
    retired: bool
    slug: str


class TableItem(NamedTuple):
    """An assignment as the class table, its export and the learner's dashboard show it
    (``item_title``, the language, the due date, the link and who may follow it): read as plain
    rows, since thirty assignments with their course and module made as ORM objects cost more
    than the rest of the class page's queries together."""

    id: int
    class_id: int
    due_at: datetime | None
    course: ItemCourse
    module: ItemModule | None  # None: the whole course


@dataclass
class StudentRow:
    student: User
    cells: list[Cell]
    done: int = 0
    live: int = 0  # items that can still be done (a withdrawn module cannot)
    last_activity: datetime | None = None


@dataclass
class ClassTable:
    items: list[TableItem]
    rows: list[StudentRow]
    done_per_item: list[int] = field(default_factory=list)
    # Per item, the students who have not finished it yet (by name), for the assigned list; None for
    # a withdrawn module, which nobody can finish.
    unfinished_per_item: list[list[User] | None] = field(default_factory=list)


SORTS = ("name", "done", "activity")


def class_items(school_class: SchoolClass) -> tuple[list[TableItem], dict[int, list[int]]]:
    """The class's assignments as the class table shows them, and the ids of the live modules each
    covers, in one query."""
    return _items_and_modules([school_class.id])


def class_table(
    school_class: SchoolClass,
    sort: str = "name",
    descending: bool = False,
    people: list[User] | None = None,
    items: tuple[list[TableItem], dict[int, list[int]]] | None = None,
) -> ClassTable:
    """Students × assigned items, with totals per student and per item, in two queries whatever
    the size of the class (three without ``people``, the students as ``class_and_students``
    read them; one with ``items`` too, as ``class_items`` read them): the items with the modules
    they cover, then the students' progress on those.
    """
    items, covered = items or class_items(school_class)
    if people is None:
        people = students(school_class)
    cells = _cells([p.id for p in people], items, covered)
    item_ids = [item.id for item in items]
    rows = []
    for person in people:
        person_id = person.id
        row = StudentRow(person, [cells[(person_id, item_id)] for item_id in item_ids])
        row.done = sum(c.done for c in row.cells)
        row.live = sum(c.total > 0 for c in row.cells)
        row.last_activity = max((c.last_activity for c in row.cells if c.last_activity), default=None)
        rows.append(row)
    # Names A to Z first, then the chosen column; a stable sort keeps equal rows in name order
    # whichever way the column goes.
    rows.sort(key=_by_name)
    if sort != "name":
        rows.sort(key=_sort_key(sort, items), reverse=descending)
    elif descending:
        rows.reverse()
    done_per_item = [sum(row.cells[i].done for row in rows) for i in range(len(items))]
    named = sorted(rows, key=_by_name)
    withdrawn = {i for i in range(len(items)) if rows and not rows[0].cells[i].total}  # the same for all
    unfinished = [
        None if i in withdrawn else [row.student for row in named if not row.cells[i].done]
        for i in range(len(items))
    ]
    return ClassTable(items, rows, done_per_item, unfinished)


def waiting_on(
    school_class: SchoolClass, table: ClassTable | None = None, member_of: dict[int, set[int]] | None = None
) -> dict[int, tuple[str, list[User], str]]:
    """Each assigned item some student has not finished, by id: its title, those students (whom a
    teacher may write to alone), and its title module first (column_title), for a menu. A course
    made members-only since is not named to those it is closed to: they are not among its
    students here (security probe). ``table``: the class's, when the page has it already;
    ``member_of``: ``organisations_among`` its students and ``restricted_organisations`` of its
    items, when the page has read them already."""
    table = table or class_table(school_class)
    if member_of is None:
        waiting_ids = {u.id for waiting in table.unfinished_per_item if waiting for u in waiting}
        member_of = organisations_among(waiting_ids, restricted_organisations(table.items))
    found = {}
    for item, waiting in zip(table.items, table.unfinished_per_item, strict=True):
        open_to = [u for u in waiting or () if not closed_to(item.course, member_of[u.id])]
        if open_to:
            found[item.id] = (item_title(item), open_to, column_title(item))
    return found


def class_and_students(class_id: int) -> tuple[SchoolClass | None, list[User]]:
    """The class (None if there is none) and its students as ``students`` orders them, in one
    query."""
    found = db.session.execute(
        select(SchoolClass, User)
        .outerjoin(Enrolment, Enrolment.class_id == SchoolClass.id)
        .outerjoin(User, User.id == Enrolment.user_id)
        .where(SchoolClass.id == class_id)
    ).all()
    if not found:
        return None, []
    return found[0][0], sorted((person for _class, person in found if person is not None), key=by_name)


def _items_statement():
    """The statement of ``_items_and_modules`` (built once, below: building it cost more than
    running it)."""
    own, covering = aliased(Module, name="own"), aliased(Module, name="covering")
    covers = or_(
        covering.id == Assignment.module_id,
        and_(
            Assignment.module_id.is_(None),
            covering.course_id == Assignment.course_id,
            covering.is_final.is_(False),
        ),
    )
    return (
        select(
            Assignment.id,
            Assignment.class_id,
            Assignment.due_at,
            Course.title,
            Course.language,
            Course.slug,
            Course.visibility,
            Course.organisation_id,
            own.position,
            own.title,
            own.retired,
            own.slug,
            covering.id,
        )
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(own, own.id == Assignment.module_id)
        .outerjoin(covering, and_(covers, covering.retired.is_(False)))
        .where(Assignment.class_id.in_(bindparam("classes", expanding=True)))
        .order_by(Assignment.id, covering.position)
    )


_ITEMS = _items_statement()
# The same, for the work due between two moments only (the teaching page's fortnight).
_DUE_ITEMS = _items_statement().where(
    Assignment.due_at >= bindparam("since"), Assignment.due_at <= bindparam("until")
)


def _items_and_modules(
    class_ids: list[int], statement=_ITEMS, **bounds: datetime
) -> tuple[list[TableItem], dict[int, list[int]]]:
    """The classes' assignments as ``assignments`` orders them, and the ids of the live modules
    each covers, as ``item_modules`` finds them, in one query."""
    items: dict[int, TableItem] = {}
    covered: dict[int, list[int]] = {}
    for row in db.session.execute(statement, {"classes": class_ids, **bounds}):
        item_id, class_id, due_at, title, language, slug, visibility, organisation_id = row[:8]
        position, module_title, retired, module_slug, module_id = row[8:]
        if item_id not in items:
            module = None if position is None else ItemModule(position, module_title, retired, module_slug)
            course = ItemCourse(title, language, slug, visibility, organisation_id)
            items[item_id] = TableItem(item_id, class_id, due_at, course, module)
            covered[item_id] = []
        if module_id is not None:
            covered[item_id].append(module_id)
    return sorted(items.values(), key=_due_first), covered


# How far before and after now the teaching page looks for due dates.
DUE_WINDOW = timedelta(days=14)


class DueWork(NamedTuple):
    """One assignment due in the fortnight around now, as the teaching page lists it."""

    item: TableItem
    school_class: SchoolClass
    done: int  # the class's students who have finished it
    students: int
    overdue: bool  # its due date has passed and some have not finished it


def due_work(
    classes: Iterable[SchoolClass], students: dict[int, int], now: datetime | None = None
) -> list[DueWork]:
    """The work of the current classes due in the fortnight before or after *now*, soonest first,
    with how many of each class's students (*students*, by class id, as ``class_facts`` counts
    them) have finished it: two queries whatever the number of classes and students.

    A student has finished an item when every live module it covers is completed, as the class
    table counts it; an item whose module was withdrawn is left to the class page."""
    by_id = {c.id: c for c in classes if c.archived_at is None}
    if not by_id:
        return []
    now = now or utcnow()
    items, covered = _items_and_modules(
        list(by_id), _DUE_ITEMS, since=now - DUE_WINDOW, until=now + DUE_WINDOW
    )
    if not items:
        return []
    # Each student's completed modules among those the items cover, by class then student: one query,
    # through the enrolments, so that no list of students is sent to the database.
    completed: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    modules = {m for item in items for m in covered[item.id]}
    if modules:
        rows = db.session.execute(
            select(Enrolment.class_id, Enrolment.user_id, ModuleProgress.module_id)
            .join(ModuleProgress, ModuleProgress.user_id == Enrolment.user_id)
            .where(
                Enrolment.class_id.in_({item.class_id for item in items}),
                ModuleProgress.module_id.in_(modules),
                ModuleProgress.completed_at.is_not(None),
            )
        )
        for class_id, user_id, module_id in rows:
            completed[class_id][user_id].add(module_id)
    found = []
    for item in items:
        needed = set(covered[item.id])
        if not needed:  # its module was withdrawn: nobody can finish it, the class page says so
            continue
        done = sum(1 for d in completed[item.class_id].values() if needed <= d)
        count = students.get(item.class_id, 0)
        found.append(DueWork(item, by_id[item.class_id], done, count, item.due_at < now and done < count))
    return found


def _by_name(row: StudentRow):
    return by_name(row.student)


def _sort_key(sort: str, items: list[Assignment]):
    earliest = datetime.min.replace(tzinfo=UTC)
    if sort == "done":
        return lambda row: row.done
    if sort == "activity":
        return lambda row: row.last_activity or earliest
    ids = [f"item-{item.id}" for item in items]
    if sort in ids:
        index = ids.index(sort)
        return lambda row: (row.cells[index].done, row.cells[index].best_score or -1)
    return lambda row: 0  # unknown column: stay in name order


@dataclass(frozen=True)
class AssignedItem:
    """What the learner's dashboard shows for one assignment."""

    assignment: TableItem
    school_class: SchoolClass
    cell: Cell
    overdue: bool
    closed: bool = False  # see closed_to

    @property
    def open(self) -> bool:
        """Whether the learner can still work on it (not closed, some live module left)."""
        return not self.closed and self.cell.total > 0


@cache
def _learner_classes_statement():
    """The learner's classes with their schools, in one statement (built once, at first use)."""
    return (
        select(SchoolClass)
        .options(joinedload(SchoolClass.organisation))
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.user_id == bindparam("user_id"))
    )


def learner_classes(user: User) -> list[SchoolClass]:
    """The classes the learner is in, archived ones too (the learner may leave them), with their
    schools, by school and name (one query)."""
    found = db.session.scalars(_learner_classes_statement(), {"user_id": user.id})
    return sorted(found, key=lambda c: (c.organisation.name.casefold(), c.name.casefold(), c.id))


def restricted_organisations(items: Iterable[TableItem]) -> set[int]:
    """The publishers of the items whose course is not public: whether a student may be written
    to about one depends on their membership (``closed_to``)."""
    return {item.course.organisation_id for item in items if item.course.visibility != PUBLIC}


def organisations_among(user_ids: Iterable[int], organisation_ids: Iterable[int]) -> dict[int, set[int]]:
    """Which of ``organisation_ids`` each of ``user_ids`` belongs to, for closed_to (one query,
    none when either is empty; a person in none of them maps to an empty set)."""
    user_ids, organisation_ids = list(user_ids), list(organisation_ids)
    found: dict[int, set[int]] = defaultdict(set)
    if user_ids and organisation_ids:
        for user_id, organisation_id in db.session.execute(
            select(Membership.user_id, Membership.organisation_id).where(
                Membership.organisation_id.in_(organisation_ids), Membership.user_id.in_(user_ids)
            )
        ):
            found[user_id].add(organisation_id)
    return found


def closed_to(course: Course, member_of: Iterable[int]) -> bool:
    """Whether an assigned course is closed to a learner belonging to the organisations
    ``member_of``: its publisher made it members-only since, and the learner is not a member. Its
    title (perhaps changed since) and its link are then the members' business, in every place."""
    return course.visibility != PUBLIC and course.organisation_id not in member_of


def assigned_to(
    user: User, member_of: Iterable[int], classes: list[SchoolClass] | None = None
) -> list[AssignedItem]:
    """Everything the learner's ``classes`` (by default all of them) assigned, earliest due first,
    with their progress; ``member_of``: the ids of the learner's organisations (nav.organisation_ids)."""
    member_of = set(member_of)
    # An archived class's work is over: neither shown nor in the calendar.
    classes = {
        c.id: c for c in (learner_classes(user) if classes is None else classes) if c.archived_at is None
    }
    if not classes:
        return []
    items, covered = _items_and_modules(list(classes))
    cells = _cells([user.id], items, covered)
    now = utcnow()
    result = []
    for item in items:
        cell = cells[(user.id, item.id)]
        # A withdrawn module (no live module left) can no longer be done, so it is never overdue.
        closed = closed_to(item.course, member_of)
        overdue = item.due_at is not None and item.due_at < now and cell.total > 0 and not cell.done
        result.append(AssignedItem(item, classes[item.class_id], cell, overdue and not closed, closed))
    return result


class AssignedHere(NamedTuple):
    """One of the learner's classes set this course, or one of its modules, as work."""

    class_name: str
    school: str
    module_id: int | None  # None: the whole course (the page shows the module as it reads it)
    due_at: datetime | None


def assigned_in_course(user: User, course_id: int) -> list[AssignedHere]:
    """What the learner's classes assigned of this course, earliest due first (one query); the
    course page says so, since a notification of new work leads there."""
    if not user.is_authenticated:
        return []
    rows = db.session.execute(
        select(SchoolClass.name, Organisation.name, Assignment.module_id, Assignment.due_at)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .join(Organisation, Organisation.id == SchoolClass.organisation_id)
        .join(Enrolment, and_(Enrolment.class_id == Assignment.class_id, Enrolment.user_id == user.id))
        .outerjoin(Module, Module.id == Assignment.module_id)
        .where(
            Assignment.course_id == course_id,
            or_(Module.id.is_(None), Module.retired.is_(False)),
            SchoolClass.archived_at.is_(None),
        )
    )
    found = [AssignedHere(*row) for row in rows]
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda a: (a.due_at or latest, a.module_id or 0, a.class_name))


def staff_organisations(user: User) -> list[Membership]:
    """The schools where ``user`` is an administrator or a teacher."""
    if not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(Membership)
            .options(selectinload(Membership.organisation))
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Organisation.kind == "school")
            .order_by(Organisation.name)
        )
    )
