"""Variants: each student's values derived reproducibly from the course's secret, never the secret handed on."""

from __future__ import annotations

import json
import os
import re
import stat

import nbformat
import pytest
from nbformat.v4 import new_notebook

from course.grading import students, variants
from course.lab import variant
from course.material import lessons
from course.material.variants import Param, defaults, derive, render

SECRET = bytes(range(32))
PARAMS = (Param("memory_mb", "memory, MiB", default=64, choices=(48, 64, 80, 96)),
          Param("port", "a port", default=8080, low=8000, high=8999))


def test_the_same_inputs_give_the_same_values_and_others_others():
    assert derive(SECRET, "ada", "containers", PARAMS) == derive(SECRET, "ada", "containers", PARAMS)
    # Known values: the derivation (HMAC-SHA256 seeding random.Random) must not change between hosts or versions,
    # or a regrade would check a submission against other values than its first grading.
    assert derive(SECRET, "ada", "containers", PARAMS) == {"memory_mb": 48, "port": 8144}
    assert derive(SECRET, "bob", "containers", PARAMS) == {"memory_mb": 48, "port": 8347}
    by_student = {json.dumps(derive(SECRET, f"s{i}", "containers", PARAMS)) for i in range(40)}
    assert len(by_student) > 20, "students should get different variants"
    by_assignment = {json.dumps(derive(SECRET, "ada", f"a{i}", PARAMS)) for i in range(40)}
    assert len(by_assignment) > 20, "one student's assignments should get different variants"
    other_secret = {json.dumps(derive(b"another", f"s{i}", "containers", PARAMS)) for i in range(40)}
    assert other_secret != by_student
    for i in range(40):
        values = derive(SECRET, f"s{i}", "containers", PARAMS)
        assert values["memory_mb"] in PARAMS[0].options and 8000 <= values["port"] <= 8999


def test_params_are_checked_when_declared():
    with pytest.raises(ValueError, match="not one of its values"):
        Param("memory_mb", "memory", default=63, choices=(48, 64))
    with pytest.raises(ValueError, match="choices, or a range"):
        Param("port", "a port", default=1)
    assert defaults(PARAMS) == {"memory_mb": 64, "port": 8080}


def test_render_fills_only_declared_slots():
    code = 'mem_limit="{{memory_mb}}m"; fmt = "{{.Server.Version}}"; f"{{other}}"'
    assert render(code, {"memory_mb": 96}) == 'mem_limit="96m"; fmt = "{{.Server.Version}}"; f"{{other}}"'


def test_every_lesson_varies_an_exercise_whose_solution_writes_each_value():
    for lesson in lessons.ordered():
        assert lesson.params, f"{lesson.assignment} has no variant-bound exercise"
        for exercise in lesson.exercises:
            for p in exercise.params:
                assert f"{{{{{p.name}}}}}" in exercise.solution, f"{lesson.assignment}: the solution never writes {p.name}"
                assert f"`{p.name}`" in exercise.text, f"{lesson.assignment}: the text never names {p.name}"


def test_the_released_notebook_shows_a_values_cell_and_no_literal(tmp_path):
    lesson = lessons.get("containers")
    nb = new_notebook(cells=lesson.cells())
    values = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2-values")
    assert values.source.endswith("lab.my_values('containers', {'memory_mb': (\"the sandbox's memory limit, in MiB\", 64)})")


def test_two_students_solutions_write_their_own_values():
    lesson = lessons.get("containers")
    a = students.answers_for("solution", lesson, {"memory_mb": 48})["ex2-solution"]
    b = students.answers_for("solution", lesson, {"memory_mb": 160})["ex2-solution"]
    assert 'mem_limit="48m"' in a and 'mem_limit="160m"' in b
    assert "{{" not in students.answers_for("partial", lesson, {"memory_mb": 160})["ex2-solution"]


def test_the_secret_is_made_once_private_and_never_handed_to_a_kernel(tmp_path):
    first = variants.secret(tmp_path)
    path = tmp_path / "variant.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert variants.secret(tmp_path) == first and len(first) == 32
    env = variants.kernel_env("ada", root=tmp_path)
    assert first.hex() not in json.dumps(env)
    handed = json.loads(env[variant.ENV])
    assert handed["student"] == "ada" and set(handed["values"]) == set(lessons.names())
    assert handed["values"]["containers"] == variants.of("ada", "containers", tmp_path)


