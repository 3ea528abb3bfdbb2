"""The `course` command: set-up, release, grading and the demo for instructors."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from course import config

console = Console()


@click.group()
def main() -> None:
    """VMs and Docker, by doing: the instructor's and the lab's command."""


@main.command()
@click.option("--vm/--no-vm", default=True, help="Also fetch the VM kernel and build the initramfs.")
def setup(vm: bool) -> None:
    """Everything the course needs, idempotently: engine, images (and VM assets)."""
    from course import setup as course_setup

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
    from course import doctor as doc

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
    """Write source/ from the lesson material (course/material)."""
    from course.grading.sourcegen import build_source as build

    for path in build():
        console.print(f"wrote {path.relative_to(config.ROOT)}")


@main.command()
@click.argument("assignments", nargs=-1)
def release(assignments: tuple[str, ...]) -> None:
    """Generate the student versions (release/) with nbgrader; all assignments by default."""
    from course import material
    from course.grading import nbgrader_api

    for name in assignments or [m.ASSIGNMENT for m in material.modules()]:
        outcome = nbgrader_api.generate(name)
        if not outcome.ok:
            raise click.ClickException(f"generate_assignment {name} failed:\n{outcome.error}")
        console.print(f"released {name}")


@main.command()
@click.argument("assignment")
@click.option("--student", "students", multiple=True, help="Only these students (default: all submitted).")
@click.option("--force", is_flag=True, help="Regrade submissions already graded.")
def autograde(assignment: str, students: tuple[str, ...], force: bool) -> None:
    """Autograde the submissions of ASSIGNMENT into the gradebook."""
    from course.grading import pipeline

    results = pipeline.autograde_all(assignment, list(students) or None, force=force)
    console.print(pipeline.outcome_table(results))
    if any(not r.ok for r in results):
        sys.exit(1)


@main.command()
def report() -> None:
    """Print the score table from the gradebook."""
    from course.grading import report as rep

    console.print(rep.score_table().to_string())


@main.command()
def cleanup() -> None:
    """Remove every container, network and volume the course created on the engine."""
    from course.engine import client, remove_labelled

    console.print(dict(remove_labelled(client())))


@main.command()
def demo() -> None:
    """The whole course loop: set-up, release, three simulated students, autograde, report."""
    from course import demo as run_demo

    sys.exit(run_demo.run(console))


@main.command()
@click.option("--port", default=8888, show_default=True)
@click.option("--token", default=None, help="Access token (default: a random one, printed).")
@click.option("--ip", default="127.0.0.1", show_default=True)
def lab(port: int, token: str | None, ip: str) -> None:
    """Start JupyterLab on a student copy of the released notebooks."""
    from course import labserver

    labserver.run(port=port, token=token, ip=ip)


if __name__ == "__main__":
    main()
