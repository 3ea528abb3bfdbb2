"""The VM side of the course's VM-vs-container comparison, as plain numbers.

``vm_facts(vm)`` describes a running VM; ``measure()`` boots one just for that. The
container side (and the table that puts both together) lives elsewhere.
"""

from __future__ import annotations

import time

from course.vm import boot, disk_footprint_bytes
from course.vm.machine import VM


def vm_facts(vm: VM) -> dict[str, object]:
    """Boot time, accelerator, memory and footprint of a running VM, plus a command's round trip."""
    t0 = time.monotonic()
    vm.run("true", check=True)
    return {
        "kind": "vm",
        "accel": vm.accel,
        "boot_seconds": round(vm.boot_seconds, 3),
        "boot_cpu_seconds": round(vm.boot_cpu_seconds, 3),
        "command_round_trip_seconds": round(time.monotonic() - t0, 4),
        "kernel_release": vm.kernel_release(),
        "guest_memory_kb": vm.memory_kb(),
        "guest_cpus": vm.cpus(),
        "guest_processes": len(vm.processes()),
        "host_rss_bytes": vm.host_rss_bytes(),
        "disk_footprint_bytes": disk_footprint_bytes(vm.profile),
    }


def measure(memory_mb: int = 256, cpus: int = 1, profile: str = "fast") -> dict[str, object]:
    """Boot a VM, take ``vm_facts``, shut it down."""
    with boot(memory_mb=memory_mb, cpus=cpus, profile=profile) as vm:
        return vm_facts(vm)
