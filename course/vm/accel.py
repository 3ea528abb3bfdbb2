"""KVM or TCG: use KVM only when a short probe shows it really runs a guest.

On nested machines /dev/kvm can open fine and yet a guest that turns paging on
crawls (measured here: ~2 MB/s of page writes, so the kernel's BSS clear alone
takes minutes) or hangs. The probe is a 200-byte PVH ELF guest that enables long-mode
paging, writes 16 MiB, and exits through isa-debug-exit: a working KVM finishes in
tens of milliseconds; past the timeout the probe is killed (by its pid) and TCG is used.
The answer is cached for the process.
"""

from __future__ import annotations

import os
import shlex
import signal
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from course import config

QEMU = "qemu-system-x86_64"
#: Environment variable naming a command to run instead of the real probe (tests use
#: ``sleep 30`` to play a hanging KVM).
PROBE_CMD_ENV = "COURSE_VM_KVM_PROBE_CMD"
#: Environment variable forcing the accelerator ("kvm" or "tcg"), skipping the probe.
FORCE_ENV = "COURSE_VM_ACCEL"
DEFAULT_TIMEOUT = 1.5
_DEBUG_EXIT_OK = 3  # isa-debug-exit: status (1 << 1) | 1 for the value 1 written

# 32-bit code entered at the PVH entry (flat protected mode, paging off): build identity
# page tables at 2 MiB (2 MiB pages), enable PAE + long mode + paging, clear 16 MiB at
# 4 MiB with rep stosb, then write 1 to port 0x501 (isa-debug-exit) and halt.
_PROBE_CODE = bytes.fromhex(
    "bf0000200031c0b9000c0000f3abc7050000200003102000c7050010200003202000bf00202000"
    "b883000000b9400000008907050000200083c708e2f40f20e083c8200f22e0b8000020000f22d8"
    "b9800000c00f320d000100000f300f20c00d010000800f22c0bf00004000b90000000131c0f3aa"
    "66ba0105b001eef4ebfd"
)


@dataclass(frozen=True)
class AccelChoice:
    """Which accelerator a VM uses, and why."""

    name: str  # "kvm" or "tcg"
    reason: str
    probe_seconds: float = 0.0


_cache: dict[tuple[str, ...], AccelChoice] = {}


def probe_elf() -> Path:
    """Write (once) the probe guest: an ELF32 with a Xen PVH entry note QEMU can boot."""
    path = config.CACHE / "vm" / "kvm-probe.elf"
    load, ehsize, phsize = 0x100000, 52, 32
    off_note = ehsize + 2 * phsize
    off_code = off_note + 20
    entry = load + off_code
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)  # XEN_ELFNOTE_PHYS32_ENTRY
    header = b"\x7fELF\x01\x01\x01" + b"\0" * 9 + struct.pack(
        "<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0, ehsize, phsize, 2, 40, 0, 0)
    size = off_code + len(_PROBE_CODE)
    ph_load = struct.pack("<8I", 1, 0, load, load, size, size, 7, 0x1000)
    ph_note = struct.pack("<8I", 4, off_note, load + off_note, load + off_note, 20, 20, 4, 4)
    data = header + ph_load + ph_note + note + _PROBE_CODE
    if not (path.is_file() and path.read_bytes() == data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def probe_command() -> list[str]:
    """The probe's argv: the env override if set, else QEMU booting the probe guest under KVM."""
    override = os.environ.get(PROBE_CMD_ENV)
    if override:
        return shlex.split(override)
    return [QEMU, "-accel", "kvm", "-M", "microvm,rtc=off,isa-serial=off", "-m", "64",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", str(probe_elf()), "-device", "isa-debug-exit"]


def run_probe(argv: list[str], timeout: float) -> AccelChoice:
    """Run one probe under ``timeout``; kill it by pid (its own process group) if late."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return AccelChoice("tcg", f"KVM probe could not start ({exc})")
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group the probe leads, nothing else
        proc.communicate()
        took = time.monotonic() - start
        return AccelChoice("tcg", f"KVM probe hung: killed after {took:.1f} s, using TCG", took)
    took = time.monotonic() - start
    if proc.returncode == _DEBUG_EXIT_OK or (argv[0] != QEMU and proc.returncode == 0):
        return AccelChoice("kvm", f"KVM probe ran a paging guest in {took:.2f} s", took)
    msg = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return AccelChoice("tcg", f"KVM probe failed ({msg[0]}), using TCG", took)


def choose_accel(timeout: float = DEFAULT_TIMEOUT, probe_cmd: list[str] | None = None,
                 refresh: bool = False) -> AccelChoice:
    """KVM if /dev/kvm is usable and the probe passes within ``timeout``, else TCG (cached)."""
    forced = os.environ.get(FORCE_ENV, "").strip().lower()
    if forced in ("kvm", "tcg"):
        return AccelChoice(forced, f"forced by {FORCE_ENV}={forced}")
    if probe_cmd is None and not os.environ.get(PROBE_CMD_ENV):
        if not os.path.exists("/dev/kvm"):
            return AccelChoice("tcg", "no /dev/kvm: using TCG (software emulation)")
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return AccelChoice("tcg", "/dev/kvm not accessible to this user: using TCG")
    argv = probe_cmd or probe_command()
    key = (*argv, str(timeout))
    if refresh or key not in _cache:
        _cache[key] = run_probe(argv, timeout)
    return _cache[key]
