"""One place for the course directory layout: nbgrader's own paths, and the course's files beside them."""

from __future__ import annotations

from pathlib import Path

from nbgrader.coursedir import CourseDirectory

from course.grading.settings import course_config
from course.layout import Layout


def test_steps_are_nbgraders_own_paths(tmp_path):
    layout = Layout(tmp_path)
    theirs = CourseDirectory(config=course_config(tmp_path))
    assert layout.submitted("ada", "vms") == Path(theirs.format_path(theirs.submitted_directory, "ada", "vms"))
    assert layout.autograded("ada", "vms") == tmp_path / "autograded" / "ada" / "vms"
    assert layout.feedback("ada", "vms") == tmp_path / "feedback" / "ada" / "vms"
    assert layout.source("vms") == tmp_path / "source" / "vms"
    assert layout.release() == tmp_path / "release"


def test_course_files_and_nbgraders_settings_agree(tmp_path):
    layout, c = Layout(tmp_path), course_config(tmp_path)
    assert c.CourseDirectory.db_url == layout.db_url == f"sqlite:///{tmp_path / 'gradebook.db'}?timeout=120"
    assert c.Exchange.root == str(layout.exchange)
    assert layout.ledger == tmp_path / "autograded" / "course-outcomes.json"
    assert layout.logs.parent == layout.autograded()


def test_private_paths_hold_solutions_grades_and_others_work(tmp_path):
    private = {p.relative_to(tmp_path).as_posix() for p in Layout(tmp_path).private()}
    assert {"source", "submitted", "autograded", "feedback", "reports", "gradebook.db", ".git",
            "course/material", ".cache/student", "gradebook.url", ".cache/returned",
            "variant.secret", "variant.pins"} == private
    assert "release" not in private
    assert ".cache/exchange" not in private  # students reach it as their own users


def test_students_are_those_who_submitted_that_assignment(tmp_path):
    layout = Layout(tmp_path)
    assert layout.students("vms") == []
    for student, assignment in (("bo", "vms"), ("ada", "vms"), ("cy", "engine")):
        layout.submitted(student, assignment).mkdir(parents=True)
    (layout.submitted() / "stray-file").write_text("")
    assert layout.students("vms") == ["ada", "bo"]


def test_the_languages_are_the_editions_present(tmp_path):
    assert Layout(tmp_path).languages() == ["en"]
    (tmp_path / "ko").mkdir()
    assert Layout(tmp_path).languages() == ["en"]  # a folder is not an edition until it names its language
    (tmp_path / "ko" / "LANGUAGE").write_text("ko\n")
    assert Layout(tmp_path).languages() == Layout(tmp_path / "ko").languages() == ["en", "ko"]
    private = {p.relative_to(tmp_path).as_posix() for p in Layout(tmp_path).private()}
    assert {"source", "ko/source", "ko/gradebook.db"} <= private  # the edition's solutions are closed too
