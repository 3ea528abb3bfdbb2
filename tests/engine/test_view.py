"""A graded kernel sees only its allow-list view: a hostile cell graded by the real pool, in bwrap.

The test places what an attacker would look for elsewhere on the machine, readable by anyone
(another copy of the course under /srv, a file in /root, a file in the host's /tmp), grades a
submission whose first answer cell tries them all, and checks each attempt failed; beside it an
honest solution scores as it does alone.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from honest import graded_alone, honest_scores
from probes import PRELUDE, submit_probe

from course import config
from course.grading import parallel, report, sandbox, students, variants
from course.grading.scratch import make_course
from course.layout import Layout
from course.material import lessons

lesson = lessons.get("containers")
ASSIGNMENT = lesson.assignment

pytestmark = pytest.mark.skipif(not isinstance(sandbox.isolation(), sandbox.Confined),
                                reason=f"no view here: {sandbox.isolation()}")

PROBE = PRELUDE + '''def write(path):
    with open(path, "w") as out:
        out.write("x")
probes = {{
    "read_other_copy": attempt(lambda: open({other!r} + "/source/containers/containers.ipynb").read(1)),
    "list_other_copy": attempt(lambda: os.listdir({other_parent!r})),
    "read_root": attempt(lambda: open({root_file!r}).read(1)),
    "list_home": attempt(lambda: os.listdir("/home")) if {has_home!r} else "absent on the host",
    "read_host_tmp": attempt(lambda: open({host_tmp!r}).read(1)),
    "read_other_submission": attempt(lambda: open({other_submission!r}).read(1)),
    "read_other_slot": attempt(lambda: os.listdir({other_slot!r})),
    "read_repo_source": attempt(lambda: open({repo!r} + "/source/containers/containers.ipynb").read(1)),
    "read_material": attempt(lambda: open({repo!r} + "/course/material/lessons/containers.py").read(1)),
    "read_variant_secret": attempt(lambda: open({secret!r}).read(1)),
    "engine_socket": attempt(lambda: socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock")),
    "engine_socket_run": attempt(lambda: socket.socket(socket.AF_UNIX).connect("/run/docker.sock")),
    "sys": attempt(lambda: os.listdir("/sys/class")),
    "write_venv": attempt(lambda: write({venv!r} + "/probe")),
    "write_package": attempt(lambda: write({package!r} + "/probe")),
    "write_usr": attempt(lambda: write("/usr/probe")),
    "write_root_dir": attempt(lambda: write("/probe")),
    "write_variant_file": attempt(lambda: write({variant_file!r})),
    "remove_variant_file": attempt(lambda: os.remove({variant_file!r})),
    "replace_variant_dir": attempt(lambda: os.rename("/run/kernel", "/run/elsewhere")),
}}
from course.lab import variant as handed_variant
variant_env = os.environ.get("COURSE_VARIANT")
values_before = handed_variant.values({assignment!r})
os.environ["COURSE_VARIANT"] = {forged!r}  # left set: the checks below must not follow it
write("in-workdir.txt")
write("/tmp/in-tmp.txt")
seen = {{
    "workdir": os.getcwd(), "wrote_workdir": open("in-workdir.txt").read(),
    "wrote_tmp": open("/tmp/in-tmp.txt").read(), "uid": os.getuid(),
    "mnt": os.readlink("/proc/self/ns/mnt"), "top": sorted(os.listdir("/")),
    "run": sorted(os.listdir("/run")) if os.path.isdir("/run") else [],
    "guard": os.environ["DOCKER_HOST"], "engine_version": docker.version()["Version"],
    "variant_env": variant_env, "variant_file": open({variant_file!r}).read(),
    "values_before": values_before, "values_forged": handed_variant.values({assignment!r}),
}}
print("PROBES=" + json.dumps(probes))
print("SEEN=" + json.dumps(seen))
'''




def _forged(root: Path) -> dict:
    """What the probe's cell sets in its environment: another student's values, none of them the probe's."""
    mine = variants.of("probe", ASSIGNMENT, root)
    candidates = (variants.of(f"forger-{n}", ASSIGNMENT, root) for n in range(1000))
    other = next(v for v in candidates if all(x != mine[k] for k, x in v.items()))
    return {"student": "forger", "values": {ASSIGNMENT: other}}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """What the attacker looks for, world-readable outside the view; removed at the end."""
    other = Path("/srv") / f"course-copy-{os.getpid()}"
    make_course(other)
    for path in [other, *other.rglob("*")]:
        path.chmod(path.stat().st_mode | (0o005 if path.is_dir() else 0o004))
    root_file = Path("/root") / f".course-view-probe-{os.getpid()}"
    root_file.write_text("secret")
    root_file.chmod(0o644)
    host_tmp = Path("/tmp") / f"course-view-probe-{os.getpid()}"
    host_tmp.write_text("secret")
    host_tmp.chmod(0o644)
    yield {"other": other, "root_file": root_file, "host_tmp": host_tmp}
    shutil.rmtree(other)
    root_file.unlink()
    host_tmp.unlink()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, planted, engine):
    root = make_course(tmp_path_factory.mktemp("viewed"), (ASSIGNMENT,))
    for kind in ("solution", "partial"):
        students.write_submission(kind, lesson, root)
    other_submission = Layout(root).submitted("solution", ASSIGNMENT) / lesson.filename
    other_submission.parent.chmod(0o755)  # even readable by others, it stays out of the view
    other_submission.chmod(0o644)
    code = PROBE.format(other=str(planted["other"]), other_parent=str(planted["other"].parent),
                        root_file=str(planted["root_file"]), has_home=os.path.isdir("/home"),
                        host_tmp=str(planted["host_tmp"]), other_submission=str(other_submission),
                        other_slot=str(sandbox.workdir_path(sandbox.MAX_SLOTS - 1)), repo=str(config.ROOT),
                        venv=str(Path(sys.prefix)), package=str(config.ROOT / "course"),
                        secret=str(Layout(root).variant_secret), variant_file=str(config.VARIANT_FILE),
                        assignment=ASSIGNMENT, forged=json.dumps(_forged(root)))
    submit_probe(root, lesson, "probe", code)
    results = parallel.autograde_all(ASSIGNMENT, root=root, workers=2, timeout=300)
    return root, {r.student: r for r in results}


