"""Grading many submissions: which to grade, a progress bar, and a per-submission outcome."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

# nbgrader 0.9 trips SQLAlchemy autoflush warnings on every autograde; they are not ours to fix.
warnings.filterwarnings("ignore", message=".*not in session.*")

from course import config
from course.grading import nbgrader_api


@dataclass
class Graded:
    """The outcome of grading one submission."""

    student: str
    assignment: str
    ok: bool
    reason: str = ""


def submitted_students(assignment: str, root: Path = config.ROOT) -> list[str]:
    """Students with a submission of ``assignment`` in ``submitted/``."""
    base = root / "submitted"
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.exists() else []


def _reason(outcome: nbgrader_api.Outcome) -> str:
    """The last meaningful line of nbgrader's error, for a one-line report."""
    lines = [ln for ln in (outcome.error or outcome.log).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "nbgrader reported a failure without a message"


def autograde_all(
    assignment: str, students: list[str] | None = None, root: Path = config.ROOT, force: bool = False
) -> list[Graded]:
    """Autograde each submission in turn; one broken submission never stops the others."""
    results = []
    for student in tqdm(students or submitted_students(assignment, root), desc=f"autograde {assignment}",
                        unit="submission"):
        outcome = nbgrader_api.autograde(assignment, student, root, force=force)
        results.append(Graded(student, assignment, outcome.ok, "" if outcome.ok else _reason(outcome)))
    return results


def outcome_table(results: list[Graded]) -> str:
    """A printable table of grading outcomes."""
    df = pd.DataFrame([r.__dict__ for r in results])
    return df.to_string(index=False) if not df.empty else "(nothing to grade)"
