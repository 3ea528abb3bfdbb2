"""A real class on the class server: JupyterHub, two students and the instructor, in a real browser.

Through the hub's login page (Debian's Chromium, Playwright): the instructor has released
`containers` to nbgrader's exchange with a due date; two students of the roster log in, fetch it
(Assignments tab), run it on the real engine (each kernel as the student's own user, in their view,
behind their own guard), answer (one fully, one partly) and submit. The instructor collects and
autogrades (the course's commands), grades the written answer by hand in the formgrader and
releases feedback; each student fetches and reads their own, and cannot open the other's. Steps
where a browser adds nothing go through the hub's REST API and the students' servers (as the
students, with their own tokens). One hub for the module, stopped by its recorded pid; every
server, guard and engine object it made is checked gone.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from course import config
from course.apps.hub_client import CellError, Student
from course.engine import client, remove_labelled
from course.grading import sandbox, students
from course.grading.scratch import make_course
from course.grading.settings import course_config
from course.layout import Layout
from course.material import lessons
from course.services import hub as class_hub
from course.system import browser, process

pytestmark = pytest.mark.browser

lesson = lessons.get("containers")
ASSIGNMENT = lesson.assignment
NOTEBOOK = f"{ASSIGNMENT}/{lesson.notebook}.ipynb"
#: The roster of this class: (id, first name, last name, email). Ana answers everything, Ben exercise 1 only;
#: Chaewon works in the Korean edition.
ROSTER = (("cls-ana", "Ana", "Lima", "ana.lima@example.org"), ("cls-ben", "Ben", "Okafor", "ben.okafor@example.org"),
          ("cls-chae", "채원", "박", "chaewon.park@example.org"))
ANA, BEN, CHAE = (row[0] for row in ROSTER)
KO = "ko"
WRITTEN = "q1-answer"
#: The heading of the section after exercise 1's tests.
AFTER_EX1 = "2. A container is a process, isolated"
#: The first line of exercise 1's tests cell (the first cell that starts so).
EX1_TESTS = "from course.checks import containers as check"
ARTIFACTS = config.ROOT / "test-artifacts"
STEP = 60_000
RUN = 240_000


@dataclass
class Classroom:
    hub: class_hub.Hub
    root: Path
    env: dict[str, str]

    def course(self, *args: str, timeout: float = 600) -> str:
        """Run the `course` CLI on this class's course directory and hub; its output (it must succeed)."""
        res = subprocess.run([sys.executable, "-m", "course.apps.cli", "--root", str(self.root), *args],
                             env=self.env, capture_output=True, text=True, timeout=timeout, check=False)
        assert res.returncode == 0, f"course {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}"
        return res.stdout

    def password(self, name: str) -> str:
        return next(a.password for a in self.hub.accounts() if a.name == name)

    def student(self, name: str) -> Student:
        return Student(self.hub, name).login()


