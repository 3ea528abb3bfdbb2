"""The `course` command: set-up, release, grading and the demo for instructors."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from course import config

console = Console(soft_wrap=True)  # tables are wide: never fold them


@click.group()
def main() -> None:
    """VMs and Docker, by doing: the instructor's and the lab's command."""


@main.command()
@click.option("--vm/--no-vm", default=True, help="Also fetch the VM kernel and build the initramfs.")
def setup(vm: bool) -> None:
    """Everything the course needs, idempotently: engine, images (and VM assets)."""
    from course.apps import setup as course_setup

    for line in course_setup.ensure_all(vm=vm):
        console.print(line)


@main.group()
def engine() -> None:
    """Start, stop or show the Docker Engine."""


@engine.command("start")
def engine_start() -> None:
    """Start Debian's dockerd if no engine answers (installs docker.io if needed)."""
    from course.engine import bootstrap

    console.print(f"engine ready at {bootstrap.ensure_engine()}")


@engine.command("stop")
def engine_stop() -> None:
    """Stop the dockerd the course started (by its recorded pid); never another one."""
    from course.engine import bootstrap

    console.print("stopped" if bootstrap.stop_daemon() else "the course did not start the running engine")


@main.group()
def registry() -> None:
    """Start or stop the course's local registry (Debian's docker-registry on 127.0.0.1:5000)."""


@registry.command("start")
def registry_start() -> None:
    from course.services import registry as reg

    console.print(f"registry at {reg.start_registry()}")


@registry.command("stop")
def registry_stop() -> None:
    """Stop the registry the course started (by its recorded pid)."""
    from course.services import registry as reg

    console.print("stopped" if reg.stop_registry() else "the course did not start a running registry")


@main.command()
def images() -> None:
    """Build the course images that are missing or whose inputs changed (offline)."""
    from course.engine import bootstrap, client
    from course.images import ensure_image

    bootstrap.ensure_engine()
    ref, built = ensure_image(client())
    console.print(f"{ref}: {'built' if built else 'up to date'}")


@main.command()
def doctor() -> None:
    """Show what the course needs and what this machine has; exit 1 if it cannot run."""
    from course.apps import doctor as doc

    rows = doc.checks()
    table = Table(title="course doctor")
    for col in ("check", "status", "found", "fix"):
        table.add_column(col, overflow="fold")
    for row in rows:
        status = "[green]ok[/]" if row.ok else ("[red]MISSING[/]" if row.required else "[yellow]optional[/]")
        table.add_row(row.name, status, row.found, "" if row.ok else row.fix)
    console.print(table)
    sys.exit(0 if doc.healthy(rows) else 1)


@main.command("build-source")
def build_source() -> None:
    """Write source/ and the course map from the lessons (course/material/lessons)."""
    from course.material.build import build_source as build

    for path in build():
        console.print(f"wrote {path.relative_to(config.ROOT)}")


def _require(outcome, what: str) -> None:
    if not outcome.ok:
        raise click.ClickException(f"{what} failed:\n{outcome.error or outcome.log}")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--exchange/--no-exchange", default=False,
              help="Also release to nbgrader's exchange, for the students' Assignments tab.")
def release(assignments: tuple[str, ...], exchange: bool) -> None:
    """Generate the student versions (release/) with nbgrader; all assignments by default."""
    from course.grading import nbgrader_api
    from course.material import lessons

    for name in assignments or lessons.names():
        _require(nbgrader_api.generate(name), f"generate_assignment {name}")
        if exchange:
            _require(nbgrader_api.release_to_exchange(name), f"release_assignment {name}")
        console.print(f"released {name}" + (" (and to the exchange)" if exchange else ""))


@main.command()
@click.argument("assignment")
def collect(assignment: str) -> None:
    """Collect submissions of ASSIGNMENT from nbgrader's exchange into submitted/."""
    from course.grading import nbgrader_api

    _require(nbgrader_api.collect(assignment), f"collect {assignment}")
    console.print(f"collected {assignment}")


@main.command()
@click.argument("assignment")
@click.option("--student", default=None, help="Only this student.")
def feedback(assignment: str, student: str | None) -> None:
    """Generate HTML feedback (hidden tests and their code stay hidden)."""
    from course.grading import nbgrader_api

    _require(nbgrader_api.generate_feedback(assignment, student), f"generate_feedback {assignment}")
    console.print(f"feedback written to feedback/*/{assignment}/")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--student", "students", multiple=True, help="Only these students (default: all submitted).")
@click.option("--force", is_flag=True, help="Regrade submissions already graded.")
@click.option("--workers", type=int, default=None, help="Parallel graders (default: CPU count).")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds per submission.")
def autograde(assignments: tuple[str, ...], students: tuple[str, ...], force: bool, workers: int | None,
              timeout: float) -> None:
    """Autograde the submissions of ASSIGNMENTS (default: all) into the gradebook, in parallel; resumable.

    Several assignments share one pool of workers, longest submissions first.
    """
    from course.grading import parallel, report
    from course.material import lessons

    known = lessons.names()
    unknown = [a for a in assignments if a not in known]
    if unknown:
        raise click.BadParameter(f"no assignment {', '.join(unknown)}; the course has {', '.join(known)}",
                                 param_hint="ASSIGNMENTS")
    results = parallel.autograde(list(assignments) or known, list(students) or None, force=force,
                                 workers=workers, timeout=timeout)
    console.print(report.outcome_table(results))
    if any(not r.ok for r in results):
        sys.exit(1)


@main.command()
def grades() -> None:
    """The grade report: scores, item analysis, summary; CSVs and a histogram in reports/."""
    from course.grading import report as rep

    rep.show(console)


@main.command()
def cleanup() -> None:
    """Remove every container, network and volume the course created on the engine."""
    from course.engine import client, remove_labelled

    console.print(dict(remove_labelled(client())))


@main.command()
def demo() -> None:
    """The whole course loop: set-up, release, three simulated students, autograde, report."""
    from course.apps import demo as run_demo

    sys.exit(run_demo.run(console))


@main.command("try")
@click.argument("assignments", nargs=-1, required=True)
def try_(assignments: tuple[str, ...]) -> None:
    """Grade the three simulated students of ASSIGNMENTS in a scratch course (for lesson authors)."""
    from course.apps import demo as run_demo

    sys.exit(run_demo.trial(console, assignments))


@main.command()
@click.option("--port", default=8888, show_default=True)
@click.option("--token", default=None, help="Access token (default: a random one, printed).")
@click.option("--ip", default="127.0.0.1", show_default=True)
@click.option("--mode", type=click.Choice(["student", "instructor"]), default="student", show_default=True,
              help="student: the released notebooks; instructor: the course directory with the formgrader.")
@click.option("--student", default=None,
              help="Student mode on a shared machine: kernels reach the engine only through this "
                   "student's guard, and see only their own containers, networks and volumes.")
def lab(port: int, token: str | None, ip: str, mode: str, student: str | None) -> None:
    """Start JupyterLab on a student copy of the released notebooks (or the instructor's course)."""
    from course.apps import labserver

    if not student:
        sys.exit(labserver.run(port=port, token=token, ip=ip, mode=mode))
    from course.engine import bootstrap
    from course.guard import start_guard

    bootstrap.ensure_engine()
    guard = start_guard(student, mode=0o600)
    try:
        console.print(f"engine access through {student}'s guard: {guard.url}")
        code = labserver.run(port=port, token=token, ip=ip, mode=mode, docker_host=guard.url)
    finally:
        guard.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
