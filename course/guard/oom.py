"""Whether the kernel's OOM killer ended a container: the kernel's own log, where the engine lost it.

dockerd 20.10 sets ``State.OOMKilled`` only if containerd's OOM event for the container reaches it
before the exit event, and containerd's shim watches a container's memory cgroup for OOM only
once its process has started (cgroup v1: an eventfd on ``memory.oom_control``). A process that
allocates past its limit at once (``dd bs=96M count=1`` under a 32 MiB limit) is often killed
before that, so the notification never comes: measured here, two such containers at a time, one
kill in five had ``OOMKilled`` false, for good (no ``oom`` event either). The kernel's log always
has the kill, written before the signal (``oom-kill:... oom_memcg=<the container's cgroup>,
task_memcg=...``): for a container that exited non-zero with ``OOMKilled`` false, the guard looks
there and sets the flag the engine should have set (:func:`fill_in`, on inspect).
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import time
from collections.abc import Iterable
from datetime import datetime

#: The kernel's log, one record a read (readable by root: the guard runs as root).
KMSG = "/dev/kmsg"
#: The kill's record (kernels >= 5.0), and the older kernels' ``Task in X killed as a result of limit of Y``.
_KILL = re.compile(r"oom-kill:.*\boom_memcg=(?P<limit>[^,\s]*)")
_OLD_KILL = re.compile(r"Task in \S+ killed as a result of limit of (?P<limit>\S+)")
#: Allowed between the kernel log's time and the engine's start and finish times: clocks apart, and the
#: engine records ``StartedAt`` only once the process runs (a process killed at once may die before it).
SLACK_S = 5.0


def records(path: str = KMSG) -> list[tuple[float, str]]:
    """The kernel log's records still in its buffer: (seconds since boot, message); none if unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return []
    out = []
    try:
        while True:
            try:
                record = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten while read: go on from the next one
                    continue
                break  # EAGAIN: the end of the buffer
            if not record:
                break
            head, _, message = record.decode(errors="replace").partition(";")
            fields = head.split(",")
            if len(fields) >= 3 and fields[2].isdigit():
                out.append((int(fields[2]) / 1e6, message.split("\n", 1)[0]))
    finally:
        os.close(fd)
    return out


def killed_by_limit(container_id: str, logged: Iterable[tuple[float, str]], since: float, until: float) -> bool:
    """Whether ``logged`` (seconds since boot, message) has an OOM kill, between ``since`` and ``until``
    (seconds since boot), caused by the memory limit of the cgroup of ``container_id``."""
    for at, message in logged:
        found = _KILL.search(message) or _OLD_KILL.search(message)
        if found and container_id in found["limit"] and since - SLACK_S <= at <= until + SLACK_S:
            return True
    return False


def _since_boot(stamp: str) -> float | None:
    """An engine time (RFC 3339, nanoseconds, UTC) in the kernel log's clock (seconds since boot)."""
    found = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", stamp or "")
    if not found or stamp.startswith("0001-"):
        return None
    wall = datetime.fromisoformat(found[1] + "+00:00").timestamp() + float(f"0.{found[2] or 0}")
    return wall - (time.time() - time.clock_gettime(time.CLOCK_MONOTONIC))


def lost(doc: dict) -> bool:
    """Whether an inspected container may have been OOM-killed without the engine knowing: it exited with a
    failure, had a memory limit, and ``OOMKilled`` is false."""
    state, host = doc.get("State") or {}, doc.get("HostConfig") or {}
    return (state.get("Status") == "exited" and state.get("ExitCode", 0) != 0 and not state.get("OOMKilled")
            and (host.get("Memory") or 0) > 0)


async def fill_in(doc: dict, path: str = KMSG) -> dict:
    """``doc`` (an inspected container) with ``State.OOMKilled`` set if the kernel's log has its OOM kill."""
    if not lost(doc):
        return doc
    state, cid = doc["State"], doc.get("Id") or ""
    since, until = _since_boot(state.get("StartedAt", "")), _since_boot(state.get("FinishedAt", ""))
    if not re.fullmatch(r"[0-9a-f]{64}", cid) or since is None or until is None:
        return doc
    if killed_by_limit(cid, await asyncio.to_thread(records, path), since, until):
        state["OOMKilled"] = True
    return doc
