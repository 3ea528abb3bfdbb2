"""What a command checks before it changes anything: wrong input gets one line, what is wrong and what to run.

Each check raises :class:`BadInput` (click prints it as one ``Error:`` line and exits 1)
before the command writes a file, opens the gradebook for writing or starts a grader. The line is
in the command's language (the ``common`` catalog).
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import click

from course.i18n import translator
from course.layout import Layout

_ = translator("common")
_n = _.plural


class BadInput(click.ClickException):
    """Something the command was given is wrong; the message says what to do instead."""


def course_dir(root: Path) -> Layout:
    """The course directory at ``root``: a folder with nbgrader's config and ``source/``."""
    layout = Layout(root)
    if not (layout.root / "nbgrader_config.py").is_file() or not layout.source().is_dir():
        raise BadInput(_("no course directory at {root} (no nbgrader_config.py and source/ there): "
                         "pass --root with the folder that holds them, or run from the course's repository").format(
            root=layout.root))
    return layout


def released(layout: Layout, assignments: list[str]) -> None:
    """Every one of ``assignments`` is in the gradebook (``course release`` puts it there)."""
    names = set()
    if layout.has_gradebook:  # opening a missing gradebook would create it: check first
        from nbgrader.api import Gradebook

        with Gradebook(layout.db_url) as gb:
            names = {a.name for a in gb.assignments}
    missing = [a for a in assignments if a not in names]
    if missing:
        raise BadInput(_n("{names} is not released in {root}: run `course release {args}` first",
                        "{names} are not released in {root}: run `course release {args}` first",
                        len(missing)).format(names=", ".join(missing), root=layout.root, args=" ".join(missing)))


def submitted(layout: Layout, assignments: list[str], students: list[str]) -> None:
    """Each student asked for has a submission of at least one of ``assignments``."""
    for student in students:
        if not any(layout.submitted(student, a).is_dir() for a in assignments):
            where = layout.submitted(student, assignments[0]).relative_to(layout.root)
            raise BadInput(_("{student} has no submission of {assignments} (no {where}/): check the id, or "
                             "collect it first with `course collect {assignment}`").format(
                student=student, assignments=", ".join(assignments), where=where, assignment=assignments[0]))


def comparable(layout: Layout, assignment: str) -> None:
    """``assignment`` has a released notebook (the text to ignore) and two submissions or more to compare."""
    if not any(layout.release(assignment).glob("*.ipynb")):
        raise BadInput(_("{assignment} has no released notebook in {folder}: run `course release {assignment}` "
                         "first").format(assignment=assignment, folder=layout.release(assignment)))
    if len(layout.students(assignment)) < 2:
        raise BadInput(_("{assignment} has {count} submission(s) in {folder}/, fewer than two to compare: "
                         "collect them first with `course collect {assignment}`").format(
            assignment=assignment, count=len(layout.students(assignment)),
            folder=layout.submitted().relative_to(layout.root)))


def graded(layout: Layout) -> None:
    """Something has been graded here: the gradebook exists."""
    if not layout.has_gradebook:
        raise BadInput(_("nothing graded yet in {root} (no gradebook.db): run `course autograde` first").format(
            root=layout.root))


def engine() -> str:
    """A Docker Engine answers (the course starts Debian's where it may); its URL."""
    from course.engine import bootstrap
    from course.engine.connect import EngineUnavailable

    try:
        return bootstrap.ensure_engine()
    except EngineUnavailable as exc:
        raise BadInput(_("no Docker Engine: {reason}").format(reason=exc)) from None


def port_free(ip: str, port: int) -> None:
    """Nothing listens on ``ip:port`` yet."""
    with socket.socket() as s:
        try:
            s.bind((ip, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise BadInput(_("cannot listen on {ip}:{port} ({reason}): pick another --ip or --port").format(
                    ip=ip, port=port, reason=exc.strerror)) from None
            raise BadInput(_("port {port} on {ip} is in use (another lab or server?): pick another, for example "
                             "`course lab --port {next}`").format(port=port, ip=ip, next=port + 1)) from None


def view() -> None:
    """Graded kernels can run in their allow-list view here (else: why, what to install, or --unconfined)."""
    from course.grading import sandbox

    try:
        sandbox.require_view()
    except sandbox.UnconfinedRefused as exc:
        raise BadInput(str(exc)) from None
