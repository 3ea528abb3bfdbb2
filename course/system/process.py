"""Background processes the course starts, tracked by the pid it recorded.

The course never stops anything by name (no pkill): only the pid written in
its own pid file, and only while that pid still runs the program it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def python() -> str:
    """This interpreter under its versioned name (``python3.11``): the name :func:`recorded_pid` checks
    for a course service started with it (the venv's ``python`` is a symlink to it)."""
    exe = Path(sys.executable)
    versioned = exe.with_name(f"python{sys.version_info.major}.{sys.version_info.minor}")
    return str(versioned if versioned.exists() else exe)


async def until_signalled() -> None:
    """Wait, in a service's event loop, until it is told to stop (SIGTERM, as :func:`stop_recorded` sends, or ^C)."""
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def start_background(argv: list[str], log: Path, pidfile: Path, user: str | None = None) -> int:
    """Start ``argv`` detached (own session), logging to ``log``; record its pid.

    With ``user`` (as root) the program runs as that user (PostgreSQL refuses to run as root).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, user=user, group=user, extra_groups=[] if user else None,
        )
    pidfile.write_text(f"{proc.pid}\n{argv[0]}\n")
    return proc.pid


def recorded_pid(pidfile: Path) -> int | None:
    """The pid in ``pidfile`` if that process is alive and still runs the recorded program."""
    try:
        lines = pidfile.read_text().split()
        pid, prog = int(lines[0]), lines[1] if len(lines) > 1 else ""
    except (OSError, ValueError, IndexError):
        return None
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    names = {os.path.basename(prog), os.path.basename(os.path.realpath(prog))}  # started through a symlink
    if prog and os.path.basename(exe).split(" ")[0] not in names:
        return None  # the pid was reused by something else
    return pid


def stop_recorded(pidfile: Path, timeout: float = 20.0, sig: int = signal.SIGTERM) -> bool:
    """Send ``sig`` (SIGTERM) to the recorded process, wait, SIGKILL if needed. True if one was stopped."""
    pid = recorded_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return False
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and recorded_pid(pidfile) is not None:
        time.sleep(0.1)
    if recorded_pid(pidfile) is not None:
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    return True


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
