"""The course's record of each submission's grading outcome, beside nbgrader's gradebook.

nbgrader records scores; it has nowhere to say "this submission could not be run, and
why". The ledger does, so that a broken submission is reported, never silently 0.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from course import config
from course.layout import Layout


@dataclass
class Graded:
    """The outcome of grading one submission: ``reason`` says why it failed, or notes on a graded one."""

    student: str
    assignment: str
    ok: bool
    reason: str = ""
    seconds: float = 0.0
    digest: str = ""  # through the queue: the task id, digest of the submission and source as graded
    host: str = ""  # through the queue: the grader host that graded it


def path(root: Path = config.ROOT) -> Path:
    return Layout(root).ledger


def load(root: Path = config.ROOT) -> dict[tuple[str, str], Graded]:
    """Every recorded outcome, keyed by (assignment, student)."""
    try:
        rows = json.loads(path(root).read_text())
    except (OSError, ValueError):
        return {}
    return {(r["assignment"], r["student"]): Graded(**r) for r in rows}


def record(results: list[Graded], root: Path = config.ROOT) -> None:
    """Merge ``results`` into the ledger (atomically: write then rename)."""
    merged = load(root)
    merged.update({(r.assignment, r.student): r for r in results})
    target = path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(r) for r in merged.values()], indent=1))
    tmp.replace(target)
