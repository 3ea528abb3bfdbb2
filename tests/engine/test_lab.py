"""The helpers notebook cells call, on the real engine."""

from __future__ import annotations

import os
import subprocess
import sys

from course import lab
from course.engine.cleanup import leftovers


def test_run_returns_status_and_output(engine):
    status, out = lab.run("echo pid=$$; hostname", hostname="probe")
    assert status == 0
    assert "pid=1" in out and "probe" in out


def test_namespaces_show_isolation(engine):
    container = lab.client().containers.run(lab.BASE_IMAGE, "sleep 60", detach=True)
    try:
        table = lab.namespaces(container)
        for ns in ("pid", "net", "uts", "mnt", "ipc"):
            assert not table.loc[ns, "shared"], ns
        assert lab.proc_status(lab.host_pid(container))["NSpid"].split()[-1] == "1"
    finally:
        container.remove(force=True)


def test_kernel_exit_removes_the_sessions_objects(engine):
    """A notebook that forgets its containers: they go when its kernel (process) exits."""
    session = f"test-lab-exit-{os.getpid()}"
    code = ("from course import lab; c = lab.client(); "
            "c.containers.run(lab.BASE_IMAGE, 'sleep 300', detach=True); print('started')")
    out = subprocess.run([sys.executable, "-c", code], check=False, env={**os.environ, "COURSE_SESSION": session},
                         capture_output=True, text=True, timeout=120)
    assert "started" in out.stdout, out.stderr
    assert sum(leftovers(engine, session).values()) == 0
