"""`make demo`: the whole course loop on this machine, as an instructor would run it.

``course demo --lang ko`` runs it on the Korean edition's course directory (``ko/``): the same
assignments and checks, graded in Korean, the same score table.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console

from course import config, i18n
from course.apps import setup
from course.engine import client, remove_labelled
from course.engine.cleanup import leftovers
from course.grading import ledger, nbgrader_api, parallel, report, students
from course.grading.scratch import make_course
from course.i18n import translator
from course.layout import Layout
from course.material import lessons

_ = translator("common")


def ordered(table, assignment: str) -> tuple[bool, str]:
    """Check solution = max > partial > untouched = 0 for one assignment; (ok, explanation)."""
    cols = [c for c in table.columns if c[0] == assignment]
    total = table[cols].sum(axis=1)
    best = total.get("(max)")
    sol, part, none = (total.get(s) for s in students.STUDENTS)
    ok = sol == best and best > part > none and none == 0
    return ok, _("{assignment}: solution {sol:g}/{best:g}, partial {part:g}, untouched {none:g}").format(
        assignment=assignment, sol=sol, best=best, part=part, none=none)


def run(console: Console, root: Path = config.ROOT, only: tuple[str, ...] = (), unconfined: bool = False,
        queue: bool = False) -> int:
    """Set up, release, submit three simulated students, autograde, report. Exit status.

    ``unconfined``: grade without the allow-list view (see `course autograde --unconfined`).
    With ``queue`` the class goes through the grading queue: the course's broker and one
    grader host on this machine, the same sandboxed grading, recorded by this process.
    """
    for line in setup.ensure_all():
        console.print(line)
    failures = []
    chosen = [lesson for lesson in lessons.ordered() if not only or lesson.assignment in only]
    for lesson in chosen:
        outcome = nbgrader_api.generate(lesson.assignment, root)
        if not outcome.ok:
            console.print("[red]{}[/]\n{}".format(_("generate_assignment {name} failed").format(name=lesson.assignment),
                                                   outcome.error))
            return 1
        console.print(_("released {name} -> {folder}").format(
            name=lesson.assignment, folder=Layout(root).release(lesson.assignment).relative_to(Layout(root).root)))
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, root)
    names = [lesson.assignment for lesson in chosen]
    if queue:
        results = _through_queue(console, names, root)
    else:
        results = parallel.autograde(names, list(students.STUDENTS), root, force=True, unconfined=unconfined)
    failures += [r for r in results if not r.ok]
    if failures:
        console.print("[red]{}[/]".format(_("{count} submission(s) could not be graded: see 'could not run' below")
                                          .format(count=len(failures))))
    report.show(console, root, detail=False, html=True)  # narrow; per question is in the report
    table = report.score_table(root)
    verdicts = [ordered(table, lesson.assignment) for lesson in chosen]
    for ok, text in verdicts:
        console.print(("[green]{}[/] ".format(_("ok")) if ok else "[red]{}[/] ".format(_("NOT ORDERED"))) + text)
    # Only this course directory's gradings: other courses (and other users' kernels) share the engine.
    mine = nbgrader_api.sessions_prefix(root)
    left = leftovers(client(), session_prefix=mine)  # each submission's own clean-up should leave none
    remove_labelled(client(), session_prefix=mine)
    console.print(_("engine after the demo: {count} objects of its gradings left {left}").format(
        count=sum(left.values()), left=dict(left)))
    return 0 if not failures and all(ok for ok, _text in verdicts) and not sum(left.values()) else 1


def _through_queue(console: Console, assignments: list[str], root: Path) -> list:
    """The demo's class graded by a grader host through the course's own broker."""
    import os

    from course.apps import hosts
    from course.grading import distributed
    from course.services import broker

    url = broker.start_broker()
    console.print(_("broker: redis on 127.0.0.1:{port}").format(port=broker.DEFAULT.port))
    host = hosts.start("demo", url, concurrency=os.cpu_count() or 1, log=config.CACHE / "host-demo.log")
    try:
        return distributed.autograde(assignments, url, list(students.STUDENTS), root, force=True)
    finally:
        host.stop()


def trial(console: Console, assignments: tuple[str, ...], unconfined: bool = False, lang: str = i18n.DEFAULT) -> int:
    """The demo's loop for some assignments in a scratch course directory (the repo's gradebook untouched),
    of the edition in ``lang``.

    For lesson authors: do solution, partial and untouched score in order, and how long does each take?
    """
    with tempfile.TemporaryDirectory(prefix="course-try-") as tmp:
        root = make_course(Path(tmp), lang=lang)
        status = run(console, root, assignments, unconfined)
        for (assignment, student), graded in sorted(ledger.load(root).items()):
            line = _("{assignment} {student}: ok in {seconds:.1f} s") if graded.ok else _(
                "{assignment} {student}: FAILED in {seconds:.1f} s")
            console.print(line.format(assignment=assignment, student=student, seconds=graded.seconds)
                          + (f" - {graded.reason}" if graded.reason else ""))
        return status
