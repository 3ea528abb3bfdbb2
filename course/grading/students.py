"""Simulated students for the demo and the tests: the full solution, a partial answer, the release.

Submissions are built from the *released* notebook, as a real student's would be, with
answers taken from the lesson's reference solutions or its ``partial`` answers, each written
for the student's own variant (the literal values a learner would type).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

from course import config, i18n
from course.grading import variants
from course.layout import Layout
from course.material import lessons
from course.material.lesson import Lesson
from course.material.variants import Value, render

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
STUDENTS = ("solution", "partial", "untouched")


def reference_answers(source_nb: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> the reference answer of every solution cell (markers removed)."""
    answers = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = SOLUTION_MARKER.sub("", cell.source)
    return answers


def fill(release_nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the released notebook with ``answers`` written into its solution cells."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def answers_for(kind: str, lesson: Lesson, values: dict[str, Value] | None = None) -> dict[str, str]:
    """The answers a simulated student of ``kind`` gives, written for ``values`` (their variant)."""
    reference = reference_answers(new_notebook(cells=lesson.cells(values)))
    if kind == "solution":
        return reference
    if kind == "partial":
        return {gid: (render(text, values or {}) if text is not None else reference[gid])
                for gid, text in lesson.partial.items()}
    if kind == "untouched":
        return {}
    raise ValueError(f"unknown simulated student {kind!r}; choose from {STUDENTS}")


def write_submission(kind: str, lesson: Lesson, root: Path = config.ROOT, student: str | None = None) -> Path:
    """Write ``submitted/<student>/<assignment>/<notebook>.ipynb`` for a simulated student."""
    layout, name = Layout(root), lesson.filename
    student = student or kind
    values = variants.of(student, lesson.assignment, root)
    release_nb = nbformat.read(layout.release(lesson.assignment) / name, as_version=4)
    folder = layout.submitted(student, lesson.assignment)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with i18n.using(layout.language):  # written answers in the edition's language, as its learner writes them
        answers = answers_for(kind, lesson, values)
    nbformat.write(fill(release_nb, answers), folder / name)
    return folder / name


def write_class(root: Path = config.ROOT) -> list[tuple[str, str]]:
    """Submissions of every simulated student for every assignment; (student, assignment) pairs."""
    return [
        (write_submission(kind, lesson, root).parent.parent.name, lesson.assignment)
        for lesson in lessons.ordered()
        for kind in STUDENTS
    ]
