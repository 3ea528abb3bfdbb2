"""The nbgrader loop on a scratch course directory: release is current, scores are ordered."""

from __future__ import annotations

import json

import nbformat
import pytest

from course.grading import nbgrader_api, parallel, report, students, variants
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
    want = variants.of("partial", "containers", course_root)["memory_mb"]
    assert f"your exercise asks for {want} MiB, which is {want * 2**20} bytes" in text and f'mem_limit="{want}m"' in text


def test_each_student_is_graded_against_their_own_variant_the_same_each_time(graded, course_root):
    """The autograded notebook says (at the top, as the formgrader shows it) which variant it was graded
    against; a regrade of the same submission gives the same scores."""
    for kind in students.STUDENTS:
        nb = nbformat.read(Layout(course_root).autograded(kind, "containers") / "containers.ipynb", as_version=4)
        mine = variants.of(kind, "containers", course_root)
        assert nb.metadata["course_variant"] == {"student": kind, "assignment": "containers", "values": mine}
        assert f"variant of {kind}" in nb.cells[0].source and f"`memory_mb` | {mine['memory_mb']} |" in nb.cells[0].source
    df = report.scores(course_root)
    before = df[df.assignment == "containers"].set_index(["student", "question"])["score"].sort_index()
    regraded = parallel.autograde_all("containers", ["solution", "partial"], course_root, force=True)
    assert all(r.ok for r in regraded), [r.reason for r in regraded]
    df = report.scores(course_root)
    after = df[df.assignment == "containers"].set_index(["student", "question"])["score"].sort_index()
    assert after.equals(before)


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
    solution = next(ln for ln in lines if ln.startswith("solution"))
    for lesson in LESSONS:  # full marks, of each assignment's autograded points
        auto = sum(e.points for e in lesson.exercises)
        assert f"{auto:g}/{auto:g}" in solution, (lesson.assignment, solution)
    assert files["html"].exists() and "reports/report.html" in out.getvalue()
    page = files["html"].read_text()
    for lesson in LESSONS:  # a similarity page beside it for each assignment, linked from it
        alike = files[f"similarity-{lesson.assignment}"]
        assert alike.parent == files["html"].parent and f'href="{alike.name}"' in page
    assert any(ln.startswith("pairs of students with answers alike") for ln in lines)
