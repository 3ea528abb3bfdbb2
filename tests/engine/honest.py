"""Honest submissions graded alone, to compare with the same ones graded beside hostile ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from course.grading import parallel, report, students
from course.grading.scratch import make_course

HONEST = ("solution", "partial")


def graded_alone(root: Path, lesson, **grading) -> Path:
    """A scratch course at ``root`` with only the honest submissions of ``lesson``, graded (``grading``: options)."""
    make_course(root, (lesson.assignment,))
    for kind in HONEST:
        students.write_submission(kind, lesson, root)
    results = parallel.autograde_all(lesson.assignment, root=root, **grading)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return root


def honest_scores(root: Path) -> pd.DataFrame:
    """Each honest submission's score per question, in a fixed order."""
    key = ["student", "question"]
    df = report.scores(root)
    return df[df.student.isin(HONEST)].sort_values(key)[[*key, "score"]].reset_index(drop=True)
