"""Grading through the queue: two grader hosts, each with its own engine and cache, and the faults.

Real services: the course's redis-server (a test instance on its own port), the course's
PostgreSQL (a test database), two ``course grade-worker`` processes: host A on the main
engine, host B on an engine of its own (a dockerd the test starts, plus a second engine
of its own for why_docker). Fault cases grade small classes of the short ``engine`` lesson.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from course import config
from course.apps import hosts
from course.engine import bootstrap, client, remove_labelled
from course.engine.connect import ping
from course.grading import distributed, gradebook, host, ledger, nbgrader_api, parallel, report, students
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons
from course.services import broker, database
from course.system import process

ENGINE = lessons.get("engine")
#: Seconds before the broker hands an unacknowledged task (its host died) to another host: longer than
#: any submission of the whole class takes (a loaded machine); short for the fault cases' small classes.
VISIBILITY_CLASS, VISIBILITY = 1200.0, 60.0
HOST_B_ENGINE = bootstrap.extra_daemon("dockerd-test-host-b", "vmdhostb", "10.232.0.1/24")
#: Each host's own second engine (why_docker) needs a bridge of its own: two dockerds never share one.
SECOND_BRIDGES = {"a": "vmdhosta2=10.234.0.1/24", "b": "vmdhostb2=10.233.0.1/24"}


@pytest.fixture(scope="module")
def queue(engine, tmp_path_factory):
    """The test broker and database; the two hosts; stopped (by pid) and cleaned at the end."""
    test_broker = broker.Broker(port=6391, state=config.CACHE / "test-broker")
    broker.stop_broker(test_broker)
    shutil.rmtree(test_broker.state / "data", ignore_errors=True)  # no task of an earlier, interrupted run
    url = broker.start_broker(test_broker)
    db_was_up = database.answers()
    database.start_database()
    base = tmp_path_factory.mktemp("hosts")
    bootstrap.start_daemon(HOST_B_ENGINE)
    caches = {"a": base / "a-cache", "b": base / "b-cache"}
    envs = {"a": {"COURSE_CACHE": str(caches["a"]), bootstrap.SECOND_BRIDGE_ENV: SECOND_BRIDGES["a"]},
            "b": {"COURSE_CACHE": str(caches["b"]), "DOCKER_HOST": HOST_B_ENGINE.socket,
                  bootstrap.SECOND_BRIDGE_ENV: SECOND_BRIDGES["b"]}}
    state = {"url": url, "broker": test_broker, "envs": envs, "caches": caches, "hosts": {}}

    def start(name: str, visibility: float = VISIBILITY) -> hosts.HostProcess:
        if name in state["hosts"]:
            state["hosts"].pop(name).stop()
        state["hosts"][name] = hosts.start(name, url, 1, envs[name], base / f"{name}.log", visibility)
        return state["hosts"][name]

    state["start"] = start
    try:
        start("a", VISIBILITY_CLASS)
        start("b", VISIBILITY_CLASS)
        yield state
    finally:
        try:
            for started in state["hosts"].values():
                started.stop()
            for name, cache in caches.items():
                _clean_host(cache, name)
        finally:
            bootstrap.stop_daemon(HOST_B_ENGINE)
            broker.stop_broker(test_broker)
            if not db_was_up:
                database.stop_database()


def _clean_host(cache: Path, name: str) -> None:
    """What a killed host leaves: its guards, its second engine, its objects on the main engine."""
    for pidfile in (cache / "guard").glob("*.pid"):
        process.stop_recorded(pidfile)
    second = cache / "dockerd-second" / "course.pid"
    if process.recorded_pid(second):
        process.stop_recorded(second)
    bridge = SECOND_BRIDGES[name].split("=")[0]
    subprocess.run(["ip", "link", "delete", bridge], check=False, capture_output=True)
    for root in (cache / "host").glob("*"):
        tag = nbgrader_api.course_tag(root)
        api = client()
        owners = {(c.attrs.get("Labels") or {}).get(config.LABEL_OWNER, "") for c in api.containers.list(
            all=True, sparse=True, filters={"label": f"{config.LABEL_COURSE}={config.COURSE_NAME}"})}
        for owner in owners:
            if owner.startswith(f"grader-{tag}-"):
                remove_labelled(api, owner=owner, images=True)


def _course(tmp_path_factory, name: str, assignments: tuple[str, ...], db: str | None = None) -> Path:
    root = make_course(tmp_path_factory.mktemp(name), assignments)
    if db:
        database.ensure_database(database.DEFAULT, db)
        gradebook.move(database.DEFAULT.url(db), root)
    return root


def _rows(root: Path) -> dict[tuple[str, str], int]:
    """Submission rows in the gradebook, per (assignment, student)."""
    from nbgrader.api import Gradebook, SubmittedAssignment

    with Gradebook(Layout(root).db_url) as gb:
        counts: dict[tuple[str, str], int] = {}
        for sub in gb.db.query(SubmittedAssignment).all():
            key = (sub.assignment.name, sub.student.id)
            counts[key] = counts.get(key, 0) + 1
        return counts


def _scores(root: Path):
    key = ["assignment", "student", "question"]
    return report.scores(root).sort_values(key)[[*key, "score"]].reset_index(drop=True)


class Run(threading.Thread):
    """``distributed.autograde`` in the background, so the test can break things meanwhile."""

    def __init__(self, root: Path, url: str, assignments: tuple[str, ...] = (ENGINE.assignment,),
                 timeout: float = 300.0):
        super().__init__(daemon=True)
        self.args = (list(assignments), url, None, root, True, timeout, VISIBILITY)
        self.results: list | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.results = distributed.autograde(*self.args)
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            self.error = exc

    def finish(self, timeout: float = 400.0) -> dict[str, ledger.Graded]:
        self.join(timeout)
        assert not self.is_alive(), "the run did not finish"
        assert self.error is None, repr(self.error)
        return {r.student: r for r in self.results}



def _started(root: Path, url: str, names: list[str]) -> Run:
    """A fresh class of ``names`` in ``root``, being graded through the queue in the background."""
    _fresh(root, names)
    run = Run(root, url)
    run.start()
    return run

def _busy(queue, name: str, timeout: float = 120.0) -> str:
    """Wait until host ``name`` is grading something; the student whose submission it is."""
    app = host.make_app(queue["url"], VISIBILITY)
    target = f"{name}@{os.uname().nodename}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            active = app.control.inspect(destination=[target], timeout=1.0).active() or {}
        except Exception:  # noqa: BLE001 (a pooled connection from before a broker restart: ask again)
            active = {}
        if active.get(target):
            return active[target][0]["args"][0]["student"]
        time.sleep(0.5)
    raise AssertionError(f"host {name} never started a task")


def _class(root: Path, names: list[str], kind: str = "solution") -> None:
    for student in names:
        students.write_submission(kind, ENGINE, root, student=student)


@pytest.mark.timeout(2400)  # 36 submissions on two cores (the local pool's 18, then the queue's)
def test_the_class_through_the_queue_scores_as_the_local_pool(queue, tmp_path_factory):
    """The demo's class, every assignment, on two hosts with their own engines: identical cell by cell."""
    everything = tuple(lesson.assignment for lesson in lessons.ordered())
    local = _course(tmp_path_factory, "local", everything)
    queued = _course(tmp_path_factory, "queued", everything, db=f"test_class_{os.getpid()}")
    for root in (local, queued):
        students.write_class(root)
    assert all(r.ok for r in parallel.autograde(list(everything), root=local, workers=2)), "the local pool failed"
    results = distributed.autograde(list(everything), queue["url"], None, queued,
                                    visibility_timeout=VISIBILITY_CLASS)
    assert len(results) == len(everything) * len(students.STUDENTS)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert {r.host.split("@")[0] for r in results} == {"a", "b"}  # both hosts graded
    a, b = _scores(local), _scores(queued)
    merged = a.merge(b, on=["assignment", "student", "question"], how="outer", suffixes=("_local", "_queue"))
    differ = merged[merged.score_local != merged.score_queue]
    by = {(r.assignment, r.student): r.host for r in results}
    assert len(a) and differ.empty, f"{differ.to_string()}\ngraded on: {by}"
    assert set(_rows(queued).values()) == {1}
    # Plain nbgrader reads the same (PostgreSQL) gradebook.
    out = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "db", "student", "list"], cwd=queued,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and all(s in out.stdout for s in students.STUDENTS), out.stderr[-1000:]
    # A rerun has nothing new to grade.
    assert not distributed.autograde(list(everything), queue["url"], None, queued)
    # `course gradebook init` refuses a database that already holds grades, and changes nothing.
    from click.testing import CliRunner

    from course.apps import cli

    out = CliRunner().invoke(cli.main, ["--root", str(local), "gradebook", "init", "--db", Layout(queued).db_url])
    assert out.exit_code == 1 and "already holds 18 graded submission(s)" in out.output, out.output
    assert "***" in out.output and not Layout(local).gradebook_url.exists()