@pytest.fixture(scope="module")
def classroom(engine) -> Iterator[Classroom]:
    """A scratch course served by its own hub: `containers` released with a due date in English and in the
    Korean edition (so each login chooses its language), roster imported.

    Not under pytest's temporary folder: the students' users must pass through its parents, and every
    new pytest session closes /tmp/pytest-of-root to its owner again.
    """
    tmp = config.CACHE / "test-class" / str(os.getpid())
    tmp.mkdir(parents=True)
    root = make_course(tmp / "course", (ASSIGNMENT,))
    hub = class_hub.Hub(port=class_hub.free_port(), state=tmp / "hub", course_root=root)
    env = {**os.environ, class_hub.ENV_PORT: str(hub.port), class_hub.ENV_STATE: str(hub.state)}
    room = Classroom(hub, root, env)
    roster = tmp / "roster.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(",".join(row) + "\n" for row in ROSTER))
    try:
        started = room.course("class", "start", timeout=300)
        assert hub.url in started and f"{class_hub.INSTRUCTOR} / {room.password(class_hub.INSTRUCTOR)}" in started
        room.course("class", "start")  # idempotent: the same hub answers
        room.course("release", ASSIGNMENT, "--exchange", "--due", "2099-12-31 23:59")
        room.course("release", ASSIGNMENT, "--lang", KO, "--exchange", "--due", "2099-12-31 23:59")
        room.course("roster", "import", str(roster))  # into both editions' gradebooks
        yield room
    finally:
        class_hub.stop_hub(hub)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(hub.log, ARTIFACTS / "class-jupyterhub.log")
        shutil.rmtree(tmp, ignore_errors=True)
    assert process.recorded_pid(hub.pidfile) is None
    for name, *_ in ROSTER:
        try:
            uid = pwd.getpwnam(sandbox.student_user(name)).pw_uid
        except KeyError:
            continue  # never started a server (a test before hers failed)
        deadline = time.monotonic() + 15  # a kernel told to stop may take a moment to exit
        while (alive := [p.info for p in psutil.process_iter(["uids", "cmdline"]) if p.info["uids"].real == uid]) \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not alive, f"{name}'s server or kernels still run: {alive}"
        assert not (config.CACHE / "guard" / f"{name}.pid").exists(), f"{name}'s guard still runs"
        left = client().containers.list(all=True, sparse=True, filters={"label": f"{config.LABEL_OWNER}={name}"})
        remove_labelled(client(), owner=name)
        assert not left, f"{name}'s containers remain: {left}"


# ----------------------------------------------------------------------------- browser helpers


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"class-{name}.png"))


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    with browser.chromium() as b:
        yield b


def login(chromium, room: Classroom, name: str, lang: str = "en"):
    """A browser page logged in as ``name`` through the hub's login page, on their JupyterLab, started in
    ``lang``'s edition (the choice the hub's form asks for, the class having two editions)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(STEP)
    page.goto(f"{room.hub.url}hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", room.password(name))
    page.click("#login_submit")
    page.locator("#course-language").wait_for(timeout=RUN)
    page.check(f'#course-language input[name="lang"][value="{lang}"]')
    if lang == KO and name == CHAE:
        shot(page, f"{name}-0-language")
    page.locator('#spawn_form [type="submit"]').click()
    page.wait_for_url(re.compile(f"/user/{name}/lab"), timeout=RUN)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=RUN)  # the lab has loaded
    return page


def assignments_tab(page):
    """Nbgrader > Assignment List, as a student opens it; the panel."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-assignment-list"]').click()
    panel = page.locator("#released_assignments_list").locator("..").locator("..").locator("..")
    page.locator("#released_assignments_list").wait_for(timeout=STEP)
    return panel


def row(page, listing: str):
    return page.locator(f"#{listing} .list_item:not(.nested_list_item)", has_text=ASSIGNMENT)


def fill_answers(student: Student, answered: set[str], root: Path) -> None:
    """Write answers into the student's fetched notebook through their server (as their editor saves)."""
    nb = nbformat.from_dict(student.server_api(f"contents/{NOTEBOOK}")["content"])
    source = nbformat.read(Layout(root).source(ASSIGNMENT) / lesson.filename, as_version=4)
    answers = {gid: text for gid, text in students.reference_answers(source).items() if gid in answered}
    filled = students.fill(nb, answers)
    student.server_api(f"contents/{NOTEBOOK}", "PUT", {"type": "notebook", "format": "json", "content": filled})


