"""Untrusted submissions get Docker (through a guard), not the host: an adversarial class.

Each attack is the full solution plus one hostile cell, graded in one parallel, isolated
run beside honest submissions. Every attack must be contained with a clear outcome, and
the honest submissions must score exactly what they score when graded alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from honest import graded_alone, honest_scores
from probes import PRELUDE, submit_probe

from course import config
from course.engine import client
from course.engine.cleanup import leftovers
from course.grading import nbgrader_api, parallel, sandbox, students
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

lesson = lessons.get("containers")

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="isolation needs root")
ASSIGNMENT = lesson.assignment

PROBE = PRELUDE + '''ROOT = {root!r}
probes = {{
    "read_source": attempt(lambda: open(ROOT + "/source/containers/containers.ipynb").read(1)),
    "read_repo_source": attempt(lambda: open({repo!r} + "/source/containers/containers.ipynb").read(1)),
    "read_material": attempt(lambda: open({repo!r} + "/course/material/lessons/containers.py").read(1)),
    "read_git": attempt(lambda: os.listdir({repo!r} + "/.git")),
    "read_gradebook": attempt(lambda: open(ROOT + "/gradebook.db", "rb").read(1)),
    "write_other_submission": attempt(lambda: open(ROOT + "/submitted/solution/containers/x", "w")),
    "engine_socket": attempt(lambda: socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock")),
    "bind_host_root": attempt(lambda: docker.containers.run(lab.BASE_IMAGE, "ls /host",
                                                             volumes={{"/": {{"bind": "/host"}}}}, remove=True)),
    "privileged": attempt(lambda: docker.containers.run(lab.BASE_IMAGE, "true", privileged=True, remove=True)),
    "host_network": attempt(lambda: docker.containers.run(lab.BASE_IMAGE, "true", network_mode="host",
                                                           remove=True)),
    "uid": os.getuid(),
}}
print("PROBES=" + json.dumps(probes))
'''

ATTACKS = {
    "probe": None,  # filled with PROBE (it needs the course root)
    "leaves_containers": "for i in range(3):\n    docker.containers.run(lab.BASE_IMAGE, 'sleep 600', detach=True)",
    "fork_bomb_container": ("bomb = docker.containers.run(lab.BASE_IMAGE, ['sh', '-c', 'b() { b | b & }; b; sleep 5'],"
                            " detach=True)\nbomb.wait(timeout=30)"),
    "fork_bomb_kernel": ("import os, time\nkids = 0\ntry:\n    for _ in range(5000):\n        if os.fork() == 0:\n"
                         "            time.sleep(300)\n            os._exit(0)\n        kids += 1\nexcept OSError as exc:\n"
                         "    print('fork refused after', kids, type(exc).__name__)"),
    "kills_itself": "import os\nos.kill(os.getpid(), 9)",
    "output_flood": "for _ in range(200000):\n    print('x' * 200)",
}




def _scratch(tmp_path_factory, name: str) -> Path:
    return make_course(tmp_path_factory.mktemp(name), (ASSIGNMENT,))


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, engine):
    root = _scratch(tmp_path_factory, "attacked")
    for kind in ("solution", "partial"):
        students.write_submission(kind, lesson, root)
    for name, code in ATTACKS.items():
        submit_probe(root, lesson, name, code or PROBE.format(root=str(root), repo=str(config.ROOT)))
    results = parallel.autograde_all(ASSIGNMENT, root=root, workers=2, timeout=90, isolate=True)
    return root, {r.student: r for r in results}


def _outputs(root: Path, student: str) -> str:
    nb = nbformat.read(Layout(root).autograded(student, ASSIGNMENT) / lesson.filename, as_version=4)
    return "\n".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []))


def test_probes_are_all_refused(attacked):
    root, results = attacked
    assert results["probe"].ok, results["probe"].reason
    line = next(ln for ln in _outputs(root, "probe").splitlines() if ln.startswith("PROBES="))
    probes = json.loads(line.removeprefix("PROBES="))
    assert probes.pop("uid") != 0  # the kernel ran as a grader user, not root
    allowed = {k: v for k, v in probes.items() if v == "ALLOWED"}
    assert not allowed, f"escapes: {allowed}"


def test_leftover_containers_are_removed(attacked):
    root, results = attacked
    assert results["leaves_containers"].ok
    api = client()
    for student in ATTACKS:
        assert sum(leftovers(api, nbgrader_api.submission_session(ASSIGNMENT, student, root)).values()) == 0


def test_fork_bombs_are_contained(attacked):
    root, results = attacked
    assert results["fork_bomb_container"].ok, results["fork_bomb_container"].reason
    out = _outputs(root, "fork_bomb_kernel")
    assert results["fork_bomb_kernel"].ok or "stopped after" in results["fork_bomb_kernel"].reason
    if results["fork_bomb_kernel"].ok:
        assert "fork refused after" in out


def test_kernel_suicide_is_reported(attacked):
    _, results = attacked
    assert not results["kills_itself"].ok and "Kernel died" in results["kills_itself"].reason


def test_output_flood_is_capped(attacked):
    root, results = attacked
    assert results["output_flood"].ok, results["output_flood"].reason
    size = (Layout(root).autograded("output_flood", ASSIGNMENT) / lesson.filename).stat().st_size
    assert size < 8 << 20
    assert "[output cut" in _outputs(root, "output_flood")


def test_no_grader_processes_survive(attacked):
    """None of this run's sandboxed processes (fork bomb children, kernels) outlive the grading.

    Only our own descendants count: other grading runs on the machine use other slots.
    """
    import pwd

    import psutil

    uids = {u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(sandbox.USER_PREFIX)}
    alive = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.uids().real in uids:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    assert not alive


def test_honest_submissions_score_as_alone(attacked, tmp_path_factory):
    root, results = attacked
    alone = graded_alone(tmp_path_factory.mktemp("alone"), lesson, workers=1, isolate=True)
    assert honest_scores(root).equals(honest_scores(alone))
    assert results["solution"].ok and results["partial"].ok
