"""Grader hosts started from here (the demo, tests, the benchmark): `course grade-worker` processes.

On a real class each host is a machine of its own running ``course grade-worker``; on one
machine a host is that command in a process of its own, with its own environment (its
engine in ``DOCKER_HOST``, its cache in ``COURSE_CACHE``). Stopped by the pid recorded here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from course.grading import host


@dataclass
class HostProcess:
    """One grader host running as a process of this machine."""

    name: str
    proc: subprocess.Popen
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def tree(self) -> list[psutil.Process]:
        """The host and everything under it: Celery's worker processes, grading processes, kernels, VMs."""
        try:
            top = psutil.Process(self.proc.pid)
            return [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the host and everything under it at once, as when its machine dies."""
        for proc in self.tree():
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        self.proc.wait()

    def stop(self, timeout: float = 60.0) -> None:
        """Warm shutdown (SIGTERM: the task at hand finishes, slots close); SIGKILL if it overstays."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def start(name: str, broker: str, concurrency: int = 1, env: dict[str, str] | None = None,
          log: Path | None = None, visibility_timeout: float = 3600.0, wait: float = 120.0,
          ready: bool = True) -> HostProcess:
    """Start ``course grade-worker`` as host ``name``; return once it takes tasks from the queue
    (``ready``), or at once: tasks wait in the broker until it does, so a writer may enqueue meanwhile."""
    extra = env or {}
    log = log or Path(extra.get("COURSE_CACHE", ".")) / f"host-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "course.apps.cli", "grade-worker", "--concurrency", str(concurrency), "--hostname", f"{name}@%h", "--visibility-timeout", str(visibility_timeout)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **extra, "COURSE_QUEUE": broker})  # the password stays out of ps
    started = HostProcess(name, proc, log, extra)
    if not ready:
        return started
    app = host.make_app(broker, visibility_timeout)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            queues = app.control.inspect(destination=[f"{name}@{os.uname().nodename}"], timeout=1.0).active_queues()
        except Exception:  # noqa: BLE001 (the broker is restarting, or a pooled connection predates it: ask again)
            queues = None
            time.sleep(1.0)
        if queues:
            return started
    started.stop()
    raise RuntimeError(f"grader host {name} did not start. Last lines of {log}:\n"
                       + "\n".join(log.read_text(errors="replace").splitlines()[-20:]))
