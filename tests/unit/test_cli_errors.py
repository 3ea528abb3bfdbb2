"""Wrong input to a `course` command: one line that says what is wrong and what to run, exit 1, nothing changed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.apps.cli import main
from course.grading import students
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons


def _run(*args: str, **env: str):
    result = CliRunner().invoke(main, list(args), env=env or None)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    return result, lines


def _snapshot(root: Path) -> dict[str, int]:
    """Every file under the course directory and its size: what a refused command must leave as it was."""
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A scratch course where `engine` is released and `containers` is not; one solution submitted to each."""
    root = make_course(tmp_path_factory.mktemp("bad-input"), ("engine",))
    for name in ("engine", "containers"):
        students.write_submission("solution", lessons.get(name), root, student="ada")
    return root


def _refused(result, lines, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert len(lines) == 1, f"more than one line: {result.output}"
    assert lines[0].startswith("Error: ")
    for text in expected:
        assert text in lines[0]
    return lines[0]


def test_an_assignment_that_is_not_released(course):
    before = _snapshot(course)
    _refused(*_run("--root", str(course), "autograde", "containers"),
             "containers is not released", "run `course release containers` first")
    assert _snapshot(course) == before


def test_by_default_only_submitted_assignments_must_be_released(course):
    before = _snapshot(course)
    _refused(*_run("--root", str(course), "autograde"), "containers is not released")
    assert _snapshot(course) == before


def test_a_student_with_no_submission(course):
    before = _snapshot(course)
    line = _refused(*_run("--root", str(course), "autograde", "engine", "--student", "bob"),
                    "bob has no submission of engine", "submitted/bob/engine", "course collect engine")
    assert "ada" not in line
    assert _snapshot(course) == before


def test_a_missing_course_directory(tmp_path):
    _refused(*_run("--root", str(tmp_path / "nowhere"), "grades"),
             "no course directory at", "nbgrader_config.py", "--root")
    assert not (tmp_path / "nowhere").exists()


def test_grades_before_anything_was_graded(course):
    before = _snapshot(course)
    fresh = course.parent / "never-graded"
    fresh.mkdir(exist_ok=True)
    (fresh / "nbgrader_config.py").write_text((course / "nbgrader_config.py").read_text())
    Layout(fresh).source().mkdir(exist_ok=True)
    _refused(*_run("--root", str(fresh), "grades"), "nothing graded yet", "run `course autograde` first")
    assert not Layout(fresh).gradebook.exists()
    assert _snapshot(course) == before


def test_no_engine(course):
    """An unanswering DOCKER_HOST is reported, not replaced; nothing is graded, so nothing is recorded."""
    before = _snapshot(course)
    _refused(*_run("--root", str(course), "autograde", "engine", DOCKER_HOST="unix:///nonexistent/engine.sock"),
             "no Docker Engine", "DOCKER_HOST=unix:///nonexistent/engine.sock does not answer")
    assert _snapshot(course) == before
    assert not Layout(course).ledger.exists()


def test_a_port_in_use(course):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _refused(*_run("--root", str(course), "lab", "--port", str(port)),
                 f"port {port} on 127.0.0.1 is in use", f"course lab --port {port + 1}")


def test_an_unknown_assignment_lists_the_real_ones(course):
    result, _ = _run("--root", str(course), "autograde", "nope")
    assert result.exit_code == 2 and "no assignment nope; the course has vms, engine" in result.output


def test_an_unknown_language(course):
    before = _snapshot(course)
    for command in (("release",), ("build-source",), ("lab",)):
        _refused(*_run("--root", str(course), *command, "--lang", "fr"), "--lang", "no language 'fr'", "ko")
    assert _snapshot(course) == before


def test_a_lab_in_an_edition_not_released(course):
    before = _snapshot(course)
    _refused(*_run("--root", str(course), "lab", "--lang", "ko"),
             "the ko edition is not released", "course release --lang ko")
    assert _snapshot(course) == before
