"""A class through nbgrader's own exchange, with two real unprivileged students and a due date.

The instructor imports the roster and releases `engine` with a due date; two students (their
course accounts, ``vmd-student-<id>``, as `course lab --student` makes them) run nbgrader's own
fetch_assignment / submit / fetch_feedback as themselves: one submits the full solution on time,
one a partial answer after the due date (the test brings the due date forward to between the two
submissions, so that neither waits on a clock), and the second also tries to submit under the
first's id. The instructor collects, autogrades with the sandboxed pool and releases feedback;
each student fetches their own and cannot read the other's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from course import config
from course.apps.cli import main
from course.grading import exchange, roster, sandbox, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

lesson = lessons.get("engine")
ASSIGNMENT = lesson.assignment
NOTEBOOK = lesson.filename
CLASS = roster.read(config.ROOT / "roster.csv")
FULL, LATE = CLASS[0].id, CLASS[1].id  # the sample roster's first two students
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="students' accounts need root")


def course(root: Path, *args: str) -> str:
    """The `course` command on the scratch course, as the instructor runs it (in this process: nbgrader is
    imported once); its output."""
    done = CliRunner().invoke(main, ["--root", str(root), *args])
    assert done.exit_code == 0, f"course {' '.join(args)}:\n{done.output}"
    return done.output


def autograde(root: Path) -> None:
    """`course autograde`, in a process of its own as the instructor runs it: the sandboxed pool."""
    done = subprocess.run([sys.executable, "-m", "course.apps.cli", "--root", str(root), "autograde", ASSIGNMENT],
                          check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"course autograde:\n{done.stdout}\n{done.stderr}"


def as_student(home: Path, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    """``argv`` run as the student whose home is ``home``: their account, their HOME, nothing of root's."""
    done = subprocess.run(["runuser", "-u", sandbox.student_user(home.name), "--", "env", "-i", f"HOME={home}",
                           "PATH=/usr/bin:/bin", *argv], check=False, cwd=home, capture_output=True, text=True,
                          timeout=120)
    if check:
        assert done.returncode == 0, f"{home.name}: {' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
    return done


