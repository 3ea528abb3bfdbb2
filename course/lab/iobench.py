"""Timing file writes and reads from a shell, the same way in a container and in the VM.

The clock is read *inside* the container or guest, so what is timed is the I/O alone, not
the way in (an exec, a serial console): busybox ash's ``$EPOCHREALTIME`` gives microseconds
without starting a process (busybox ``date`` has no %N, and a fork costs tens of
milliseconds in an emulated guest).
"""

from __future__ import annotations

from collections.abc import Callable

import docker
import pandas as pd
from docker.models.containers import Container

from course.images import BASE, image_ref

#: Shell arithmetic for "microseconds from $t0 to $t1", both read from $EPOCHREALTIME ("SECONDS.UUUUUU").
ELAPSED_US = "$(( ${t1%.*}${t1#*.} - ${t0%.*}${t0#*.} ))"

Runner = Callable[[str], str]


class CommandFailed(RuntimeError):
    """A measurement command exited non-zero."""


def timed(command: str) -> str:
    """A shell script printing how many microseconds ``command`` took (its own output is discarded)."""
    return (f"t0=$EPOCHREALTIME\n{{ {command}\n}} >/dev/null 2>&1 || exit $?\nt1=$EPOCHREALTIME\n"
            f"d={ELAPSED_US}; [ $d -gt 0 ] || d=1; echo $d")


def container_runner(container: Container) -> Runner:
    """``run(command) -> output`` for a running container (``sh -c`` through exec)."""

    def run(command: str) -> str:
        result = container.exec_run(["sh", "-c", command])
        output = result.output.decode(errors="replace")
        if result.exit_code != 0:
            raise CommandFailed(f"exit status {result.exit_code} in the container: {output.strip()[-300:]}")
        return output

    return run


def vm_runner(vm) -> Runner:
    """``run(command) -> output`` for a booted ``course.vm`` VM (its serial console)."""

    def run(command: str) -> str:
        return vm.run(command, timeout=60, check=True).output

    return run


def measure(run: Runner, path: str, mib: int, repeat: int = 3) -> dict[str, float]:
    """Write ``mib`` MiB to ``path`` with fsync, read it back, remove it; best MiB/s of ``repeat``.

    The best run is the one least disturbed by other work on the host. The read comes
    from the page cache (the kernel keeps what was just written): it is a memory copy
    through the kernel, the cheapest I/O there is.
    """
    script = timed(f"dd if=/dev/zero of={path} bs=1M count={mib} conv=fsync") + "\n" + \
        timed(f"dd if={path} of=/dev/null bs=1M") + f"\nrm -f {path}"
    return _best(run, script, mib, repeat)


def measure_device(run: Runner, device: str, mib: int, repeat: int = 3) -> dict[str, float]:
    """Write ``mib`` MiB raw to the block device ``device``, read them back; best MiB/s of ``repeat``.

    Both with O_DIRECT (``oflag=direct``, ``iflag=direct``; ``conv=fsync`` also flushes the
    device's write cache): every byte crosses the device once, in 1 MiB requests, and
    none is served from the guest's page cache, so what is timed is the device path
    itself. Overwrites the device's first ``mib`` MiB; nothing is removed afterwards.
    """
    script = timed(f"dd if=/dev/zero of={device} bs=1M count={mib} oflag=direct conv=fsync") + "\n" + \
        timed(f"dd if={device} of=/dev/null bs=1M count={mib} iflag=direct")
    return _best(run, script, mib, repeat)


def _best(run: Runner, script: str, mib: int, repeat: int) -> dict[str, float]:
    """Run ``script`` (printing write then read microseconds) ``repeat`` times; the best MiB/s of each."""
    writes, reads = [], []
    for _ in range(max(1, repeat)):
        micros = [int(x) for x in run(script).split()]
        writes.append(mib / (micros[0] / 1e6))
        reads.append(mib / (micros[1] / 1e6))
    return {"write_mib_s": max(writes), "read_mib_s": max(reads)}


