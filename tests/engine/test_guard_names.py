"""Per-owner container names in the guard: two submissions may both call a container ``web``.

Container names are global in dockerd; the guard creates the container as ``web--<owner>``,
aliases ``web`` on its networks and shows ``web`` back. Two owners (two real guard
processes, unique to this run) use the same names at the same time; docker-py talks to
the guards only, the engine client checks what dockerd really holds. Everything carries
this module's session label and is removed at the end. The pure tests of the mapping are in
tests/unit/test_guard_naming.py.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors
import pytest

from course.engine.cleanup import leftovers
from course.guard import Limits

SESSION = f"test-guard-names-{os.getpid()}"
BASE = "vmdocker/base:latest"
LIMITS = Limits(memory=64 * 1024 * 1024, pids=64, nano_cpus=500_000_000)
OWNERS = (f"names-a-{os.getpid()}", f"names-b-{os.getpid()}")
#: A web server answering with its owner's id, on port 8080.
HTTPD = ["sh", "-c", "mkdir -p /www && echo \"$WHO\" > /www/index.html && exec httpd -f -p 8080 -h /www"]


# -- the engine, through two real guard processes ------------------------------------------------
@pytest.fixture(scope="module")
def engine(module_engine):
    return module_engine


@pytest.fixture(scope="module")
def guards(module_guards):
    return module_guards


@pytest.fixture(scope="module")
def clients(guards):
    apis = {owner: docker.DockerClient(base_url=g.url, version="auto", timeout=60) for owner, g in guards.items()}
    yield apis
    for api in apis.values():
        api.close()


def both(clients, fn):
    """Run ``fn(owner, api)`` for both owners at the same time (as parallel grading does)."""
    with ThreadPoolExecutor(len(clients)) as pool:
        futures = {owner: pool.submit(fn, owner, api) for owner, api in clients.items()}
        return {owner: f.result() for owner, f in futures.items()}


def fetch(box, url: str, tries: int = 50) -> str:
    """``wget`` from inside ``box``, retrying while the server starts."""
    for _ in range(tries):
        result = box.exec_run(["wget", "-qO-", url])  # (busybox wget -T crashes in this image)
        if result.exit_code == 0:
            return result.output.decode().strip()
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer from {box.name}: {result.output!r}")


def status_of(call) -> tuple[int, str]:
    with pytest.raises(docker.errors.APIError) as err:
        call()
    return err.value.status_code, str(err.value.explanation)


def test_two_owners_run_web_at_once_and_each_sees_its_own(engine, clients):
    def scenario(owner, api):
        web = api.containers.run(BASE, HTTPD, name="web", detach=True, environment={"WHO": owner})
        box = api.containers.run(BASE, ["sleep", "120"], name="client", detach=True)
        try:
            assert web.name == "web" and api.containers.get("web").id == web.id
            assert api.api.inspect_container("web")["Name"] == "/web"
            listed = api.api.containers(all=True)
            assert sorted(n for c in listed for n in c["Names"]) == ["/client", "/web"]
            assert [c.name for c in api.containers.list(filters={"name": "^/web$"})] == ["web"]
            assert [c.name for c in api.containers.list(filters={"name": "^web$"})] == ["web"]
            assert api.containers.list(filters={"name": owner}) == []  # the engine's suffix stays hidden
            assert [c.name for c in api.containers.list(limit=1, filters={"name": "^/(web|client)$"})] == ["client"]
            assert [c.name for c in api.containers.list(all=True, filters={"before": "client"})] == ["web"]
            assert fetch(box, "http://web:8080/") == owner  # Docker DNS finds the learner's name
            assert box.exec_run(["nslookup", "web"]).exit_code == 0
            assert api.api.exec_start(api.api.exec_create("web", ["cat", "/www/index.html"])["Id"]) == \
                f"{owner}\n".encode()
            assert next(p[-1] for p in api.api.top("web")["Processes"]).startswith("httpd")
            assert api.api.stats("web", stream=False, one_shot=True)["name"] == "/web"
            net = api.networks.get(f"vmdocker-guard-{owner}")
            assert sorted(c["Name"] for c in net.attrs["Containers"].values()) == ["client", "web"]
            api.api.stop("web", timeout=1)
            api.api.wait("web", timeout=30)
            assert api.containers.get("web").status == "exited"
            api.api.remove_container("web")
            assert status_of(lambda: api.containers.get("web")) == (404, "No such container: web")
            return web.id
        finally:
            box.remove(force=True)
            try:
                web.remove(force=True)
            except docker.errors.NotFound:
                pass

    ids = both(clients, scenario)
    assert len(set(ids.values())) == 2
    assert not engine.containers.list(all=True, filters={"label": f"edu.vmdocker.session={SESSION}"})


def test_the_engine_holds_owner_names_and_events_show_the_learners(engine, clients):
    owner, api = OWNERS[0], clients[OWNERS[0]]
    since = int(time.time()) - 1
    box = api.containers.create(BASE, ["true"], name="evented")
    try:
        assert engine.containers.get(box.id).name == f"evented--{owner}"
        box.rename("evented2")
    finally:
        box.remove(force=True)
    events = list(api.events(since=since, until=int(time.time()) + 1, decode=True,
                             filters={"container": "evented"}))
    names = {(e["Action"], e["Actor"]["Attributes"].get("name")) for e in events if e.get("Type") == "container"}
    assert {("create", "evented"), ("rename", "evented2"), ("destroy", "evented2")} <= names
    renamed = next(e for e in events if e.get("Action") == "rename")
    assert renamed["Actor"]["Attributes"]["oldName"] == "/evented"


def test_the_other_owners_names_stay_invisible(engine, clients):
    (alice, a_api), (bob, b_api) = clients.items()
    solo = a_api.containers.create(BASE, ["true"], name="solo")
    try:
        for ref in ("solo", f"solo--{alice}", solo.id, solo.id[:12]):
            assert status_of(lambda ref=ref: b_api.containers.get(ref)) == (404, f"No such container: {ref}")
            assert status_of(lambda ref=ref: b_api.api.remove_container(ref, force=True))[0] == 404
        assert status_of(lambda: b_api.api.rename(solo.id, "mine"))[0] == 404
        # bob may use alice's engine name as his own name: it is his, and collides with nothing
        decoy = b_api.containers.create(BASE, ["true"], name=f"solo--{alice}")
        try:
            assert decoy.name == f"solo--{alice}" and a_api.containers.get("solo").id == solo.id
            assert engine.containers.get(decoy.id).name == f"solo--{alice}--{bob}"
        finally:
            decoy.remove()
        code, message = status_of(lambda: a_api.containers.create(BASE, ["true"], name="solo"))
        assert code == 409 and '"/solo"' in message and alice not in message
        assert status_of(lambda: a_api.containers.create(BASE, ["true"], name="x"))[0] == 400
    finally:
        solo.remove()


def test_renaming_maps_too_and_the_new_name_resolves(clients):
    def scenario(owner, api):
        net = api.networks.create(f"names-net-{owner}")
        box = api.containers.run(BASE, ["sleep", "120"], detach=True, network=net.name)
        created = api.containers.create(BASE, HTTPD, name="before", environment={"WHO": owner}, network=net.name)
        running = api.containers.run(BASE, HTTPD, name="live", detach=True, environment={"WHO": owner})
        try:
            created.rename("after")
            assert api.containers.get("after").id == created.id and api.containers.get("after").name == "after"
            assert status_of(lambda: api.containers.get("before"))[0] == 404
            created.start()
            assert fetch(box, "http://after:8080/") == owner
            assert box.exec_run(["nslookup", "before"]).exit_code != 0
            # joining a network later: the learner's name is an alias there too
            api.networks.get(net.id).connect(running)
            assert fetch(box, "http://live:8080/") == owner
            running.rename("relive")  # a running container keeps its endpoints...
            assert api.containers.get("relive").name == "relive"
            assert status_of(lambda: api.api.rename("relive", "after"))[0] == 409  # taken, by its own owner
            running.stop(timeout=1)
            running.start()  # ...and its new name resolves once it is started again
            assert fetch(box, "http://relive:8080/") == owner
        finally:
            for c in (box, created, running):
                c.remove(force=True)
            net.remove()

    both(clients, scenario)


# -- the grading path: two submissions both run name="web", graded at once ---------------------------
SAME_NAME = '''
import time as _time
_web = docker.containers.run(lab.BASE_IMAGE, ["sh", "-c", "mkdir -p /www && echo {who} > /www/index.html && "
                                               "exec httpd -f -p 8080 -h /www"], name="web", detach=True)
_start = _time.time()
try:
    assert docker.containers.get("web").name == "web"
    _got = docker.containers.run(lab.BASE_IMAGE, ["sh", "-c", "for i in $(seq 20); do wget -qO- http://web:8080/ "
                                                  "&& exit 0; sleep 0.3; done; exit 1"], remove=True,
                              network_mode="bridge")  # the owner's network, where "web" resolves
    assert _got.decode().strip() == "{who}", _got
    _time.sleep(max(0.0, 10 - (_time.time() - _start)))  # hold the name while the other one runs
    print("HELD", _start, _time.time())
finally:
    _web.remove(force=True)
'''


def test_two_submissions_using_the_same_name_grade_at_once(engine, tmp_path_factory):
    from course.grading import nbgrader_api, parallel, report, sandbox, students
    from course.grading.scratch import make_course
    from course.layout import Layout
    from course.material import lessons
    lesson = lessons.get("containers")

    if not sandbox.available():
        pytest.skip("isolated grading needs root")
    import nbformat

    root = make_course(tmp_path_factory.mktemp("same-name"), (lesson.assignment,))
    students.write_submission("solution", lesson, root)
    for who in ("same_a", "same_b"):
        path = students.write_submission("solution", lesson, root, student=who)
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-solution":
                cell.source = SAME_NAME.format(who=who) + "\n\n" + cell.source
        nbformat.write(nb, path)
    results = {r.student: r for r in parallel.autograde_all(lesson.assignment, root=root, workers=2, timeout=120,
                                                           isolate=True)}
    assert all(r.ok for r in results.values()), {s: r.reason for s, r in results.items()}
    held = {}
    for who in ("same_a", "same_b"):
        nb = nbformat.read(Layout(root).autograded(who, lesson.assignment) / lesson.filename, as_version=4)
        text = "\n".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []))
        assert "APIError" not in text and "AssertionError" not in text, text[-2000:]
        held[who] = [float(x) for x in next(ln for ln in text.splitlines() if ln.startswith("HELD")).split()[1:]]
    (a0, a1), (b0, b1) = held["same_a"], held["same_b"]
    assert a0 < b1 and b0 < a1, held  # both held "web" at the same time
    scores = report.scores(root)
    by_student = scores.groupby("student")["score"].sum()
    assert by_student["same_a"] == by_student["same_b"] == by_student["solution"], by_student.to_dict()
    for who in results:
        assert sum(leftovers(engine, nbgrader_api.submission_session(lesson.assignment, who, root)).values()) == 0
