"""The nbgrader loop on a scratch course directory: release is current, scores are ordered."""

from __future__ import annotations

import json

import nbformat
import pytest

from course.grading import nbgrader_api, parallel, report, students
from course.layout import Layout
from course.material import lessons

LESSONS = lessons.ordered()


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


@pytest.fixture(scope="module")
def graded(course_root, engine):
    """Release every assignment in the scratch course, submit three students, autograde."""
    outcomes = {}
    for lesson in LESSONS:
        gen = nbgrader_api.generate(lesson.assignment, course_root)
        assert gen.ok, gen.error
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, course_root)
        for result in parallel.autograde_all(lesson.assignment, list(students.STUDENTS), course_root, force=True):
            outcomes[(lesson.assignment, result.student)] = result
    return outcomes


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_release_is_what_generate_assignment_makes(lesson, graded, course_root):
    made, committed = Layout(course_root).release(lesson.assignment), Layout().release(lesson.assignment)
    assert _cells(made / lesson.filename) == _cells(committed / lesson.filename), (
        "release/ is out of date with source/: run `course release`")


def test_every_submission_graded(graded):
    failed = {key: r.reason for key, r in graded.items() if not r.ok}
    assert not failed


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_scores_are_ordered(lesson, graded, course_root):
    df = report.scores(course_root)
    df = df[(df.assignment == lesson.assignment) & df.auto]
    total = df.groupby("student")["score"].sum()
    best = df.drop_duplicates("question")["max_score"].sum()
    assert total["solution"] == best > 0
    assert best > total["partial"] > total["untouched"]
    assert total["untouched"] == 0


def test_feedback_explains_the_partial_mistake(graded, course_root):
    nb = nbformat.read(Layout(course_root).autograded("partial", "containers") / "containers.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2-tests")
    text = "\n".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")
    assert "64 MiB is 67108864 bytes" in text and 'mem_limit="64m"' in text


def test_score_table_has_max_row(graded, course_root):
    table = report.score_table(course_root)
    assert "(max)" in table.index and ("all", "total") in table.columns


def test_what_the_demo_prints_last_fits_100_columns(graded, course_root):
    """One row per student, one column per assignment, the report's place: an ordinary terminal holds it."""
    import io

    from rich.console import Console

    from course.apps.demo import ordered

    out = io.StringIO()
    console = Console(file=out, soft_wrap=True, width=400)  # soft wrap: lines as long as they are
    files = report.show(console, course_root, detail=False, html=True)
    for lesson in LESSONS:
        console.print(ordered(report.score_table(course_root), lesson.assignment)[1])
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    header = next(ln for ln in lines if ln.lstrip().startswith("vms"))
    assert header.split() == [lesson.assignment for lesson in LESSONS]
    assert any(ln.startswith("solution") and "10/10" in ln for ln in lines)
    assert files["html"].exists() and "reports/report.html" in out.getvalue()
    page = files["html"].read_text()
    for lesson in LESSONS:  # a similarity page beside it for each assignment, linked from it
        alike = files[f"similarity-{lesson.assignment}"]
        assert alike.parent == files["html"].parent and f'href="{alike.name}"' in page
    assert any(ln.startswith("pairs of students with answers alike") for ln in lines)
