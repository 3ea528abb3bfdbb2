"""`make demo`: the whole course loop on this machine, as an instructor would run it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console

from course import config
from course.apps import setup
from course.engine import client, remove_labelled
from course.engine.cleanup import leftovers
from course.grading import ledger, nbgrader_api, parallel, report, students
from course.grading.scratch import make_course
from course.material import lessons


def ordered(table, assignment: str) -> tuple[bool, str]:
    """Check solution = max > partial > untouched = 0 for one assignment; (ok, explanation)."""
    cols = [c for c in table.columns if c[0] == assignment]
    total = table[cols].sum(axis=1)
    best = total.get("(max)")
    sol, part, none = (total.get(s) for s in students.STUDENTS)
    ok = sol == best and best > part > none and none == 0
    return ok, f"{assignment}: solution {sol:g}/{best:g}, partial {part:g}, untouched {none:g}"


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
            console.print(f"[red]generate_assignment {lesson.assignment} failed[/]\n{outcome.error}")
            return 1
        console.print(f"released {lesson.assignment} -> release/{lesson.assignment}")
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, root)
    names = [lesson.assignment for lesson in chosen]
    if queue:
        results = _through_queue(console, names, root)
    else:
        results = parallel.autograde(names, list(students.STUDENTS), root, force=True, unconfined=unconfined)
    failures += [r for r in results if not r.ok]
    if failures:
        console.print(f"[red]{len(failures)} submission(s) could not be graded: see 'could not run' below[/]")
    report.show(console, root, detail=False, html=True)  # narrow; per question is in the report
    table = report.score_table(root)
    verdicts = [ordered(table, lesson.assignment) for lesson in chosen]
    for ok, text in verdicts:
        console.print(("[green]ok[/] " if ok else "[red]NOT ORDERED[/] ") + text)
    # Only this course directory's gradings: other courses (and other users' kernels) share the engine.
    mine = nbgrader_api.sessions_prefix(root)
    left = leftovers(client(), session_prefix=mine)  # each submission's own clean-up should leave none
    remove_labelled(client(), session_prefix=mine)
    console.print(f"engine after the demo: {sum(left.values())} objects of its gradings left {dict(left)}")
    return 0 if not failures and all(ok for ok, _ in verdicts) and not sum(left.values()) else 1


def _through_queue(console: Console, assignments: list[str], root: Path) -> list:
    """The demo's class graded by a grader host through the course's own broker."""
    import os

    from course.apps import hosts
    from course.grading import distributed
    from course.services import broker

    url = broker.start_broker()
    console.print(f"broker: redis on 127.0.0.1:{broker.DEFAULT.port}")
    host = hosts.start("demo", url, concurrency=os.cpu_count() or 1, log=config.CACHE / "host-demo.log")
    try:
        return distributed.autograde(assignments, url, list(students.STUDENTS), root, force=True)
    finally:
        host.stop()


def trial(console: Console, assignments: tuple[str, ...], unconfined: bool = False) -> int:
    """The demo's loop for some assignments in a scratch course directory (the repo's gradebook untouched).

    For lesson authors: do solution, partial and untouched score in order, and how long does each take?
    """
    with tempfile.TemporaryDirectory(prefix="course-try-") as tmp:
        root = make_course(Path(tmp))
        status = run(console, root, assignments, unconfined)
        for (assignment, student), graded in sorted(ledger.load(root).items()):
            console.print(f"{assignment} {student}: {'ok' if graded.ok else 'FAILED'} in {graded.seconds:.1f} s"
                          f"{' - ' + graded.reason if graded.reason else ''}")
        return status
