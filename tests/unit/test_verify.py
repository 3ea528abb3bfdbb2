"""A submission that did not really run is never taken at face value; tampering is noted."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import compute_checksum

from course.grading import verify


def _test_cell(grade_id: str, source: str = "check.x()", ran: bool = True, error: str | None = None):
    cell = new_code_cell(source, execution_count=1 if ran else None)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "solution": False, "points": 1,
                                 "locked": True, "schema_version": 3}
    if error:
        cell.outputs = [new_output("error", ename=error, evalue="", traceback=[])]
    return cell


def _write(path, *cells):
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


def test_a_notebook_whose_graded_cells_ran_is_trusted(tmp_path):
    assert verify.problems(_write(tmp_path / "a.ipynb", _test_cell("ex1-tests"), _test_cell("ex2-tests"))) == []


def test_a_dead_kernel_a_timeout_and_a_cell_that_never_ran_are_named(tmp_path):
    nb = _write(tmp_path / "a.ipynb", _test_cell("ex1-tests", error="DeadKernelError"),
                _test_cell("ex2-tests", error="CellTimeoutError"), _test_cell("ex3-tests", ran=False))
    assert verify.problems(nb) == ["DeadKernelError in cell ex1-tests", "CellTimeoutError in cell ex2-tests",
                                   "test cell ex3-tests never ran (the kernel stopped before it)"]


def test_a_learners_own_error_is_a_failed_test_not_a_broken_run(tmp_path):
    assert verify.problems(_write(tmp_path / "a.ipynb", _test_cell("ex1-tests", error="AssertionError"))) == []


def test_a_missing_notebook_is_a_problem(tmp_path):
    assert verify.problems(tmp_path / "none.ipynb") == [f"no autograded notebook at {tmp_path / 'none.ipynb'}"]


def test_deleted_and_edited_test_cells_are_noted(tmp_path):
    released = [_test_cell("ex1-tests"), _test_cell("ex2-tests")]
    for cell in released:
        cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    release = _write(tmp_path / "release.ipynb", *released)
    edited = _test_cell("ex1-tests", source="pass  # always passes")
    submitted = _write(tmp_path / "submitted.ipynb", edited)
    assert verify.tampering(submitted, release) == [
        "test cell ex2-tests was deleted (scored 0)",
        "test cell ex1-tests was edited (the original was restored and run)"]
    assert verify.tampering(release, release) == []