@pytest.fixture(scope="module")
def faults(tmp_path_factory, queue):
    """One course for the fault cases (the hosts keep its directory), gradebook on PostgreSQL; hosts whose
    broker gives a dead host's task to another after VISIBILITY seconds."""
    queue["start"]("a")
    queue["start"]("b")
    return _course(tmp_path_factory, "faults", (ENGINE.assignment,), db=f"test_faults_{os.getpid()}")


def _fresh(root: Path, names: list[str]) -> None:
    """Only ``names`` submitted (earlier cases' submissions moved away), so each case grades its own."""
    for folder in Layout(root).submitted().glob("*"):
        if folder.name not in names:
            os.rename(folder, root / f"done-{folder.name}-{time.monotonic_ns()}")
    _class(root, names)


@pytest.mark.timeout(900)
def test_a_host_killed_mid_submission_is_graded_elsewhere_once(queue, faults):
    names = ["k1", "k2", "k3"]
    run = _started(faults, queue["url"], names)
    killed = _busy(queue, "a")
    queue["hosts"]["a"].kill()
    results = run.finish()
    assert all(results[s].ok for s in names), results
    assert results[killed].host.startswith("b@")  # delivered again, to the other host
    assert {k: v for k, v in _rows(faults).items() if k[1] in names} == {(ENGINE.assignment, s): 1 for s in names}
    totals = report.scores(faults).groupby("student")["score"].sum()
    assert all(totals[s] == totals[names[0]] > 0 for s in names)  # the same solution, the same score
    _clean_host(queue["caches"]["a"], "a")
    queue["start"]("a")