def run_through_exercise_1(page) -> None:
    """Open the notebook and run its live cells down to exercise 1's tests, as a student does: select the
    section after them (a click on its heading), then Run > Run All Above Selected Cell."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(page.url.split("/lab")[0] + f"/lab/tree/{NOTEBOOK}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator('[data-jp-item-name="executionProgress"] [data-status="idle"]').wait_for(timeout=RUN)
    after = panel.locator(".jp-MarkdownCell", has=page.locator("h2", has_text=AFTER_EX1)).first
    after.click()
    expect(after).to_have_class(re.compile(r"\bjp-mod-active\b"), timeout=STEP)
    started = panel.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _attempt in range(3):  # a menu item clicked before the kernel's session is wired does nothing
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel",
                                                       has_text=re.compile(r"^Run All Above Selected Cell$"))).click()
        try:
            started.first.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")  # the menu, if it stayed open
    raise AssertionError("Run All Above Selected Cell started no cell, three times")


def wait_ran(page) -> None:
    """Exercise 1's tests ran without an error (the answer above them too), and the notebook is saved."""
    from playwright.sync_api import expect

    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    tests = panel.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=EX1_TESTS)).first
    expect(tests.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=RUN)
    expect(panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    page.keyboard.press("Control+s")
    panel.locator(".jp-mod-dirty").wait_for(state="detached", timeout=STEP)


# ----------------------------------------------------------------------------- the loop


@pytest.fixture(scope="module")
def pages(chromium, classroom) -> Iterator[dict]:
    opened = {}
    try:
        yield opened
    finally:
        for name, page in opened.items():
            shot(page, f"{name}-last")
            page.context.close()


def test_students_log_in_fetch_work_and_submit(classroom, chromium, pages):
    from playwright.sync_api import expect

    for name in (ANA, BEN):
        pages[name] = page = login(chromium, classroom, name)
        assignments_tab(page)
        row(page, "released_assignments_list").locator("button", has_text="Fetch").click()
        expect(row(page, "fetched_assignments_list")).to_be_visible(timeout=STEP)
        shot(page, f"{name}-1-fetched")
    ana, ben = classroom.student(ANA), classroom.student(BEN)
    hidden = [c for c in nbformat.from_dict(ana.server_api(f"contents/{NOTEBOOK}")["content"]).cells
              if "BEGIN HIDDEN TESTS" in c.source]
    assert not hidden, "hidden tests reached a student"
    fill_answers(ana, {"ex1-solution", "ex2-solution", "ex3-solution", "ex4-solution", "ex5-solution", WRITTEN}, classroom.root)
    fill_answers(ben, {"ex1-solution"}, classroom.root)
    for name in (ANA, BEN):  # both at once, each kernel on the student's own engine session
        run_through_exercise_1(pages[name])
    for name in (ANA, BEN):
        wait_ran(pages[name])
        shot(pages[name], f"{name}-2-ran")

    # Each kernel is the student's own user, behind their own guard: each sees only their own containers.
    who = ana.run("import getpass, os; print(getpass.getuser(), os.environ['DOCKER_HOST'])").split()
    assert who == [sandbox.student_user(ANA), f"unix://{config.CACHE / 'guard' / f'{ANA}.sock'}"]
    ana.run("import docker\napi = docker.from_env()\n"
            "box = api.containers.run('vmdocker/base:latest', ['sleep', '120'], detach=True)")
    theirs = ana.run("print(box.id)").strip()
    mine = ana.run("print([c.id for c in api.containers.list()])")
    seen_by_ben = ben.run("import docker\nprint([c.id for c in docker.from_env().containers.list(all=True)])")
    assert theirs in mine and theirs not in seen_by_ben
    with pytest.raises(CellError, match="NotFound|404|No such"):
        ben.run(f"docker.from_env().containers.get({theirs!r})")
    with pytest.raises(CellError, match="DockerException|Permission|No such file|ConnectionError"):
        ben.run("docker.DockerClient(base_url='unix:///var/run/docker.sock').version()")
    ana.run("box.remove(force=True)")

    for name in (ANA, BEN):
        page = pages[name]
        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        row(page, "fetched_assignments_list").locator("button", has_text="Submit").click()
        expect(row(page, "submitted_assignments_list")).to_be_visible(timeout=RUN)
        shot(page, f"{name}-3-submitted")
    inbound = sorted(p.name.split("+")[0] for p in (Layout(classroom.root).exchange / config.COURSE_NAME
                                                     / "inbound").iterdir())
    assert inbound == [ANA, BEN]


def test_instructor_collects_grades_by_hand_and_releases_feedback(classroom, chromium, pages):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    classroom.course("collect", ASSIGNMENT)
    classroom.course("autograde", ASSIGNMENT, "--workers", "2")
    pages["instructor"] = page = login(chromium, classroom, class_hub.INSTRUCTOR)
    expect(page.locator(".jp-DirListing-item", has_text="nbgrader_config.py")).to_be_visible()
    base = f"{classroom.hub.url}user/{class_hub.INSTRUCTOR}/formgrader"
    page.goto(f"{base}/manage_students")
    for _, first, last, _email in ROSTER:
        expect(page.locator("tr", has_text=last)).to_contain_text(first, timeout=STEP)
    shot(page, "instructor-1-students")
    page.goto(f"{base}/manage_submissions/{ASSIGNMENT}")
    for name in (ANA, BEN):
        line = page.locator("tr", has_text=name)
        expect(line).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), timeout=STEP)  # the timestamp
        expect(line).not_to_contain_text("None")
    shot(page, "instructor-2-submissions")

    with Gradebook(course_config(classroom.root).CourseDirectory.db_url) as gb:
        submission = gb.find_submission_notebook(lesson.notebook, ASSIGNMENT, ANA).id
        auto = {name: gb.find_submission(ASSIGNMENT, name).score for name in (ANA, BEN)}
    assert auto[ANA] > auto[BEN] > 0
    page.goto(f"{base}/submissions/{submission}/")
    # The page's script has loaded the grades (it shows the autograded score as the placeholder).
    expect(page.locator("input.score#ex1-tests")).to_have_attribute("placeholder", re.compile(r"\d"), timeout=STEP)
    score = page.locator(f"input.score#{WRITTEN}")
    score.fill("2")
    score.press("Tab")  # the formgrader saves a score when it changes
    shot(page, "instructor-3-manual-grade")
    deadline = time.monotonic() + 30
    while True:
        with Gradebook(course_config(classroom.root).CourseDirectory.db_url) as gb:
            manual = gb.find_grade(WRITTEN, lesson.notebook, ASSIGNMENT, ANA).manual_score
        if manual == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert manual == 2, "the formgrader did not record the written answer's score"
    classroom.course("feedback", ASSIGNMENT, "--release")


