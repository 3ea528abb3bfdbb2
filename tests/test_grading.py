"""The nbgrader loop on a scratch course directory: release is current, scores are ordered."""

from __future__ import annotations

import json

import nbformat
import pytest

from course import config, material
from course.grading import nbgrader_api, parallel, report, sourcegen, students

MODULES = material.modules()


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_source_is_built_from_material(module, tmp_path):
    sourcegen.build_source(tmp_path)
    committed = sourcegen.source_path(module)
    assert _cells(sourcegen.source_path(module, tmp_path)) == _cells(committed), (
        "source/ is out of date with course/material: run `course build-source`")


@pytest.fixture(scope="module")
def graded(course_root, engine):
    """Release every assignment in the scratch course, submit three students, autograde."""
    outcomes = {}
    for module in MODULES:
        gen = nbgrader_api.generate(module.ASSIGNMENT, course_root)
        assert gen.ok, gen.error
        for kind in students.STUDENTS:
            students.write_submission(kind, module, course_root)
        for result in parallel.autograde_all(module.ASSIGNMENT, list(students.STUDENTS), course_root, force=True):
            outcomes[(module.ASSIGNMENT, result.student)] = result
    return outcomes


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_release_is_what_generate_assignment_makes(module, graded, course_root):
    name = f"{module.ASSIGNMENT}/{module.NOTEBOOK}.ipynb"
    assert _cells(course_root / "release" / name) == _cells(config.ROOT / "release" / name), (
        "release/ is out of date with source/: run `course release`")


def test_every_submission_graded(graded):
    failed = {key: r.reason for key, r in graded.items() if not r.ok}
    assert not failed


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.ASSIGNMENT)
def test_scores_are_ordered(module, graded, course_root):
    df = report.scores(course_root)
    df = df[(df.assignment == module.ASSIGNMENT) & df.auto]
    total = df.groupby("student")["score"].sum()
    best = df.drop_duplicates("question")["max_score"].sum()
    assert total["solution"] == best > 0
    assert best > total["partial"] > total["untouched"]
    assert total["untouched"] == 0


def test_feedback_explains_the_partial_mistake(graded, course_root):
    nb = nbformat.read(course_root / "autograded/partial/containers/containers.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2-tests")
    text = "\n".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")
    assert "64 MiB is 67108864 bytes" in text and 'mem_limit="64m"' in text


def test_score_table_has_max_row(graded, course_root):
    table = report.score_table(course_root)
    assert "(max)" in table.index and ("all", "total") in table.columns