def test_a_kernel_reads_its_values_or_the_declared_defaults(monkeypatch):
    monkeypatch.delenv(variant.ENV, raising=False)
    monkeypatch.setattr(variant, "_declared", {})
    with pytest.raises(LookupError, match="run the notebook's cells from the top"):
        variant.values("containers")
    shown = variant.my_values("containers", {"memory_mb": ("memory, MiB", 64)}).data
    assert "**64**" in shown and "**default** values" in shown
    assert variant.value("containers", "memory_mb") == 64
    monkeypatch.setenv(variant.ENV, json.dumps({"student": "ada", "values": {"containers": {"memory_mb": 96}}}))
    shown = variant.my_values("containers", {"memory_mb": ("memory, MiB", 64)}).data
    assert "**96**" in shown and "values of **ada**" in shown and "**64**" not in shown
    assert variant.value("containers", "memory_mb") == 96


def test_a_kernel_prefers_its_views_file_to_the_environment(monkeypatch, tmp_path):
    """In a view the launcher's read-only file wins, whatever a cell sets in the environment; without the
    file (an unconfined kernel) the environment's values count; with neither, the default variant."""
    monkeypatch.setattr(variant, "FILE", tmp_path / "variant.json")
    monkeypatch.delenv(variant.ENV, raising=False)
    assert variant.handed() == {} and variant.student() is None
    forged = {"student": "eve", "values": {"containers": {"memory_mb": 160}}}
    monkeypatch.setenv(variant.ENV, json.dumps(forged))
    assert variant.handed() == forged  # no file: an unconfined kernel reads what it was started with
    mine = {"student": "ada", "values": {"containers": {"memory_mb": 96}}}
    variant.FILE.write_text(json.dumps(mine))
    assert variant.handed() == mine and variant.value("containers", "memory_mb") == 96
    monkeypatch.delenv(variant.ENV)
    assert variant.student() == "ada"
    variant.FILE.write_text("{}")  # a view without an identity: the defaults, not what a cell sets
    monkeypatch.setenv(variant.ENV, json.dumps(forged))
    assert variant.handed() == {}


def test_the_grader_records_the_submissions_variant(tmp_path, monkeypatch):
    monkeypatch.setenv(variant.ENV, "")  # the preprocessor sets it: monkeypatch restores it after
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hello")])
    record = variants.RecordVariant(course_root=str(tmp_path))
    nb, _ = record.preprocess(nb, {"nbgrader": {"student": "ada", "assignment": "containers"}})
    mine = variants.of("ada", "containers", tmp_path)
    assert nb.metadata["course_variant"] == {"student": "ada", "assignment": "containers", "values": mine}
    assert re.search(rf"variant of ada.*`memory_mb` \| {mine['memory_mb']} \|", nb.cells[0].source, re.DOTALL)
    assert json.loads(os.environ[variant.ENV])["values"] == {"containers": mine}


def test_variants_show_gives_the_instructor_a_students_values(tmp_path):
    from click.testing import CliRunner

    from course.apps import cli

    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "source").mkdir()
    out = CliRunner().invoke(cli.main, ["--root", str(tmp_path), "variants", "show", "ada"])
    assert out.exit_code == 0, out.output
    for assignment in lessons.names():
        for name, value in variants.of("ada", assignment, tmp_path).items():
            assert re.search(rf"{assignment}\s.*{name}\s.*\s{re.escape(str(value))}\s", out.output), out.output
    wrong = CliRunner().invoke(cli.main, ["--root", str(tmp_path), "variants", "show", "ada", "nope"])
    assert wrong.exit_code != 0 and "the course has" in wrong.output


def test_a_grader_host_grades_against_the_values_it_was_sent(tmp_path):
    """A host of the queue has no secret: the task's values, pinned, are what its kernels get."""
    writer, host = tmp_path / "writer", tmp_path / "host"
    writer.mkdir()
    mine = variants.of("ada", "containers", writer)
    variants.pin("ada", "containers", mine, host)
    assert variants.of("ada", "containers", host) == mine
    assert not (host / "variant.secret").exists()
    assert stat.S_IMODE((host / "variant.pins" / "containers" / "ada.json").stat().st_mode) == 0o600
