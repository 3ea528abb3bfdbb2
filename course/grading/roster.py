"""A class roster: a CSV of students (id, first_name, last_name, email) into nbgrader's gradebook.

The id names the student everywhere: in the gradebook and the formgrader, in the exchange's
submissions, and in the Unix account their lab runs as (``vmd-student-<id>``,
:func:`course.grading.sandbox.student_user`), so it must be a valid part of a Unix user name.
Importing is idempotent: it adds the new students, updates the names and emails of known
ones, and never removes anyone (a student who left keeps their grades).
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course import config
from course.layout import Layout

COLUMNS = ("id", "first_name", "last_name", "email")
#: Lowercase letters, digits, '-' and '_', starting with a letter or digit: what useradd takes after
#: ``vmd-student-`` and what nbgrader's exchange allows in a submission's name (no '+', no '*').
#: At most 20 characters, so that ``vmd-student-<id>`` stays within Linux's 32 and readable in ``ls -l``.
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,19}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class RosterError(ValueError):
    """The roster cannot be used; the message says where and what to fix, in one line."""


@dataclass(frozen=True)
class RosterStudent:
    """One row of the roster."""

    id: str
    first_name: str
    last_name: str
    email: str


def read(path: Path | str) -> list[RosterStudent]:
    """The students of the roster CSV at ``path``, in file order; ``RosterError`` if it is malformed.

    The header must name the four columns (any order; other columns are ignored). Excel's UTF-8
    export (with a byte-order mark) reads as well, so Korean or other non-ASCII names keep.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"no roster at {path}") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}): save it as CSV UTF-8") from None
    rows = csv.DictReader(text.splitlines())
    header = [name.strip() for name in rows.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise RosterError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                          f"(the first line must name {', '.join(COLUMNS)})")
    rows.fieldnames = header
    students: list[RosterStudent] = []
    first_seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        values = {name: (row.get(name) or "").strip() for name in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        student = RosterStudent(**values)
        where = f"{path} line {line}"
        if not ID.fullmatch(student.id):
            raise RosterError(f"{where}: id {student.id!r} is not a valid Unix user name part: use 1-20 lowercase "
                              "letters, digits, '-' or '_', starting with a letter or digit (e.g. kim-minjun, 2024123)")
        if student.id in first_seen:
            raise RosterError(f"{where}: duplicate id {student.id!r} (first on line {first_seen[student.id]})")
        if student.email and not EMAIL.fullmatch(student.email):
            raise RosterError(f"{where}: email {student.email!r} is not an address (name@host), or leave it empty")
        first_seen[student.id] = line
        students.append(student)
    return students


@dataclass
class Imported:
    """What an import did, by student id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: In the gradebook but not in this roster: kept, with whatever grades they have.
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{len(ids)} {what}" for what, ids in asdict(self).items())


def import_roster(students: list[RosterStudent], root: Path | str = config.ROOT) -> Imported:
    """Add or update ``students`` in the gradebook of the course directory ``root`` (never removes)."""
    from nbgrader.api import Gradebook, MissingEntry

    result = Imported()
    with Gradebook(Layout(root).db_url, Layout(root).course_id) as gb:
        for student in students:
            fields = {"first_name": student.first_name or None, "last_name": student.last_name or None,
                      "email": student.email or None}
            try:
                known = gb.find_student(student.id)
            except MissingEntry:
                result.added.append(student.id)
            else:
                same = all(getattr(known, name) == value for name, value in fields.items())
                (result.unchanged if same else result.updated).append(student.id)
            gb.update_or_create_student(student.id, **fields)
        listed = {s.id for s in students}
        result.kept = sorted(s.id for s in gb.students if s.id not in listed)
    return result
