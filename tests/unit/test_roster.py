"""The class roster: a CSV read strictly (one-line errors) and imported into nbgrader's gradebook idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from nbgrader.api import Gradebook

from course import config
from course.apps.cli import main
from course.grading import roster
from course.grading.roster import RosterError, RosterStudent
from course.grading.scratch import make_course
from course.layout import Layout

HEADER = "id,first_name,last_name,email\n"


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_reads_korean_names_from_an_excel_export_with_extra_columns_and_blank_lines(tmp_path):
    path = _csv(tmp_path, "email,last_name,first_name,id,section\n"
                          "minjun.kim@example.ac.kr,김,민준,kim-minjun,A\n\n"
                          " ada@example.org , Lovelace , Ada , ada ,B\n"
                          ",Cho,,2024123,A\n", encoding="utf-8-sig")
    assert roster.read(path) == [RosterStudent("kim-minjun", "민준", "김", "minjun.kim@example.ac.kr"),
                                 RosterStudent("ada", "Ada", "Lovelace", "ada@example.org"),
                                 RosterStudent("2024123", "", "Cho", "")]


def test_the_sample_roster_at_the_top_of_the_repository_reads():
    students = roster.read(config.ROOT / "roster.csv")
    assert len(students) >= 3 and all(s.first_name and s.last_name and s.email for s in students)


def test_a_missing_column_is_named(tmp_path):
    with pytest.raises(RosterError, match=r"missing column email \(the first line must name id, first_name"):
        roster.read(_csv(tmp_path, "id,first_name,last_name\nada,Ada,Lovelace\n"))


def test_a_duplicate_id_names_both_lines(tmp_path):
    text = HEADER + "ada,Ada,Lovelace,\nbo,Bo,Kim,\nada,Ada,King,\n"
    with pytest.raises(RosterError, match=r"line 4: duplicate id 'ada' \(first on line 2\)"):
        roster.read(_csv(tmp_path, text))


@pytest.mark.parametrize("bad", ["Ada", "kim minjun", "ada+1", "-ada", "김민준", "a" * 21, "", "ada*"])
def test_an_id_that_cannot_be_part_of_a_unix_user_name_is_refused(tmp_path, bad):
    with pytest.raises(RosterError, match=r"line 3: id .* is not a valid Unix user name part"):
        roster.read(_csv(tmp_path, HEADER + "bo,Bo,Kim,\n" + f"{bad},X,Y,x@example.org\n"))


def test_an_email_that_is_not_an_address_is_refused(tmp_path):
    with pytest.raises(RosterError, match=r"line 2: email 'ada at example.org' is not an address"):
        roster.read(_csv(tmp_path, HEADER + "ada,Ada,Lovelace,ada at example.org\n"))


def test_errors_are_one_line(tmp_path):
    for text in ("id,name\n", HEADER + "Ada,,,\n", HEADER + "a,,,\na,,,\n"):
        with pytest.raises(RosterError) as caught:
            roster.read(_csv(tmp_path, text))
        assert "\n" not in str(caught.value)


def _student(root: Path, student: str):
    with Gradebook(Layout(root).db_url, config.COURSE_NAME) as gb:
        s = gb.find_student(student)
        return s.first_name, s.last_name, s.email, len(s.submissions)


def test_import_adds_updates_and_never_removes(tmp_path):
    root = make_course(tmp_path / "course", ("engine",))
    first = [RosterStudent("kim-minjun", "민준", "김", "minjun.kim@example.ac.kr"),
             RosterStudent("ada", "Ada", "Lovelace", "")]
    done = roster.import_roster(first, root)
    assert (done.added, done.updated, done.unchanged, done.kept) == (["kim-minjun", "ada"], [], [], [])
    assert _student(root, "kim-minjun") == ("민준", "김", "minjun.kim@example.ac.kr", 0)
    with Gradebook(Layout(root).db_url, config.COURSE_NAME) as gb:
        gb.add_submission("engine", "ada")  # ada has work in the gradebook
    again = roster.import_roster(first, root)
    assert (again.added, again.updated, again.unchanged) == ([], [], ["kim-minjun", "ada"])
    renamed = roster.import_roster([RosterStudent("kim-minjun", "Minjun", "Kim", "mk@example.ac.kr")], root)
    assert (renamed.updated, renamed.kept) == (["kim-minjun"], ["ada"])
    assert _student(root, "kim-minjun") == ("Minjun", "Kim", "mk@example.ac.kr", 0)
    assert _student(root, "ada") == ("Ada", "Lovelace", None, 1)  # not in the new roster: kept, with her work


def test_course_roster_import_on_a_course_directory(tmp_path):
    root = make_course(tmp_path / "course")
    path = _csv(tmp_path, HEADER + "lee-seoyeon,서연,이,seoyeon.lee@example.ac.kr\n")
    result = CliRunner().invoke(main, ["--root", str(root), "roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 updated, 0 unchanged, 0 kept" in result.output
    assert _student(root, "lee-seoyeon") == ("서연", "이", "seoyeon.lee@example.ac.kr", 0)


def test_course_roster_import_refuses_a_bad_roster_in_one_line_and_writes_nothing(tmp_path):
    root = make_course(tmp_path / "course")
    path = _csv(tmp_path, HEADER + "Bad Id,X,Y,\n")
    result = CliRunner().invoke(main, ["--root", str(root), "roster", "import", str(path)])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "is not a valid Unix user name part" in lines[0]
    assert not Layout(root).has_gradebook
