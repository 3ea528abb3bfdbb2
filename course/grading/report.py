"""Scores from nbgrader's gradebook, as pandas tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook

from course import config
from course.grading.settings import course_config

COLUMNS = ["student", "assignment", "notebook", "question", "score", "max_score", "auto"]


def scores(root: Path = config.ROOT) -> pd.DataFrame:
    """One row per graded cell of every submission in the gradebook (long, tidy form)."""
    db_url = course_config(root).CourseDirectory.db_url
    rows = []
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        rows.append({
                            "student": submission.student_id, "assignment": assignment.name,
                            "notebook": nb.name, "question": grade.name,
                            "score": float(grade.score), "max_score": float(grade.max_score),
                            "auto": grade.cell_type == "code",
                        })
    return pd.DataFrame(rows, columns=COLUMNS)


def score_table(root: Path = config.ROOT) -> pd.DataFrame:
    """Autograded score per student (rows) and assignment/question (columns), with totals."""
    df = scores(root)
    df = df[df["auto"]]
    table = df.pivot_table(index="student", columns=["assignment", "question"], values="score", aggfunc="sum")
    table[("all", "total")] = table.sum(axis=1)
    maxima = df.drop_duplicates(["assignment", "question"]).set_index(["assignment", "question"])["max_score"]
    table.loc["(max)"] = [*maxima.reindex(table.columns[:-1]).tolist(), maxima.sum()]
    return table.sort_values(("all", "total"), ascending=False)
