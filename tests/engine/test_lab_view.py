"""A confined student's lab kernels: their own user, their own notebooks, nothing else (`course lab --student`).

The test starts a real JupyterLab for a student behind their guard, starts a kernel through the
server's REST API as the lab does, and looks at that kernel's view from the host
(``/proc/<pid>/root``): the student's notebooks are there, another student's are not.
"""

from __future__ import annotations

import json
import os
import pwd
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from jupyter_client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir

from course.apps import labserver
from course.grading import sandbox, variants
from course.lab.variant import ENV, FILE
from course.layout import Layout

pytestmark = pytest.mark.skipif(not isinstance(sandbox.isolation(), sandbox.Confined),
                                reason=f"no view here: {sandbox.isolation()}")
STUDENT = f"viewlab{os.getpid()}"


def _start_kernel(server: labserver.LabServer) -> str:
    req = urllib.request.Request(f"{server.base_url}api/kernels", data=b"{}", method="POST",
                                 headers={"Authorization": f"token {server.token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read())["id"]


def _kernel_process(server: labserver.LabServer, uid: int, wait: float = 60.0) -> psutil.Process:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for proc in psutil.Process(server.pid).children(recursive=True):
            try:
                if (proc.uids().real == uid and proc.name() != "bwrap"
                        and "ipykernel_launcher" in " ".join(proc.cmdline())):
                    return proc
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.3)
    raise AssertionError("no kernel of the student's user started")


@pytest.fixture(scope="module")
def confined_lab(tmp_path_factory, engine):
    from course.guard import start_guard

    base = tmp_path_factory.mktemp("labview")
    other = base / "students" / "someone-else"
    other.mkdir(parents=True)
    (other / "answers.txt").write_text("another student's work")
    os.chmod(other, 0o755)
    guard = start_guard(STUDENT, base / f"{STUDENT}.sock", session=os.environ["COURSE_SESSION"])
    server = None
    try:
        server = labserver.start("student", workspace=base / "students" / STUDENT, state=base / "state",
                                 docker_host=guard.url, student=STUDENT,
                                 session=os.environ["COURSE_SESSION"])
        yield server, base, other
    finally:
        if server:
            server.stop()
        guard.stop()


def test_student_kernel_runs_as_their_user_in_their_view(confined_lab):
    server, base, other = confined_lab
    uid = pwd.getpwnam(sandbox.student_user(STUDENT)).pw_uid
    kernel_id = _start_kernel(server)
    proc = _kernel_process(server, uid)
    client = BlockingKernelClient(connection_file=str(Path(jupyter_runtime_dir()) / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        printed = []
        client.execute_interactive(
            "import os, json\nfrom course.lab import variant\nenv = os.environ.get('COURSE_VARIANT')\n"
            f"os.environ['COURSE_VARIANT'] = json.dumps({{'student': 'forger', 'values': {{}}}})\n"
            f"print(json.dumps([os.getuid(), os.getcwd(), env, open({str(FILE)!r}).read(), variant.handed()]))",
            timeout=60, output_hook=lambda m: printed.append(m["content"].get("text", "")))
    finally:
        client.stop_channels()
    got_uid, got_cwd, env, in_file, handed = json.loads("".join(printed))
    assert [got_uid, got_cwd] == [uid, str(server.root)]  # it runs code, as the student, in their folder
    mine = variants.kernel_env(STUDENT)[ENV]  # their own values (all assignments), not the secret
    assert env is None and in_file == mine  # a read-only file of the view, not the environment
    assert handed == json.loads(mine)  # what the checks read, whatever the cell set
    assert os.readlink(f"/proc/{proc.pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    root = Path(f"/proc/{proc.pid}/root")
    workspace = server.root
    assert (root / str(workspace).lstrip("/") / "containers").is_dir()  # their own notebooks
    assert not (root / str(other).lstrip("/")).exists()  # nobody else's
    assert not (root / "home").exists() and not (root / "srv").exists() and not (root / "var").exists()
    assert not (root / str(base / "state").lstrip("/")).exists()  # nor the server's state and settings
    assert not (root / str(Layout().variant_secret).lstrip("/")).exists()  # nor the course's variant secret
    assert workspace.stat().st_uid == uid and workspace.stat().st_mode & 0o077 == 0
