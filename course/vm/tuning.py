"""How the course boots fast, and the naive boot it is compared with.

Each choice is here with why it pays (figures: TCG, Debian 6.1 kernel, 2-core host,
ready-shell wall time; see benchmarks/vm_boot.py for the ablation that measures them).

The naive boot is what ``qemu-system-x86_64 -kernel vmlinuz`` gives: the ``pc``
machine, SeaBIOS, its option ROMs, the kernel decompressing itself (XZ, slow under
TCG) and probing every legacy device, with all its messages on the serial port.

The fast boot:

* ``-M microvm``: no PCI bus, no firmware tables beyond a small ACPI, a few devices;
  qboot-style firmware that jumps straight to the kernel.
* the uncompressed ELF ``vmlinux`` entered at its PVH entry point: no bzImage setup
  code and no in-guest XZ decompression (the largest single saving under TCG).
* ``-nodefaults -no-user-config``: no VGA, NIC, monitor or config files.
* kernel command line (``FAST_CMDLINE``), each measured or needed:
  ``tsc_early_khz`` (host TSC rate = guest TSC rate under TCG; microvm has no PIT/HPET
  reference good enough, and a failed calibration sometimes *hangs* the boot),
  ``cryptomgr.notests`` (crypto self-tests: ~0.3 s), ``rodata=off`` (skips write-protecting
  and W+X-checking the kernel image: ~0.1 s), ``lsm=capability audit=0`` (no AppArmor,
  IMA/EVM or audit set-up: ~0.05-0.1 s), ``quiet`` (fewer bytes through the emulated UART),
  ``tsc=reliable no_timer_check`` (no clocksource watchdog / timer check),
  ``noreplace-smp`` (on one CPU the kernel otherwise rewrites ~9,000 ``lock`` prefixes
  one ``text_poke`` at a time, each switching page tables: ~0.1-0.2 s under TCG; found
  by breaking on ``__text_poke`` in QEMU's gdbstub),
  ``initcall_blacklist=ftrace_check_for_weak_functions`` (ftrace looks up the symbol of
  each of its ~40,500 patchable call sites to spot weak functions: ~0.1 s of CPU under
  TCG; it only matters to the ftrace function tracer, unused in the course VM; found the
  same way, breaking on ``get_symbol_pos``),
  ``panic=-1`` (a crashed guest exits QEMU at once instead of hanging).
* the vmlinux file trimmed of its zero tail (kernel.trim_vmlinux: 66 -> 35 MB, ~0.05 s
  less loading) and an uncompressed initramfs whose /init forks as little as it can.

Tried and rejected (measured): ``noapictimer`` (saves the ~0.1 s APIC timer
calibration but guest timers then never fire: ``sleep 1`` hangs); ``-M microvm,rtc=off``
(or pit/pic off: boots 2-3x *slower*); blacklisting the other slow initcalls (a
non-empty blacklist costs a symbol lookup per initcall, more than most of them take); a gzip
initramfs (~0.07 s slower under TCG); ``mitigations=off``, ``retbleed=force``, 128 MB
instead of 256 MB, ``-cpu max``, ``init_on_alloc=0``, ``numa=off``, ``nowatchdog``,
``transparent_hugepage=never``, ``cgroup_disable=memory``: no gain above the noise. The APIC timer calibration,
the kernel's ~51,000 return-site patches at boot and its BSS clear remain: fixed costs
of a distribution kernel that only a custom-built kernel would remove.
"""

from __future__ import annotations

from pathlib import Path

from course.vm.accel import QEMU


def host_tsc_khz() -> int | None:
    """The host's TSC rate in kHz (TCG guests read the host TSC), from sysfs or /proc/cpuinfo."""
    try:
        return int(Path("/sys/devices/system/cpu/cpu0/tsc_freq_khz").read_text())
    except (OSError, ValueError):
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return int(float(line.split(":", 1)[1]) * 1000)
    except (OSError, ValueError):
        pass
    return None


def tcg_cmdline() -> tuple[str, ...]:
    """The TSC rate the guest would otherwise measure slowly (and flakily) under TCG."""
    khz = host_tsc_khz()
    return (f"tsc_early_khz={khz}",) if khz else ()


#: The fast boot's kernel parameters, in the order the ablation benchmark adds them.
CMDLINE_STEPS: tuple[tuple[str, ...], ...] = (
    ("console=ttyS0",),
    ("quiet", "panic=-1"),
    ("cryptomgr.notests",),
    ("rodata=off",),
    ("lsm=capability", "audit=0"),
    ("tsc=reliable", "no_timer_check"),
    ("noreplace-smp",),
    ("initcall_blacklist=ftrace_check_for_weak_functions",),
)
FAST_CMDLINE: tuple[str, ...] = tuple(p for step in CMDLINE_STEPS for p in step)

#: The naive boot's kernel parameters: only what is needed to see its serial console.
NAIVE_CMDLINE: tuple[str, ...] = ("console=ttyS0",)


def fast_argv(vmlinux: Path, initrd: Path, accel: str, memory_mb: int, cpus: int,
              extra_cmdline: tuple[str, ...] = ()) -> list[str]:
    """QEMU's argv for the course's fast boot (microvm, PVH vmlinux, tuned cmdline)."""
    cmdline = [*FAST_CMDLINE, *(tcg_cmdline() if accel == "tcg" else ()), *extra_cmdline]
    return [
        QEMU, "-accel", accel, "-M", "microvm", *(["-cpu", "host"] if accel == "kvm" else []),
        "-m", str(memory_mb), "-smp", str(cpus),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
        "-kernel", str(vmlinux), "-initrd", str(initrd), "-append", " ".join(cmdline),
    ]


def disk_argv(image: Path, cache: str, drive_id: str = "vda") -> list[str]:
    """QEMU's arguments for a raw image as a virtio-blk disk on microvm's virtio-mmio bus.

    The guest needs the virtio, virtio_ring, virtio_mmio and virtio_blk modules (Debian
    builds them as modules; see initramfs.ensure_disk_initramfs) and ACPI, which
    microvm uses to list its virtio-mmio transports (the fast cmdline keeps ACPI on).
    """
    return ["-drive", f"file={image},if=none,format=raw,cache={cache},id={drive_id}",
            "-device", f"virtio-blk-device,drive={drive_id}"]


def naive_argv(vmlinuz: Path, initrd: Path, accel: str, memory_mb: int, cpus: int,
               extra_cmdline: tuple[str, ...] = ()) -> list[str]:
    """QEMU's argv for the naive boot: ``-M pc``, SeaBIOS, compressed kernel, no tuning.

    ``-nic none`` only keeps the default user-mode NIC away (no traffic leaves the host).
    """
    return [
        QEMU, "-accel", accel, "-m", str(memory_mb), "-smp", str(cpus),
        "-display", "none", "-no-reboot", "-nic", "none",
        "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
        "-kernel", str(vmlinuz), "-initrd", str(initrd),
        "-append", " ".join((*NAIVE_CMDLINE, *extra_cmdline)),
    ]
