"""Lessons as data: facts written once, cells generated from them, source/ current."""

from __future__ import annotations

import ast
import dataclasses
import json

import nbformat
import pytest

from course.material import build, lessons
from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question

LESSONS = lessons.ordered()


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


TINY = Lesson(
    assignment="tiny", position=1, title="A tiny lesson", minutes=5, seed_points=("S3",),
    questions=("What is a container?",), objectives=("start a container", "stop it"),
    keypoints=("A container is a process.",), checks="containers",
    episode=(md("## 1. Concept", "s3-concept"), code("print(1)", "s3-live-one"),
             Exercise("one", points=1, covers=("S3",), text="Do one.", solution="x = 1", tests="check.one()"),
             Exercise("two", points=3, covers=("S3",), text="Do two.", solution="y = 2", tests="check.two()",
                      lead="Some context first.", helper="GIVEN = 1"),
             Question(2, text="Why?", answer="Because.")),
    cleanup="lab.cleanup()",
)


def _tiny(**overrides) -> Lesson:
    return dataclasses.replace(TINY, **overrides)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_source_is_built_from_the_lessons(lesson, tmp_path):
    build.build_source(tmp_path)
    assert _cells(build.source_path(lesson, tmp_path)) == _cells(build.source_path(lesson)), (
        "source/ is out of date with course/material/lessons: run `course build-source`")


def test_headings_points_and_ids_come_from_the_data():
    cells = _tiny().cells()
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    assert ids == ["intro", "s3-concept", "s3-live-one", "ex1-text", "ex1-solution", "ex1-tests",
                   "ex2-text", "ex2-helper", "ex2-solution", "ex2-tests", "q1-text", "q1-answer",
                   "keypoints", "cleanup"]
    by_id = dict(zip(ids, cells, strict=True))
    assert by_id["ex1-text"].source == "### Exercise 1 (1 point): one\n\nDo one."
    assert by_id["ex2-text"].source == "Some context first.\n\n### Exercise 2 (3 points): two\n\nDo two."
    assert by_id["ex2-tests"].metadata["nbgrader"]["points"] == 3
    assert by_id["ex2-tests"].metadata["nbgrader"]["grade"] is True
    assert by_id["ex2-solution"].metadata["nbgrader"]["solution"] is True
    assert by_id["q1-text"].source.startswith("### Question (2 points, graded by your instructor)")
    assert by_id["q1-answer"].metadata["nbgrader"]["points"] == 2
    assert _tiny().points == 6
    assert _tiny().tests_cover == {"ex1-tests": ("S3",), "ex2-tests": ("S3",)}


def test_intro_and_key_points_are_generated():
    lesson = _tiny()
    intro = lesson.intro()
    assert intro.startswith("# A tiny lesson\n\n**Time:** about 5 minutes. **Seed point:** S3 (container).")
    assert "## Questions\n- What is a container?" in intro
    assert "## Objectives\nBy the end of this notebook you can:\n- start a container;\n- stop it." in intro
    assert lesson.cells()[-2].source == "## Key points\n- A container is a process."


def test_long_objectives_wrap_outside_code_spans():
    lesson = _tiny(objectives=("run " + "word " * 12 + "`curl -fsSL https://get.docker.com/ | sudo sh` " + "more " * 10,))
    lines = lesson.intro().split("By the end of this notebook you can:\n", 1)[1].splitlines()
    assert len(lines) > 1 and all(len(line) <= 92 or "`" in line for line in lines)
    assert any("`curl -fsSL https://get.docker.com/ | sudo sh`" in line for line in lines)
    assert not any(line.lstrip().startswith("|") for line in lines)


def test_generating_twice_gives_equal_fresh_cells():
    lesson = _tiny()
    first, second = lesson.cells(), lesson.cells()
    first[1].source = "changed"
    assert second[1].source == "## 1. Concept" and lesson.cells()[1].source == "## 1. Concept"


def test_an_unknown_seed_point_is_refused():
    with pytest.raises(ValueError, match=r"unknown seed point\(s\) \['S9'\]"):
        _tiny(seed_points=("S9",))
    with pytest.raises(ValueError, match="S0"):
        _tiny(episode=(Exercise("x", points=1, covers=("S0",), text="t", solution="s", tests="check.x()"),))


def test_an_unknown_assignment_names_the_ones_there_are():
    with pytest.raises(lessons.UnknownAssignment, match="no assignment 'nope'; the course has vms, engine"):
        lessons.get("nope")
    assert lessons.get("vms").notebook == "vms" and lessons.names()[0] == "vms"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_every_test_cell_imports_what_it_calls(lesson):
    """Run alone after a kernel restart, a test cell must not fail on a missing ``check``."""
    for cell in lesson.cells():
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and cell.cell_type == "code"):
            continue
        tree = ast.parse(cell.source)
        imported = {alias.asname or alias.name for node in ast.walk(tree)
                    if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
        first_import = next(node.lineno for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
        uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "check"]
        assert uses and "check" in imported, f"{lesson.assignment} {meta['grade_id']} calls check without importing it"
        assert all(node.lineno > first_import for node in uses)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda m: m.assignment)
def test_partial_answers_name_real_solution_cells(lesson):
    solutions = {c.metadata["nbgrader"]["grade_id"] for c in lesson.cells()
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    assert lesson.partial and set(lesson.partial) <= solutions
