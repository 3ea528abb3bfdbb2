"""Cell constructors for writing nbgrader source notebooks from Python.

The ``source/`` notebooks are the canonical course material (instructors may edit
them in JupyterLab with nbgrader's create-assignment tool); these helpers only
make writing their nbgrader metadata by script less error-prone.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def md(text: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    """A markdown cell; locked (read-only for students) when it has a ``grade_id``."""
    cell = new_markdown_cell(text.strip())
    if grade_id:
        cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def code(source: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    """An ordinary code cell (a live demonstration)."""
    cell = new_code_cell(source.strip())
    if grade_id:
        cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def solution(source: str, grade_id: str) -> nbformat.NotebookNode:
    """A code cell the learner writes; ``### BEGIN/END SOLUTION`` marks what is stripped."""
    cell = new_code_cell(source.strip())
    cell.metadata.update(_meta(grade_id, grade=False, solution=True, locked=False))
    return cell


def tests(source: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """An autograded test cell; ``### BEGIN/END HIDDEN TESTS`` marks the hidden part."""
    cell = new_code_cell(source.strip())
    cell.metadata.update(_meta(grade_id, grade=True, solution=False, locked=True, points=points))
    return cell


def written(answer: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A manually graded markdown answer; the reference ``answer`` is stripped on release."""
    cell = new_markdown_cell(answer.strip())
    cell.metadata.update(_meta(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def notebook(cells: list, path: Path) -> None:
    """Write ``cells`` as a Python 3 notebook at ``path``."""
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):  # stable ids: rebuilding must not churn every notebook
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{i}"
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
