"""Side-by-side measurements of a VM and a container, as tidy rows.

One row per start: ``kind`` ("vm" or "container"), ``run``, ``start_s`` (to a ready
shell that ran a command), ``memory_mb`` (what it costs the host: QEMU's resident memory,
or the container's memory cgroup, which leaves out its containerd shim), ``disk_mb`` (what
it starts from: kernel + initramfs, or the image), ``kernel`` (the release it runs on) and
``boot_id`` (the running kernel's boot ID: a release names a build, the boot ID one boot of it).

``taken`` records every measurement in the order it was made, so a check can tell whether
VMs and containers were alternated whatever the rows were sorted into afterwards.
"""

from __future__ import annotations

import time

import docker
import pandas as pd
from tqdm.auto import tqdm

COLUMNS = ["kind", "run", "start_s", "memory_mb", "disk_mb", "kernel", "boot_id"]
MB = 1024 * 1024
BOOT_ID = "/proc/sys/kernel/random/boot_id"

#: (kind, run) of every row measured by this Python process, in order.
taken: list[tuple[str, int]] = []


def container_cgroup_memory(container: docker.models.containers.Container) -> int:
    """Bytes the container's memory cgroup holds (cgroup v1 or v2), read from inside."""
    script = "cat /sys/fs/cgroup/memory/memory.usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.current"
    out = container.exec_run(["sh", "-c", script]).output.decode().strip()
    return int(out) if out.isdigit() else 0


def container_row(api: docker.DockerClient, image: str, run: int) -> dict:
    """Start a container, run ``uname -r`` in it, measure; remove it."""
    taken.append(("container", run))
    started = time.perf_counter()
    box = api.containers.run(image, "sleep 60", detach=True)
    try:
        kernel = box.exec_run(["uname", "-r"]).output.decode().strip()
        start_s = time.perf_counter() - started
        memory = container_cgroup_memory(box)
        boot_id = box.exec_run(["cat", BOOT_ID]).output.decode().strip()
        disk = api.images.get(image).attrs["Size"]
    finally:
        box.remove(force=True)
    return {"kind": "container", "run": run, "start_s": start_s, "memory_mb": memory / MB,
            "disk_mb": disk / MB, "kernel": kernel, "boot_id": boot_id}


def vm_row(run: int, memory_mb: int = 256) -> dict:
    """Boot a VM, run ``uname -r`` in it, measure; shut it down."""
    from course import vm as course_vm

    taken.append(("vm", run))
    started = time.perf_counter()
    with course_vm.boot(memory_mb=memory_mb) as machine:
        kernel = machine.run("uname -r", check=True).output.strip()
        start_s = time.perf_counter() - started
        memory = machine.host_rss_bytes()
        boot_id = machine.boot_id()
    return {"kind": "vm", "run": run, "start_s": start_s, "memory_mb": memory / MB,
            "disk_mb": course_vm.disk_footprint_bytes() / MB, "kernel": kernel, "boot_id": boot_id}


def compare(api: docker.DockerClient, image: str, repeats: int = 3) -> pd.DataFrame:
    """``repeats`` starts of each, interleaved (so load drift hits both), as a tidy DataFrame."""
    rows = []
    for run in tqdm(range(repeats), desc="VM and container starts", unit="pair"):
        rows.append(vm_row(run))
        rows.append(container_row(api, image, run))
    return pd.DataFrame(rows, columns=COLUMNS)
