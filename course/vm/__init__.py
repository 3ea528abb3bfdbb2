"""A real virtual machine for the course: Debian's kernel under QEMU, booted in about a second.

One line each in a notebook::

    from course.vm import boot
    with boot(memory_mb=256) as vm:
        print(vm.accel, vm.boot_seconds, vm.kernel_release())
        print(vm.run("ps").output)
    with boot(disk_mib=64) as vm:          # plus a virtio-blk disk, the guest's /dev/vda
        print(vm.run("cat /sys/block/vda/size").output)

``ensure_assets()`` installs QEMU and busybox, fetches the kernel and builds the
initramfs (idempotent; ``course setup`` calls it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course.system.apt import ensure_packages
from course.vm import tuning
from course.vm.accel import AccelChoice, choose_accel
from course.vm.console import CommandResult
from course.vm.errors import (
    VMAssetsError,
    VMBootTimeout,
    VMCommandFailed,
    VMCommandTimeout,
    VMCrashed,
    VMError,
    VMNotRunning,
)
from course.vm.initramfs import ensure_disk_initramfs, ensure_initramfs
from course.vm.kernel import Kernel, ensure_kernel, ensure_modules
from course.vm.machine import VM, Disk, GuestProcess, create_disk, reap_stale, start

#: Debian packages the VM runner needs (qemu installed without recommends).
PACKAGES = ["qemu-system-x86", "busybox-static"]

DEFAULT_MEMORY_MB = 256
MIN_MEMORY_MB = 96
DEFAULT_BOOT_TIMEOUT = 60.0
DEFAULT_COMMAND_TIMEOUT = 30.0


@dataclass(frozen=True)
class Assets:
    """What a boot needs on disk."""

    kernel: Kernel
    initramfs: Path
    #: the initramfs with the virtio modules appended, for boots with a disk
    disk_initramfs: Path


def ensure_assets(install: bool = True) -> Assets:
    """Install the packages, fetch and unpack the kernel, build both initramfs. Idempotent.

    Everything is built here, by ``course setup`` (as root), never first by a graded
    kernel: its grader user may read the cache but not write it.
    """
    if install:
        ensure_packages(PACKAGES)
    kernel = ensure_kernel()
    # A virtual disk's modules: unpacked with the kernel (fetched here for caches made before).
    disk_initramfs = ensure_disk_initramfs(ensure_modules(kernel))
    return Assets(kernel, ensure_initramfs(), disk_initramfs)


def disk_footprint_bytes(profile: str = "fast") -> int:
    """Bytes on disk a VM boots from: the kernel file (vmlinux, or vmlinuz if naive) plus initramfs."""
    assets = ensure_assets(install=False)
    kernel = assets.kernel.vmlinuz if profile == "naive" else assets.kernel.vmlinux
    return kernel.stat().st_size + assets.initramfs.stat().st_size


def boot(memory_mb: int = DEFAULT_MEMORY_MB, cpus: int = 1, *, profile: str = "fast",
         accel: str | None = None, boot_timeout: float = DEFAULT_BOOT_TIMEOUT,
         command_timeout: float = DEFAULT_COMMAND_TIMEOUT, kvm_probe_timeout: float | None = None,
         extra_cmdline: tuple[str, ...] = (), disk_mib: int | None = None) -> VM:
    """Boot a VM and wait for its ready shell; usable as ``with boot() as vm:``.

    ``profile="fast"`` is the course's tuned boot (microvm, PVH vmlinux); ``"naive"`` the
    plain ``-M pc`` + SeaBIOS + vmlinuz boot it is compared with. ``accel`` forces
    "kvm" or "tcg"; by default KVM is used only if its probe passes (see ``vm.accel``).

    ``disk_mib`` (fast profile only) attaches a sparse raw image of that size as a
    virtio-blk disk, the guest's ``/dev/vda`` (``vm.disk``); it is deleted when the VM
    stops. The guest then loads the virtio modules at boot (from an appended initramfs):
    only disk boots pay for them.
    """
    if profile not in ("fast", "naive"):
        raise ValueError("profile must be 'fast' or 'naive'")
    if memory_mb < MIN_MEMORY_MB or cpus < 1:
        raise ValueError(f"need memory_mb >= {MIN_MEMORY_MB} (Debian's kernel alone takes ~50 MB) and cpus >= 1")
    if disk_mib is not None and (profile != "fast" or disk_mib < 1):
        raise ValueError("disk_mib needs profile='fast' (microvm's virtio-mmio) and at least 1 MiB")
    assets = ensure_assets(install=False)
    if accel is None:
        choice = choose_accel() if kvm_probe_timeout is None else choose_accel(kvm_probe_timeout)
    else:
        choice = AccelChoice(accel, "chosen by the caller")
    build = tuning.fast_argv if profile == "fast" else tuning.naive_argv
    kernel = assets.kernel.vmlinux if profile == "fast" else assets.kernel.vmlinuz
    initrd = assets.initramfs if disk_mib is None else assets.disk_initramfs
    argv = build(kernel, initrd, choice.name, memory_mb, cpus, extra_cmdline)
    disk = None
    if disk_mib is not None:
        disk = create_disk(disk_mib)
        argv += tuning.disk_argv(disk.path, disk.cache)
    return start(argv, choice, profile, memory_mb, cpus, boot_timeout, command_timeout, disk)


__all__ = [
    "PACKAGES",
    "VM",
    "AccelChoice",
    "Assets",
    "CommandResult",
    "Disk",
    "GuestProcess",
    "Kernel",
    "VMAssetsError",
    "VMBootTimeout",
    "VMCommandFailed",
    "VMCommandTimeout",
    "VMCrashed",
    "VMError",
    "VMNotRunning",
    "boot",
    "choose_accel",
    "disk_footprint_bytes",
    "ensure_assets",
    "reap_stale",
]
