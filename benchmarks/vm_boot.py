"""Time the naive VM boot against the course's fast boot, each to a ready shell.

Both boots run the same initramfs and must answer ``echo`` before the clock stops.
Columns: median and minimum wall seconds to the answered echo, median QEMU CPU seconds
to the ready marker (steadier under load), median guest uptime at ready.
Runs are interleaved (and the order alternates each round) because the machine is
shared and noisy. ``--ablation`` adds the intermediate steps, cumulatively, so each
tuning's share shows. The last line is ``vm_boot_speedup_vs_naive: X.XX``.

    .venv/bin/python benchmarks/vm_boot.py [-n 5] [--ablation]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from tqdm import tqdm

from course.vm import Assets, choose_accel, ensure_assets, machine, tuning
from course.vm.accel import QEMU, AccelChoice

Argv = Callable[[Assets, str], list[str]]
MEM, CPUS = 256, 1


def _fast_with(cmdline: tuple[str, ...], machine_opts: str = "", memory_mb: int = MEM) -> Argv:
    """The fast boot (microvm, PVH vmlinux) with exactly ``cmdline`` plus the TCG timer facts."""
    def argv(a: Assets, accel: str) -> list[str]:
        full = tuning.fast_argv(a.kernel.vmlinux, a.initramfs, accel, memory_mb, CPUS)
        tcg = tuning.tcg_cmdline() if accel == "tcg" else ()
        full[full.index("-append") + 1] = " ".join([*cmdline, *tcg])
        full[full.index("-M") + 1] += machine_opts
        return full
    return argv


def _pc_pvh(bios: str | None) -> Argv:
    """``-M pc`` booting the ELF vmlinux through its PVH entry (SeaBIOS or qboot firmware)."""
    def argv(a: Assets, accel: str) -> list[str]:
        full = tuning.naive_argv(a.kernel.vmlinux, a.initramfs, accel, MEM, CPUS)
        return full + (["-bios", bios] if bios else [])
    return argv


def variants(ablation: bool, extra: list[str]) -> dict[str, Argv]:
    """naive and course; with ``ablation`` the steps between them, cumulatively; ``extra``
    cmdline parameters are each tried on top of the course boot."""
    naive: Argv = lambda a, accel: tuning.naive_argv(a.kernel.vmlinuz, a.initramfs, accel, MEM, CPUS)
    out: dict[str, Argv] = {"naive": naive}
    if ablation:
        out["pc + PVH vmlinux (SeaBIOS)"] = _pc_pvh(None)
        out["pc + PVH vmlinux + qboot"] = _pc_pvh("qboot.rom")
        acc: tuple[str, ...] = ()
        for i, step in enumerate(tuning.CMDLINE_STEPS):
            acc += step
            label = "microvm + PVH, " + " ".join(step) if i == 0 else "+ " + " ".join(step)
            out[label] = _fast_with(acc)
    for param in extra:
        if param.startswith("mem:"):
            out[f"course, {param[4:]} MB"] = _fast_with(tuning.FAST_CMDLINE, memory_mb=int(param[4:]))
        elif param.startswith("M:"):
            out[f"course, -M microvm{param[2:]}"] = _fast_with(tuning.FAST_CMDLINE, machine_opts=param[2:])
        else:
            out[f"course + {param}"] = _fast_with(tuning.FAST_CMDLINE + tuple(param.split()))
    out["course"] = _fast_with(tuning.FAST_CMDLINE)
    return out


def one_boot(argv: list[str], accel: AccelChoice, label: str) -> tuple[float, float, float]:
    """(wall seconds to an answered ``echo``, QEMU CPU seconds to ready, guest uptime at ready)."""
    t0 = time.monotonic()
    vm = machine.start(argv, accel, label, MEM, CPUS, boot_timeout=120, command_timeout=30)
    try:
        res = vm.run("echo ready")
        total = time.monotonic() - t0
        if res.output.strip() != "ready":
            raise RuntimeError(f"{label}: echo answered {res.output!r}")
        return total, vm.boot_cpu_seconds, vm.guest_uptime_at_ready
    finally:
        vm.shutdown()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=5, help="boots per variant (default 5)")
    ap.add_argument("--ablation", action="store_true", help="also time each tuning step")
    ap.add_argument("--try", dest="extra", action="append", default=[],
                    help="kernel parameter(s) to try on top of the course boot (repeatable); "
                         "mem:N tries N MB, M:,opt=val adds microvm options")
    args = ap.parse_args(argv)

    assets = ensure_assets()
    accel = choose_accel()
    print(f"accel: {accel.name} ({accel.reason})")
    print(f"kernel: {assets.kernel.package} {assets.kernel.version}; QEMU: {QEMU}")
    todo = variants(args.ablation, args.extra)
    times: dict[str, list[tuple[float, float, float]]] = {k: [] for k in todo}
    with tqdm(total=args.runs * len(todo), file=sys.stderr, desc="boots") as bar:
        for i in range(args.runs):
            order = list(todo) if i % 2 == 0 else list(reversed(todo))
            for label in order:
                bar.set_postfix_str(label[:30])
                times[label].append(one_boot(todo[label](assets, accel.name), accel, label))
                bar.update()

    print(f"\n{'variant':34s} {'median':>8s} {'min':>7s} {'cpu':>7s} {'guest':>7s}   runs (wall to answered echo)")
    med = {}
    for label, rows in times.items():
        med[label] = statistics.median(r[0] for r in rows)
        print(f"{label:34s} {med[label]:7.3f}s {min(r[0] for r in rows):6.3f}s "
              f"{statistics.median(r[1] for r in rows):6.3f}s {statistics.median(r[2] for r in rows):6.3f}s   "
              + " ".join(f"{r[0]:.2f}" for r in rows))
    cpu = {k: statistics.median(r[1] for r in rows) for k, rows in times.items()}
    print(f"\nnaive_median_s: {med['naive']:.3f}")
    print(f"course_median_s: {med['course']:.3f}")
    print(f"cpu_speedup_vs_naive: {cpu['naive'] / cpu['course']:.2f}  (QEMU CPU seconds to ready: "
          f"{cpu['naive']:.2f} vs {cpu['course']:.2f}; steadier than wall time on a shared machine)")
    print(f"vm_boot_speedup_vs_naive: {med['naive'] / med['course']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