@pytest.mark.timeout(900)
def test_the_broker_restarted_mid_run(queue, faults):
    names = ["r1", "r2", "r3", "r4"]
    run = _started(faults, queue["url"], names)
    _busy(queue, "a")
    broker.stop_broker(queue["broker"])
    time.sleep(2)
    broker.start_broker(queue["broker"])
    results = run.finish()
    assert all(results[s].ok for s in names), results
    assert {k: v for k, v in _rows(faults).items() if k[1] in names} == {(ENGINE.assignment, s): 1 for s in names}


@pytest.mark.timeout(900)
def test_the_database_restarted_mid_run(queue, faults):
    names = ["d1", "d2", "d3", "d4"]
    run = _started(faults, queue["url"], names)
    _busy(queue, "b")
    database.stop_database()
    time.sleep(5)
    database.start_database()
    results = run.finish()
    assert all(results[s].ok for s in names), results
    assert {k: v for k, v in _rows(faults).items() if k[1] in names} == {(ENGINE.assignment, s): 1 for s in names}


def _grading_processes(cache: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info["cmdline"] or []
        if "course.grading.worker" in cmd and cmd[-1].startswith(str(cache)):
            found.append(proc)
    return found


@pytest.mark.timeout(900)
def test_a_submission_that_kills_its_grader_every_time_is_reported(queue, faults):
    """Each time the poison is being graded its grading process dies; after TRIES it is reported."""
    names = ["p-ok1", "poison", "p-ok2"]
    run = _started(faults, queue["url"], names)
    kills = 0
    while run.is_alive():
        for cache in queue["caches"].values():
            for course_dir in (cache / "host").glob("*"):
                if Layout(course_dir).autograded("poison", ENGINE.assignment).is_dir():
                    for proc in _grading_processes(cache):
                        proc.kill()
                        kills += 1
                    time.sleep(1)
        time.sleep(0.2)
    results = run.finish()
    assert not results["poison"].ok and f"died on each of {host.TRIES} tries" in results["poison"].reason
    assert kills == host.TRIES
    assert results["p-ok1"].ok and results["p-ok2"].ok
    assert (ENGINE.assignment, "poison") not in _rows(faults)  # reported, never scored
    assert "poison" not in set(report.scores(faults)["student"])


@pytest.mark.timeout(900)
def test_an_overrunning_submission_hits_the_time_limit(queue, faults):
    names = ["slow", "t-ok"]
    _fresh(faults, names)
    path = Layout(faults).submitted("slow", ENGINE.assignment) / ENGINE.filename
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "import time\ntime.sleep(600)"
    nbformat.write(nb, path)
    run = Run(faults, queue["url"], timeout=40)
    run.start()
    results = run.finish()
    assert not results["slow"].ok and "limit 40 s" in results["slow"].reason
    assert results["t-ok"].ok
    assert (ENGINE.assignment, "slow") not in _rows(faults)


@pytest.mark.timeout(900)
def test_a_host_whose_engine_dies_gives_its_task_back(queue, faults):
    names = ["e1", "e2", "e3"]
    run = _started(faults, queue["url"], names)
    lost = _busy(queue, "b")
    bootstrap.stop_daemon(HOST_B_ENGINE)
    assert not ping(HOST_B_ENGINE.socket)
    results = run.finish()
    assert all(results[s].ok for s in names), results
    assert results[lost].host.startswith("a@")  # given back, graded by a: never scored without its engine
    assert {k: v for k, v in _rows(faults).items() if k[1] in names} == {(ENGINE.assignment, s): 1 for s in names}
    app = host.make_app(queue["url"], VISIBILITY)
    queues = app.control.inspect(destination=[f"b@{os.uname().nodename}"], timeout=2.0).active_queues() or {}
    assert not any(queues.values())  # b stopped taking tasks


RABBIT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
RABBIT_PORT, EPMD_PORT = 5679, 4399


@pytest.fixture
def rabbitmq(tmp_path):
    """Debian's rabbitmq-server on 127.0.0.1, its own node, config, data and epmd port; stopped by pid."""
    from course.system import apt

    if not RABBIT.exists():
        try:
            apt.ensure_packages(["rabbitmq-server"])
        except apt.SetupError as exc:
            pytest.skip(f"rabbitmq-server cannot be installed here: {exc}")
    state = config.CACHE / "test-rabbitmq"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    (state / "enabled_plugins").write_text("[].\n")
    (state / "rabbitmq.conf").write_text("loopback_users.guest = true\n")
    env = {**os.environ, "HOME": str(state), "RABBITMQ_NODENAME": "vmdtest@localhost",
           "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(RABBIT_PORT),
           "RABBITMQ_DIST_PORT": str(RABBIT_PORT + 20000), "ERL_EPMD_PORT": str(EPMD_PORT),
           "ERL_EPMD_ADDRESS": "127.0.0.1", "RABBITMQ_MNESIA_BASE": str(state / "mnesia"),
           "RABBITMQ_LOG_BASE": str(state / "log"), "RABBITMQ_CONFIG_FILE": str(state / "rabbitmq"),
           "RABBITMQ_ENABLED_PLUGINS_FILE": str(state / "enabled_plugins"), "RABBITMQ_PID_FILE": str(state / "pid")}
    log = open(state / "server.log", "ab")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(RABBIT)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"amqp://guest:guest@127.0.0.1:{RABBIT_PORT}//"
    try:
        from kombu import Connection

        deadline = time.monotonic() + 120
        while True:
            try:
                with Connection(url, connect_timeout=2) as conn:
                    conn.connect()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("rabbitmq-server did not start:\n" + (state / "server.log").read_text()[-2000:])
                time.sleep(1)
        yield url
    finally:
        for child in [*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        proc.wait()
        log.close()
        subprocess.run(["epmd", "-port", str(EPMD_PORT), "-kill"], check=False, capture_output=True,
                       env={**os.environ, "ERL_EPMD_PORT": str(EPMD_PORT)})


@pytest.mark.timeout(900)
def test_rabbitmq_by_url(rabbitmq, tmp_path_factory, queue):
    """The same queue over RabbitMQ (results back on its reply queues): a small class graded and recorded."""
    root = _course(tmp_path_factory, "rabbit", (ENGINE.assignment,))
    for kind in students.STUDENTS:
        students.write_submission(kind, ENGINE, root)
    started = hosts.start("rabbit", rabbitmq, 1, queue["envs"]["a"], root / "rabbit-host.log")
    try:
        results = distributed.autograde([ENGINE.assignment], rabbitmq, None, root)
    finally:
        started.stop()
    assert [(r.student, r.ok) for r in results] == [(s, True) for s in sorted(students.STUDENTS)], results
    totals = report.scores(root).groupby("student")["score"].sum()
    assert totals["solution"] > totals["partial"] > totals["untouched"] == 0


@pytest.mark.timeout(300)
def test_a_queue_no_host_reads_is_reported_not_waited_on_forever(queue, faults):
    """Tasks on a queue no grader host reads (here: another database of the broker) are reported."""
    names = ["n1", "n2"]
    _fresh(faults, names)
    lonely = queue["url"].rsplit("/", 1)[0] + "/5"
    start = time.monotonic()
    results = {r.student: r for r in distributed.autograde([ENGINE.assignment], lonely, None, faults, True,
                                                          no_host_patience=20)}
    assert time.monotonic() - start < 120
    assert all(not results[s].ok and "no grader host took it" in results[s].reason for s in names)
    assert not {k for k in _rows(faults) if k[1] in names}