def test_students_read_their_own_feedback_only(classroom, pages):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    with Gradebook(course_config(classroom.root).CourseDirectory.db_url) as gb:
        totals = {name: gb.find_submission(ASSIGNMENT, name) for name in (ANA, BEN)}
        scores = {name: f"Score: {s.score:.1f} / {s.max_score:.1f}" for name, s in totals.items()}  # as nbgrader prints it
    for name in (ANA, BEN):
        page = pages[name]
        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        row(page, "submitted_assignments_list").locator("button", has_text="Fetch Feedback").click()
        expect(row(page, "submitted_assignments_list")).to_contain_text("view feedback", timeout=RUN)
        me = classroom.student(name)
        stamps = me.server_api(f"contents/{ASSIGNMENT}/feedback")["content"]
        html = f"{ASSIGNMENT}/feedback/{stamps[0]['name']}/{lesson.notebook}.html"
        page.goto(f"{classroom.hub.url}user/{name}/files/{html}")
        expect(page.locator("body")).to_contain_text(scores[name], timeout=STEP)
        assert "BEGIN HIDDEN TESTS" not in page.content()
        shot(page, f"{name}-4-feedback")
    other = pages[ANA].request.get(f"{classroom.hub.url}user/{BEN}/files/{html}", max_redirects=0)
    assert other.status in (302, 403, 404) and scores[BEN] not in other.text()
    with pytest.raises(CellError):  # nor from her kernel: the exchange is not in her view
        classroom.student(ANA).run(f"open({str(Layout(classroom.root).exchange)!r} + '/x').read()")


