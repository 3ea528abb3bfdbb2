"""Autograding a class: plain serial `nbgrader autograde` vs `course autograde`, side by side.

Builds one set of submissions (solution, partial, untouched, then a random mix, spread
over the assignments) and grades identical copies with both tools: serial nbgrader one
assignment after another, as an instructor would run it, and `course autograde` of the
whole class in one pool. The course run sits between the two halves of the serial run,
so a drift in the machine's load hits both alike (``--per-assignment`` instead grades
assignment by assignment, alternating which goes first). Checks that every graded cell
got the same score, prints both times and the CPU each side kept busy (all processes: the
kernels, QEMU, dockerd), and the pool's ceiling unless it does less CPU work than serial:
serial's CPU work spread over every CPU. Last line: `autograde_speedup_vs_nbgrader: X.XX`.

    .venv/bin/python benchmarks/autograde.py [--submissions 24] [--workers N] [--assignments a,b]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

# benchmarks/queue.py is named like the standard library's `queue`, which the pool imports: run as a
# script (or imported by view_cost.py), this folder must not stay on the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from course.grading import parallel, report, students
from course.grading.scratch import make_course
from course.material import lessons

BIN = Path(sys.executable).parent


def build_class(root: Path, modules: list, count: int) -> None:
    """``count`` submissions spread over ``modules``: the three kinds first, then a mix."""
    rng = random.Random(7)
    make_course(root, tuple(m.assignment for m in modules))
    for i in range(count):
        module = modules[i % len(modules)]
        nth = i // len(modules)
        kind = students.STUDENTS[nth] if nth < 3 else rng.choice(students.STUDENTS)
        students.write_submission(kind, module, root, student=f"s{i:03d}-{kind}")


def same_scores(a_root: Path, b_root: Path, names: tuple[str, str], what: str) -> None:
    """Print whether every graded cell scored the same in both course directories; exit if not."""
    key = ["assignment", "student", "question"]
    a = report.scores(a_root).sort_values(key)[[*key, "score"]].reset_index(drop=True)
    b = report.scores(b_root).sort_values(key)[[*key, "score"]].reset_index(drop=True)
    identical = len(a) > 0 and a.equals(b)
    print(f"scores identical: {identical} ({len(a)} graded cells)")
    if not identical:
        diff = a.merge(b, on=key, how="outer", suffixes=tuple(f"_{n}" for n in names))
        print(diff[diff[f"score_{names[0]}"] != diff[f"score_{names[1]}"]].to_string())
        sys.exit(f"scores differ between {what}")


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (idle, iowait and stolen time left out)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq


def run_serial(root: Path, assignment: str) -> float:
    start = time.monotonic()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(BIN / "nbgrader"), "autograde", assignment], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def run_course(root: Path, assignments: list[str], workers: int | None, **options) -> float:
    """Seconds `course autograde` takes on ``assignments`` (``options``: e.g. force, unconfined)."""
    start = time.monotonic()
    results = parallel.autograde(assignments, root=root, workers=workers, **options)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return time.monotonic() - start


def class_arguments(doc: str, submissions: int) -> argparse.ArgumentParser:
    """The options every grading benchmark takes: the class's size, the workers, the assignments."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=submissions)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--assignments", default="", help="comma-separated (default: all)")
    return parser


def two_copies(args: argparse.Namespace, tmp: Path, names: tuple[str, str]) -> tuple[list, Path, Path]:
    """The chosen lessons and two identical copies of one class under ``tmp`` (named ``names``)."""
    wanted = [a for a in args.assignments.split(",") if a]
    modules = [m for m in lessons.ordered() if not wanted or m.assignment in wanted]
    first, second = tmp / names[0], tmp / names[1]
    build_class(first, modules, args.submissions)
    shutil.copytree(first, second)
    print(f"{args.submissions} submissions over {len(modules)} assignment(s), {os.cpu_count()} CPUs, "
          f"workers: {args.workers or f'{os.cpu_count()}, more while the CPU idles'}", flush=True)
    return modules, first, second


def main() -> None:
    parser = class_arguments(__doc__, 24)
    parser.add_argument("--per-assignment", action="store_true",
                        help="grade assignment by assignment (one pool each) instead of the class at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        modules, serial, pooled = two_copies(args, Path(tmp), ("serial", "course"))
        totals = {"serial": 0.0, "course": 0.0}
        cpu = {"serial": 0.0, "course": 0.0}

        def timed(kind: str, run, label: str) -> None:
            before = busy_cpu_seconds()
            seconds = run()
            cpu[kind] += busy_cpu_seconds() - before
            totals[kind] += seconds
            print(f"  {label:<12} {kind:<7} {seconds:7.1f} s", flush=True)

        names = [m.assignment for m in modules]
        if args.per_assignment:
            for i, name in enumerate(names):
                runs = [("serial", lambda a=name: run_serial(serial, a)),
                        ("course", lambda a=name: run_course(pooled, [a], args.workers))]
                for kind, run in runs if i % 2 == 0 else runs[::-1]:
                    timed(kind, run, name)
        else:
            half = len(names) // 2
            for name in names[:half]:
                timed("serial", lambda a=name: run_serial(serial, a), name)
            timed("course", lambda: run_course(pooled, names, args.workers), "all (one pool)")
            for name in names[half:]:
                timed("serial", lambda a=name: run_serial(serial, a), name)
        n, cpus = args.submissions, os.cpu_count() or 1
        for kind, label in (("serial", "nbgrader autograde (serial):"), ("course", "course autograde:")):
            print(f"{label:<29}{totals[kind]:7.1f} s  ({totals[kind] / n:.2f} s/submission; "
                  f"CPU {cpu[kind]:.1f} s, {cpu[kind] / totals[kind]:.2f} of {cpus} CPUs busy)")
        # The pool's ceiling here unless it does less CPU work than serial: serial's work on every CPU.
        print(f"ratio with serial's CPU work on every CPU: {totals['serial'] / (cpu['serial'] / cpus):.2f} "
              f"(the pool's CPU work is {cpu['course'] / cpu['serial']:.2f}x serial's)")
        same_scores(serial, pooled, ("serial", "course"), "serial nbgrader and course autograde")
        print(f"autograde_speedup_vs_nbgrader: {totals['serial'] / totals['course']:.2f}")


if __name__ == "__main__":
    main()