def _printed(root: Path, student: str, key: str) -> dict:
    nb = nbformat.read(Layout(root).autograded(student, ASSIGNMENT) / lesson.filename, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    line = next(ln for ln in text.splitlines() if ln.startswith(key + "="))
    return json.loads(line.removeprefix(key + "="))


def test_nothing_outside_the_view_is_reachable(graded):
    root, results = graded
    assert results["probe"].ok, results["probe"].reason
    probes = _printed(root, "probe", "PROBES")
    allowed = {k: v for k, v in probes.items() if v == "ALLOWED"}
    assert not allowed, f"reachable from a graded kernel: {allowed}"


def test_the_kernel_works_in_its_own_mount_namespace(graded):
    root, _ = graded
    seen = _printed(root, "probe", "SEEN")
    assert seen["uid"] != 0
    assert seen["mnt"] != os.readlink("/proc/self/ns/mnt")
    assert seen["workdir"].startswith(f"/tmp/{sandbox.USER_PREFIX}")
    assert seen["wrote_workdir"] == seen["wrote_tmp"] == "x"
    assert {"home", "srv", "var", "sys", "opt", "mnt", "media"}.isdisjoint(seen["top"]), seen["top"]
    assert seen["run"] == ["kernel"]  # the view's own: the copy of the kernel's connection file, no host socket
    assert seen["guard"].startswith("unix://") and seen["engine_version"]
    slot_dir = Path(seen["workdir"])
    assert not (slot_dir / "in-workdir.txt").exists()  # the slot's directory is emptied for the next one
    assert not any(p.name == "in-tmp.txt" for p in Path("/tmp").iterdir())  # /tmp was the view's own


def test_the_kernel_gets_its_students_values_and_never_the_secret(graded):
    """The kernel reads the submission's own variant (its student id is the folder's), and nothing of the secret
    (whose file the view does not show: read_variant_secret above)."""
    root, _ = graded
    seen = _printed(root, "probe", "SEEN")
    handed = json.loads(seen["variant_file"])
    assert handed == {"student": "probe", "values": {ASSIGNMENT: variants.of("probe", ASSIGNMENT, root)}}
    nb = nbformat.read(Layout(root).autograded("probe", ASSIGNMENT) / lesson.filename, as_version=4)
    assert variants.secret(root).hex() not in nbformat.writes(nb)
    assert nb.metadata["course_variant"]["values"] == handed["values"][ASSIGNMENT]  # what the formgrader shows


def test_a_cell_cannot_choose_its_variant(graded):
    """The values are a read-only file of the view, not an environment variable: a cell that sets
    ``COURSE_VARIANT`` to another student's values changes nothing, and the checks grade its own."""
    root, _ = graded
    seen = _printed(root, "probe", "SEEN")
    mine = variants.of("probe", ASSIGNMENT, root)
    assert seen["variant_env"] is None  # the launcher took it out of the kernel's environment
    assert seen["values_before"] == seen["values_forged"] == mine
    probes = _printed(root, "probe", "PROBES")
    tried = {k: probes[k] for k in ("write_variant_file", "remove_variant_file", "replace_variant_dir")}
    assert set(tried.values()) <= {"OSError", "PermissionError"}, tried  # read-only, whoever tries
    scores = report.scores(root)
    code = scores[scores.auto]
    probe, solution = (code[code.student == s].set_index("question").score for s in ("probe", "solution"))
    best = code[code.student == "probe"].set_index("question").max_score
    assert probe.equals(solution) and (probe == best).all(), \
        f"the probe (its own values typed in, another's set in its environment) lost code marks:\n{probe}"


def test_honest_submissions_score_as_alone(graded, tmp_path_factory):
    """The honest ones beside the probe, in the view, score as they do alone and unconfined."""
    root, results = graded
    alone = graded_alone(tmp_path_factory.mktemp("alone"), lesson, workers=1, unconfined=True)
    assert honest_scores(root).equals(honest_scores(alone))
    assert results["solution"].ok and results["partial"].ok


def test_grading_refuses_without_the_view_unless_told(monkeypatch, tmp_path):
    """Without bwrap on the PATH the pool refuses, says why and what to install; --unconfined is explicit."""
    from course.grading import view

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no bwrap
    view.probe.cache_clear()
    try:
        found = sandbox.isolation()
        assert isinstance(found, sandbox.Unconfined) and "not installed" in found.reason
        with pytest.raises(sandbox.UnconfinedRefused, match="apt-get install bubblewrap"):
            parallel.autograde_all(ASSIGNMENT, ["solution"], root=tmp_path)
    finally:
        monkeypatch.undo()
        view.probe.cache_clear()
    assert isinstance(sandbox.isolation(), sandbox.Confined)

