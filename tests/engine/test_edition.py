"""The Korean edition (한국어판) is graded as the English one is: same scores, cell by cell, in the same
order (solution full, partial between, untouched 0), with the checks' feedback in Korean.

One assignment (`containers`, every kind of check: engine facts, namespaces, limits, an OOM kill)
in a scratch course with its `ko/` edition, both graded by the real sandboxed pool.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course import i18n
from course.grading import nbgrader_api, parallel, report, students
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons
from course.material.build import build_source

ASSIGNMENT = "containers"
lesson = lessons.get(ASSIGNMENT)


def _outputs(root: Path, student: str) -> str:
    """Every output text of a student's autograded notebook."""
    nb = nbformat.read(Layout(root).autograded(student, ASSIGNMENT) / lesson.filename, as_version=4)
    return "\n".join(str(out.get("evalue", "")) + str(out.get("text", "")) + "".join(out.get("traceback", []))
                     for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", []))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, engine) -> tuple[Path, Path]:
    root = make_course(tmp_path_factory.mktemp("edition") / "course", (ASSIGNMENT,))
    build_source(root, "ko")
    korean = Layout(root).edition("ko")
    for name in lessons.names():  # every assignment: the committed ko/release is proven current below
        outcome = nbgrader_api.generate(name, korean)
        assert outcome.ok, outcome.error
    for course in (root, korean):
        for kind in students.STUDENTS:
            students.write_submission(kind, lesson, course)
        results = parallel.autograde_all(ASSIGNMENT, list(students.STUDENTS), course, force=True, workers=2)
        assert all(r.ok for r in results), [r.reason for r in results]
    return root, korean


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


@pytest.mark.parametrize("name", lessons.names())
def test_the_committed_korean_release_is_current(graded, name):
    _, korean = graded
    made, committed = Layout(korean).release(name), Layout(Layout().edition("ko")).release(name)
    notebook = lessons.get(name).filename
    assert _cells(made / notebook) == _cells(committed / notebook), (
        "ko/release is out of date: run `course release --lang ko`")


def test_the_korean_edition_is_its_own_course_in_korean(graded):
    root, korean = graded
    assert Layout(korean).language == "ko" and Layout(root).language == "en"
    assert Layout(korean).course_id == Layout(root).course_id + "-ko"
    assert Layout(korean).variant_secret == Layout(root).variant_secret  # one student, one variant
    source = nbformat.read(Layout(korean).source(ASSIGNMENT) / lesson.filename, as_version=4)
    with i18n.using("ko"):
        title = i18n.translator(ASSIGNMENT)(lesson.title)
    assert title != lesson.title and source.cells[0].source.startswith(f"# {title}")


def test_same_scores_cell_by_cell_in_the_same_order(graded):
    root, korean = graded
    english, hangul = report.score_table(root), report.score_table(korean)
    assert english.equals(hangul), f"English:\n{english}\n한국어판:\n{hangul}"
    total = english[("all", "total")]
    assert total["solution"] > total["partial"] > total["untouched"] == 0


def test_feedback_is_in_the_learners_language(graded):
    root, korean = graded
    with i18n.using("ko"):
        try_ko = i18n.translator("common")("What to try:")
    assert try_ko != "What to try:"
    english, hangul = _outputs(root, "partial"), _outputs(korean, "partial")
    assert "What to try:" in english and try_ko not in english
    assert try_ko in hangul and "What to try:" not in hangul
