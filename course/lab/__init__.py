"""What notebook cells call: an engine session, the course image, and small views.

A notebook does ``from course import lab; docker = lab.client()`` and gets a
docker-py client whose containers, networks and volumes carry this kernel's
session label; they are all removed when the kernel exits (and by the grader
after each submission), whatever the learner's code forgot.

The package is everything notebook cells import; its modules, one per lesson topic:
:mod:`.rawapi` (the Engine API by hand), :mod:`.dockerfiles` (builds from text),
:mod:`.measure` and :mod:`.figures` (VM vs container), :mod:`.portability`,
:mod:`.scaleout` and :mod:`.iobench` (why Docker). Notebooks written before this layout
import them as ``from course import figures`` (see ``course/__init__.py``); both work.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import TYPE_CHECKING

import docker
import docker.errors

from course import config
from course.engine import bootstrap, labelled
from course.engine.cleanup import remove_labelled
from course.images import BASE, ensure_image, image_ref

# The values cell under each varied exercise calls lab.my_values(...).
from course.lab.variant import my_values as my_values

if TYPE_CHECKING:
    import pandas as pd

#: The course base image (busybox on scratch), as notebooks refer to it.
BASE_IMAGE = image_ref(BASE)
NAMESPACES = ("pid", "net", "uts", "mnt", "ipc", "cgroup", "user")

_client: labelled.LabelledClient | None = None


def client() -> labelled.LabelledClient:
    """This kernel's labelled engine client; starts the engine and builds the image if needed."""
    global _client
    if _client is None:
        bootstrap.ensure_engine()
        api = labelled.session_client()
        try:
            api.images.get(BASE_IMAGE)  # built by `course setup`; a graded kernel cannot build it
        except docker.errors.ImageNotFound:
            ensure_image(api)
        atexit.register(cleanup)
        _client = api
    return _client


def session() -> str:
    """The session label value this kernel's objects carry."""
    return client().course_labels[config.LABEL_SESSION]


def cleanup() -> None:
    """Remove every container, network and volume this kernel's session created."""
    if _client is not None:
        remove_labelled(_client, session=_client.course_labels[config.LABEL_SESSION])


def run(command: str, api: docker.DockerClient | None = None, **kwargs) -> tuple[int, str]:
    """Run ``command`` in a fresh container of the base image (on ``api``, default this kernel's client);
    return (exit code, output)."""
    api = api or client()
    container = api.containers.run(BASE_IMAGE, ["sh", "-c", command], detach=True, **kwargs)
    try:
        status = container.wait()["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def host_pid(container: docker.models.containers.Container) -> int:
    """The host's PID of the container's main process (its PID 1)."""
    container.reload()
    return int(container.attrs["State"]["Pid"])


def namespaces(container: docker.models.containers.Container) -> pd.DataFrame:
    """The kernel namespaces of the container's PID 1 beside this notebook's own.

    The container reads its own (``/proc/1/ns``, from inside: no privilege needed on the
    host); the notebook reads its own: equal ids mean a shared namespace.
    """
    import pandas as pd  # here: every notebook imports this module, and pandas is a second of its start-up

    script = "; ".join(f"readlink /proc/1/ns/{ns}" for ns in NAMESPACES)
    inside = container.exec_run(["sh", "-c", script]).output.decode().split()
    rows = []
    for ns, theirs in zip(NAMESPACES, inside, strict=True):
        ours = os.readlink(f"/proc/self/ns/{ns}")
        rows.append({"namespace": ns, "container": theirs, "notebook": ours, "shared": theirs == ours})
    return pd.DataFrame(rows).set_index("namespace")


def proc_status(pid: int, fields: tuple[str, ...] = ("Name", "Pid", "NSpid", "Uid", "VmRSS")) -> dict[str, str]:
    """Selected lines of the host's /proc/PID/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in fields:
            out[key] = value.strip()
    return out


def host_kernel() -> str:
    """The host kernel's release (what ``uname -r`` prints on the host)."""
    return os.uname().release


def host_uptime_s() -> float:
    """Seconds since the host's kernel booted (the first number of /proc/uptime)."""
    return float(Path("/proc/uptime").read_text().split()[0])


def host_boot_id() -> str:
    """The host kernel's boot ID: drawn anew at each boot, seen alike by every container on it."""
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