def test_a_student_chooses_korean_and_works_in_the_korean_edition(classroom, chromium, pages):
    from playwright.sync_api import expect

    pages[CHAE] = page = login(chromium, classroom, CHAE, lang=KO)
    menus = page.locator(".lm-MenuBar-itemLabel")
    for label in ("편집", "실행"):  # JupyterLab's own menus, from its Korean language pack
        expect(menus.filter(has_text=re.compile(f"^{label}"))).to_have_count(1)
    expect(menus.filter(has_text=re.compile(r"^Edit$"))).to_have_count(0)
    assignments_tab(page)
    row(page, "released_assignments_list").locator("button", has_text="Fetch").click()
    expect(row(page, "fetched_assignments_list")).to_be_visible(timeout=STEP)
    shot(page, f"{CHAE}-1-fetched")

    chae = classroom.student(CHAE)
    fetched = nbformat.from_dict(chae.server_api(f"contents/{NOTEBOOK}")["content"])
    korean, english = (nbformat.read(Layout(root).release(ASSIGNMENT) / lesson.filename, as_version=4)
                       for root in (classroom.root / KO, classroom.root))
    assert fetched.cells[0].source == korean.cells[0].source != english.cells[0].source  # the Korean edition's
    assert chae.run("import os; print(os.environ['COURSE_LANG'])").strip() == KO  # feedback in Korean

    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    row(page, "fetched_assignments_list").locator("button", has_text="Submit").click()
    expect(row(page, "submitted_assignments_list")).to_be_visible(timeout=RUN)
    shot(page, f"{CHAE}-2-submitted")

    def inbound(root: Path) -> list[str]:
        layout = Layout(root)
        box = layout.exchange / layout.course_id / "inbound"
        return sorted(p.name.split("+")[0] for p in box.iterdir()) if box.exists() else []
    assert CHAE in inbound(classroom.root / KO) and CHAE not in inbound(classroom.root)

    # Back to English: another folder of hers (nothing fetched there yet), kernels in English.
    chae.stop()
    deadline = time.monotonic() + 60
    while not chae.stopped():
        assert time.monotonic() < deadline, "her Korean server did not stop"
        time.sleep(1)
    chae.start(lang="en")
    chae.wait_ready()
    chae = classroom.student(CHAE)  # a kernel of the new server
    assert ASSIGNMENT not in {item["name"] for item in chae.server_api("contents")["content"]}
    assert chae.run("import os; print(os.environ['COURSE_LANG'])").strip() == "en"
    chae.stop()
    while not chae.stopped():
        assert time.monotonic() < deadline + 60, "her English server did not stop"
        time.sleep(1)
    with pytest.raises(urllib.error.HTTPError) as refused:  # a language the class has no edition of starts nothing
        chae.start(lang="ja")
    assert refused.value.code >= 400 and not chae.ready()


def test_a_killed_server_comes_back_with_the_saved_notebook(classroom):
    ben = classroom.student(BEN)
    saved = ben.server_api(f"contents/{NOTEBOOK}")["content"]
    uid = pwd.getpwnam(sandbox.student_user(BEN)).pw_uid
    server = [p for p in psutil.process_iter(["uids", "cmdline"])
              if p.info["uids"].real == uid and "jupyterhub.singleuser" in " ".join(p.info["cmdline"] or [])]
    assert len(server) == 1
    os.kill(server[0].pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not ben.stopped():  # the hub polls its servers: it sees this one gone, and cleans up after it
        assert time.monotonic() < deadline, "the hub did not see the killed server"
        time.sleep(1)
    ben.start()
    ben.wait_ready()
    assert ben.server_api(f"contents/{NOTEBOOK}")["content"] == saved
    with pytest.raises(urllib.error.HTTPError):  # nothing of the old server answers with the old token
        Student(classroom.hub, BEN, token="not-a-token").server_api("status")


def test_the_hub_restarted_keeps_accounts_and_submissions(classroom, chromium, pages):
    from playwright.sync_api import expect

    class_hub.stop_hub(classroom.hub)
    assert not (config.CACHE / "guard" / f"{ANA}.pid").exists(), "the guard outlived the student's server"
    classroom.course("class", "start", timeout=300)
    page = login(chromium, classroom, ANA)  # the same password: the account survived
    pages[f"{ANA}-again"] = page
    assignments_tab(page)
    expect(row(page, "submitted_assignments_list")).to_be_visible(timeout=STEP)
    users = {u["name"] for u in classroom.hub.api("users")}
    assert {ANA, BEN, class_hub.INSTRUCTOR} <= users