#: Iterations of the shell loop that times the CPU alone (no I/O): a few ms natively.
CPU_LOOP = 20_000


def cpu_loop_ms(run: Runner, iterations: int = CPU_LOOP, repeat: int = 3) -> float:
    """Milliseconds a pure CPU task takes where ``run`` runs (a busybox ash loop; best of ``repeat``).

    No system call happens inside the loop, so it times how fast the CPU runs the shell's
    code there: natively in a container or a KVM guest, instruction by instruction under TCG.
    """
    loop = f"i=0; while [ $i -lt {iterations} ]; do i=$((i+1)); done"
    return min(int(run(timed(loop))) for _ in range(max(1, repeat))) / 1000


def cpu_compare(api: docker.DockerClient, vm, iterations: int = CPU_LOOP, repeat: int = 3) -> pd.DataFrame:
    """The same CPU-only loop in a container and in the VM: how much of the VM's slowness is its CPU."""
    container = api.containers.run(image_ref(BASE), "sleep 300", detach=True)
    try:
        here = cpu_loop_ms(container_runner(container), iterations, repeat)
    finally:
        container.remove(force=True)
    there = cpu_loop_ms(vm_runner(vm), iterations, repeat)
    return pd.DataFrame([{"where": "container", "kernel": "host (shared)", "loop_ms": here},
                         {"where": "vm", "kernel": f"guest (own, QEMU {vm.accel})", "loop_ms": there}]
                        ).set_index("where")


def in_containers(api: docker.DockerClient, mib: int = 32, repeat: int = 3) -> list[dict]:
    """Measure the three places a container writes: its overlay2 layer, a volume, a tmpfs."""
    volume = api.volumes.create()
    container = api.containers.run(image_ref(BASE), "sleep 300", detach=True,
                                   volumes={volume.name: {"bind": "/vol", "mode": "rw"}},
                                   tmpfs={"/scratch": f"size={2 * mib}m"})
    try:
        run = container_runner(container)
        places = (("container/overlay2", "the container's writable layer, a directory on the host's disk",
                   "/root/io.bin"),
                  ("container/volume", "a Docker volume, a directory on the host's disk", "/vol/io.bin"),
                  ("container/tmpfs", "tmpfs: the host kernel's memory", "/scratch/io.bin"))
        return [{"place": place, "kernel": "host (shared)", "storage": storage, **measure(run, path, mib, repeat)}
                for place, storage, path in places]
    finally:
        container.remove(force=True)
        volume.remove(force=True)


def in_vm(vm, mib: int = 32, repeat: int = 3) -> list[dict]:
    """Measure the VM's root filesystem, an initramfs held in the guest kernel's memory, and,
    if the VM was booted with a disk (``boot(disk_mib=...)``), its virtio-blk disk /dev/vda."""
    kernel = f"guest (own, QEMU {vm.accel})"
    rows = [{"place": "vm/ram", "kernel": kernel,
             "storage": "the guest's root filesystem: the guest kernel's memory",
             **measure(vm_runner(vm), "/tmp/io.bin", mib, repeat)}]
    disk = vm.disk
    if disk is not None:
        rows.append({"place": "vm/virtio-disk", "kernel": kernel,
                     "storage": f"/dev/vda, raw, O_DIRECT: an emulated virtio-blk device over "
                                f"an image file on the host's disk (QEMU cache={disk.cache})",
                     **measure_device(vm_runner(vm), "/dev/vda", min(mib, disk.mib), repeat)})
    return rows


def compare(api: docker.DockerClient, vm, mib: int = 32, repeat: int = 3) -> pd.DataFrame:
    """One table: write and read MiB/s in a container's three places and in the VM, by place
    (plus "vm/virtio-disk" when the VM was booted with a disk)."""
    return pd.DataFrame(in_containers(api, mib, repeat) + in_vm(vm, mib, repeat)).set_index("place")