def nbgrader(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return as_student(home, sys.executable, "-m", "nbgrader", *args, check=check)


def hidden_tests(root: Path) -> list[str]:
    """The source lines of the assignment's hidden tests (what no student may ever receive)."""
    source = Layout(root).source(ASSIGNMENT) / NOTEBOOK
    return [line.strip() for block in HIDDEN.findall(source.read_text().replace("\\n", "\n"))
            for line in block.splitlines() if len(line.strip()) > 12]


def answer(home: Path, root: Path, kind: str, student: str) -> None:
    """Write a simulated student's answers, with their own variant's values, into the notebook the
    student fetched (it stays theirs)."""
    path = home / ASSIGNMENT / NOTEBOOK
    fetched = nbformat.read(path, as_version=4)
    answers = students.answers_for(kind, lesson, variants.of(student, ASSIGNMENT, root))
    nbformat.write(students.fill(fetched, answers), path)


def utcnow() -> datetime:
    """Now, as nbgrader stores times (UTC, naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def submitted_at(out: subprocess.CompletedProcess) -> datetime:
    """The timestamp nbgrader's submit gave the submission (from its log)."""
    found = re.search(rf"Submitted as: {config.COURSE_NAME} {ASSIGNMENT} (.+)", out.stdout + out.stderr)
    assert found, out.stdout + out.stderr
    return parse_utc(found[1].strip())


@pytest.fixture(scope="module")
def klass(engine):
    """The whole loop, run once; the tests below look at what it left.

    Not under pytest's temporary folder: every pytest session that starts on the machine closes
    ``/tmp/pytest-of-<user>`` to other users again, and the students must reach their homes.
    """
    base = Path(tempfile.mkdtemp(prefix="vmd-exchange-"))
    try:
        base.chmod(0o755)
        yield run_class(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_class(base: Path) -> dict:
    root = make_course(base / "course")
    sandbox.open_traversal(Path(sys.executable))
    course(root, "roster", "import", str(config.ROOT / "roster.csv"))
    released = course(root, "release", ASSIGNMENT, "--exchange", "--due", f"{utcnow() + timedelta(hours=1):%Y-%m-%d %H:%M}")
    homes = {}
    for student in (FULL, LATE):
        home = homes[student] = base / student
        exchange.prepare_student(student, home, root)
        nbgrader(home, "fetch_assignment", ASSIGNMENT)
    answer(homes[FULL], root, "solution", FULL)
    answer(homes[LATE], root, "partial", LATE)
    on_time = submitted_at(nbgrader(homes[FULL], "submit", ASSIGNMENT))
    # Brought forward to just after the first submission: the second is then late, with no waiting on a deadline.
    due = on_time + timedelta(seconds=1)
    course(root, "release", ASSIGNMENT, "--due", f"{due:%Y-%m-%d %H:%M:%S}")
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 1.0)
    late = submitted_at(nbgrader(homes[LATE], "submit", ASSIGNMENT))
    forged = nbgrader(homes[LATE], "submit", ASSIGNMENT, f"--student={FULL}")  # under the other's id, later still
    collected = course(root, "collect", ASSIGNMENT)
    submitted_mode = Layout(root).submitted().stat().st_mode
    autograde(root)
    course(root, "feedback", ASSIGNMENT, "--release")
    fetched = {s: nbgrader(homes[s], "fetch_feedback", ASSIGNMENT) for s in (FULL, LATE)}
    return {"root": root, "homes": homes, "released": released, "due": due, "on_time": on_time, "late": late,
            "forged": forged, "collected": collected, "submitted_mode": submitted_mode, "fetched": fetched}


def feedback_files(home: Path) -> list[Path]:
    return sorted((home / ASSIGNMENT / "feedback").glob("*/*.html"))


def test_the_release_is_in_the_exchange_with_its_due_date_and_no_hidden_tests(klass):
    root = klass["root"]
    layout = Layout(root)
    released = (layout.exchange_release(ASSIGNMENT) / NOTEBOOK).read_text()
    hidden = hidden_tests(root)
    assert hidden, "the assignment has hidden tests to keep hidden"
    assert not [line for line in hidden if line in released]
    for home in klass["homes"].values():  # what each student fetched: the same, without them
        assert not [line for line in hidden if line in (home / ASSIGNMENT / NOTEBOOK).read_text()]
    assert "due" in klass["released"]
    with Gradebook(layout.db_url, config.COURSE_NAME) as gb:
        assert gb.find_assignment(ASSIGNMENT).duedate == klass["due"].replace(microsecond=0)


def test_the_roster_names_are_in_the_gradebook(klass):
    with Gradebook(Layout(klass["root"]).db_url, config.COURSE_NAME) as gb:
        for student in CLASS:
            found = gb.find_student(student.id)
            assert (found.first_name, found.last_name, found.email) == (student.first_name, student.last_name,
                                                                       student.email)


def test_collect_keeps_each_students_own_submission_and_its_timestamp(klass):
    layout = Layout(klass["root"])
    assert layout.students(ASSIGNMENT) == sorted([FULL, LATE])
    for student, when in ((FULL, klass["on_time"]), (LATE, klass["late"])):
        stamp = (layout.submitted(student, ASSIGNMENT) / "timestamp.txt").read_text()
        assert parse_utc(stamp) == when
    # The second student's submission under the first's id was newer, and set apart: never collected.
    forged_at = submitted_at(klass["forged"])
    assert forged_at > klass["on_time"]
    assert f"submitted by {sandbox.student_user(LATE)}" in klass["collected"]
    assert not klass["submitted_mode"] & 0o007  # closed to other users as soon as collected


def test_autograde_scores_both_and_nbgrader_flags_the_late_one(klass):
    with Gradebook(Layout(klass["root"]).db_url, config.COURSE_NAME) as gb:
        full, late = (gb.find_submission(ASSIGNMENT, s) for s in (FULL, LATE))
        assert full.max_code_score > 0 and full.code_score == full.max_code_score  # written answers: by hand
        assert late.code_score < late.max_code_score
        assert full.total_seconds_late == 0
        assert late.total_seconds_late > 0


def test_each_student_fetches_their_own_feedback_without_hidden_tests(klass):
    hidden = hidden_tests(klass["root"])
    with Gradebook(Layout(klass["root"]).db_url, config.COURSE_NAME) as gb:
        scores = {s: (gb.find_submission(ASSIGNMENT, s).score, gb.find_submission(ASSIGNMENT, s).max_score)
                  for s in (FULL, LATE)}
    for student, home in klass["homes"].items():
        files = feedback_files(home)
        assert [f.name for f in files] == [NOTEBOOK.replace(".ipynb", ".html")], klass["fetched"][student].stderr
        html = files[0].read_text()
        assert "Score: {:.1f} / {:.1f}".format(*scores[student]) in html  # their own score, as the gradebook has it
        assert not [line for line in hidden if line in html]


def test_a_student_cannot_read_the_others_feedback_or_list_the_exchange(klass):
    homes, root = klass["homes"], klass["root"]
    (mine,), (theirs,) = feedback_files(homes[LATE]), feedback_files(homes[FULL])
    assert mine.read_text() != theirs.read_text()
    refused = as_student(homes[LATE], "cat", str(theirs), check=False)
    assert refused.returncode != 0 and "Permission denied" in refused.stderr
    outbound_feedback = Layout(root).exchange / config.COURSE_NAME / "feedback"
    for folder in (outbound_feedback, Layout(root).exchange / config.COURSE_NAME / "inbound"):
        listed = as_student(homes[LATE], "ls", str(folder), check=False)
        assert listed.returncode != 0 and "Permission denied" in listed.stderr


def test_passing_through_the_course_directory_a_student_reads_no_solutions_grades_or_submissions(klass):
    layout, home = Layout(klass["root"]), klass["homes"][LATE]
    for private in (layout.source(ASSIGNMENT) / NOTEBOOK, layout.gradebook, layout.submitted(FULL, ASSIGNMENT) / NOTEBOOK,
                    layout.autograded(FULL, ASSIGNMENT) / NOTEBOOK, layout.feedback(FULL, ASSIGNMENT)):
        refused = as_student(home, "cat", str(private), check=False)
        assert refused.returncode != 0 and "Permission denied" in refused.stderr, private
