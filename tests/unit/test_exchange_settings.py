"""The exchange's settings: due dates as instructors write them, each student's nbgrader config, the collect plug-in."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from nbgrader.exchange import ExchangeFactory
from traitlets.config.loader import PyFileConfigLoader

from course import config
from course.apps.cli import main
from course.grading import exchange, nbgrader_api, students
from course.grading.scratch import make_course
from course.grading.settings import course_config
from course.layout import Layout
from course.material import lessons


@pytest.mark.parametrize(("text", "utc"), [
    ("2026-12-08 23:59", datetime(2026, 12, 8, 23, 59)),  # no zone: UTC, as nbgrader takes it
    ("2026-12-08  23:59:30", datetime(2026, 12, 8, 23, 59, 30)),
    ("2026-12-08 23:59 Asia/Seoul", datetime(2026, 12, 8, 14, 59)),
    ("2026-12-08 23:59 +09:00", datetime(2026, 12, 8, 14, 59)),
    ("2026-12-08 23:59 -0530", datetime(2026, 12, 9, 5, 29)),
])
def test_due_dates_are_stored_in_utc(text, utc):
    assert exchange.parse_due(text) == utc


@pytest.mark.parametrize("text", ["tomorrow", "2026-12-08", "2026-13-08 23:59", "2026-12-08 23:59 Mars/Olympus",
                                  "08/12/2026 23:59"])
def test_a_due_date_that_is_not_one_says_the_format(text):
    with pytest.raises(ValueError, match=r"due date .*(YYYY-MM-DD HH:MM|month must be)"):
        exchange.parse_due(text)


def test_a_students_config_names_the_courses_exchange_and_their_id(tmp_path):
    path = tmp_path / "nbgrader_config.py"
    path.write_text("c = get_config()  # noqa: F821\n" + exchange.student_config(tmp_path / "course", tmp_path / "w", "ada"))
    c = PyFileConfigLoader(path.name, str(tmp_path)).load_config()
    assert c.CourseDirectory.course_id == course_config(tmp_path / "course").CourseDirectory.course_id
    assert c.Exchange.root == str(Layout(tmp_path / "course").exchange)
    assert (c.Exchange.assignment_dir, c.CourseDirectory.student_id) == (str(tmp_path / "w"), "ada")
    assert c.Exchange.cache.startswith(str(tmp_path / "w"))  # private to the student, in their own folder


def test_the_course_collects_with_its_own_owner_check(tmp_path):
    assert ExchangeFactory(config=course_config(tmp_path)).collect is exchange.CourseExchangeCollect


def test_accounts_that_may_submit_under_an_id():
    assert {"vmd-student-ada", "ada", "root"} <= exchange.accounts("ada")
    assert "vmd-student-bo" not in exchange.accounts("ada")


def _run(root, *args):
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result, [ln for ln in result.output.splitlines() if ln.strip()]


def test_a_bad_due_date_is_refused_in_one_line_before_anything_is_generated(tmp_path):
    root = make_course(tmp_path / "course")
    result, lines = _run(root, "release", "engine", "--exchange", "--due", "next friday")
    assert result.exit_code == 1 and len(lines) == 1 and "--due: due date 'next friday'" in lines[0]
    assert not Layout(root).has_gradebook and not Layout(root).exchange.exists()


def test_collect_with_nothing_in_the_exchange_says_to_release_first(tmp_path):
    root = make_course(tmp_path / "course")
    result, lines = _run(root, "collect")
    assert result.exit_code == 1 and len(lines) == 1
    assert "run `course release ASSIGNMENT --exchange` first" in lines[0]
    assert config.COURSE_NAME not in [p.name for p in Layout(root).exchange.glob("*")]


def test_feedback_is_not_released_for_a_submission_that_did_not_come_through_the_exchange(tmp_path):
    root = make_course(tmp_path / "course", ("engine",))
    direct = students.write_submission("solution", lessons.get("engine"), root, student="ada").parent
    through = students.write_submission("solution", lessons.get("engine"), root, student="bo").parent
    (through / "submission_secret.txt").write_text("s3cret")  # as nbgrader's submit and collect leave it
    assert nbgrader_api.not_from_exchange("engine", root) == ["ada"]
    before = sorted(p for p in root.rglob("*"))
    result, lines = _run(root, "feedback", "engine", "--student", direct.parent.name, "--release")
    assert result.exit_code == 1 and len(lines) == 1 and "did not come through the exchange" in lines[0]
    assert sorted(p for p in root.rglob("*")) == before
