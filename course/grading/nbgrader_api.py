"""nbgrader's own API for a course directory, plus the engine hygiene grading needs."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from course import config
from course.engine import client, remove_labelled
from course.grading.settings import course_config
from course.layout import Layout
from course.system import venv

venv.ensure_on_path()


def api(root: Path = config.ROOT) -> NbGraderAPI:
    """An ``NbGraderAPI`` on the course directory ``root`` with the course's settings."""
    return NbGraderAPI(config=course_config(root))


@dataclass
class Outcome:
    """What one nbgrader step did: ok, and the error text when it failed."""

    ok: bool
    error: str = ""
    log: str = ""

    @classmethod
    def of(cls, result: dict) -> Outcome:
        return cls(bool(result.get("success")), result.get("error", ""), result.get("log", ""))


def generate(assignment: str, root: Path = config.ROOT) -> Outcome:
    """``nbgrader generate_assignment``: source/ -> release/ (student version) and the gradebook."""
    return Outcome.of(api(root).generate_assignment(assignment, force=True, create=True))


def course_tag(root: Path = config.ROOT) -> str:
    """A short id of a course directory, so that two course directories never share engine labels."""
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:8]


def sessions_prefix(root: Path = config.ROOT) -> str:
    """What the session labels of every graded submission of the course directory ``root`` start with."""
    return f"grade-{course_tag(root)}-"


def submission_session(assignment: str, student: str, root: Path = config.ROOT) -> str:
    """The engine session label of one graded submission."""
    return f"{sessions_prefix(root)}{assignment}-{student}"


@contextlib.contextmanager
def engine_session(session: str) -> Iterator[None]:
    """Run a block with ``COURSE_SESSION`` set, and remove that session's objects after it."""
    previous = os.environ.get("COURSE_SESSION")
    os.environ["COURSE_SESSION"] = session
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("COURSE_SESSION", None)
        else:
            os.environ["COURSE_SESSION"] = previous
        remove_labelled(client(), session=session, images=True)


def autograde(assignment: str, student: str, root: Path = config.ROOT, force: bool = True) -> Outcome:
    """``nbgrader autograde`` of one submission, its engine objects labelled and removed after."""
    with engine_session(submission_session(assignment, student, root)):
        return Outcome.of(api(root).autograde(assignment, student, force=force, create=True))


def set_due(assignment: str, due: datetime | None, root: Path = config.ROOT) -> None:
    """Record ``assignment``'s due date (UTC; None: no due date) in the gradebook: nbgrader flags later
    submissions late, and the formgrader and the students' Assignments tab show it."""
    from nbgrader.api import Gradebook

    with Gradebook(Layout(root).db_url, Layout(root).course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=due)


def release_to_exchange(assignment: str, root: Path = config.ROOT) -> Outcome:
    """``nbgrader release_assignment`` into the course's exchange, replacing an earlier release."""
    from course.grading import exchange

    exchange.ensure(root)
    settings = course_config(root)
    settings.ExchangeReleaseAssignment.force = True  # released again: students fetch the new version
    return Outcome.of(NbGraderAPI(config=settings).release_assignment(assignment))


def collect(assignment: str, root: Path = config.ROOT) -> Outcome:
    """``nbgrader collect --update``: each student's latest submission in the exchange into submitted/
    (closed to other users: students pass through the course directory to reach the exchange)."""
    from course.grading import sandbox

    outcome = Outcome.of(api(root).collect(assignment, update=True))
    sandbox.protect(root)
    return outcome


def generate_feedback(assignment: str, student: str | None = None, root: Path = config.ROOT) -> Outcome:
    """``nbgrader generate_feedback`` (hidden tests stay hidden: nbgrader strips them)."""
    return Outcome.of(api(root).generate_feedback(assignment, student, force=True))


def not_from_exchange(assignment: str, root: Path = config.ROOT) -> list[str]:
    """Students whose feedback of ``assignment`` cannot be released: their submission did not come through
    the exchange (it was written into submitted/), so it has no secret for them to fetch it by."""
    base = Layout(root).submitted()
    return sorted(p.parent.name for p in base.glob(f"*/{assignment}") if not (p / "submission_secret.txt").exists())


def release_feedback(assignment: str, student: str | None = None, root: Path = config.ROOT) -> Outcome:
    """``nbgrader release_feedback``: the generated feedback into the exchange, for students to fetch
    (all but :func:`not_from_exchange`, which nbgrader would stop at)."""
    from course.grading import exchange

    exchange.ensure(root)
    settings = course_config(root)
    settings.CourseDirectory.student_id_exclude = ",".join(not_from_exchange(assignment, root))
    return Outcome.of(NbGraderAPI(config=settings).release_feedback(assignment, student))
