"""Autograding a class: plain serial `nbgrader autograde` vs `course autograde`, side by side.

Builds one set of submissions (solution, partial, untouched, mixed, over every assignment),
grades identical copies with both, checks every cell got the same score, and prints both
times; last line: `autograde_speedup_vs_nbgrader: X.XX`.

    .venv/bin/python benchmarks/autograde.py [--students 24] [--workers N]
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

from course import material
from course.grading import parallel, report, students
from course.grading.scratch import make_course

BIN = Path(sys.executable).parent


def build_class(root: Path, count: int) -> None:
    """``count`` submissions per assignment: the three kinds, then mixed answers."""
    rng = random.Random(7)
    make_course(root, tuple(m.ASSIGNMENT for m in material.modules()))
    for module in material.modules():
        for i in range(count):
            kind = students.STUDENTS[i] if i < 3 else rng.choice(students.STUDENTS)
            students.write_submission(kind, module, root, student=f"s{i:03d}-{kind}")


def run_serial(root: Path) -> float:
    start = time.monotonic()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for module in material.modules():
        subprocess.run([str(BIN / "nbgrader"), "autograde", module.ASSIGNMENT], cwd=root, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def run_course(root: Path, workers: int | None) -> float:
    start = time.monotonic()
    for module in material.modules():
        results = parallel.autograde_all(module.ASSIGNMENT, root=root, workers=workers)
        assert all(r.ok for r in results), [r for r in results if not r.ok]
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial, pooled = Path(tmp, "serial"), Path(tmp, "course")
        build_class(serial, args.students)
        shutil.copytree(serial, pooled)
        n = args.students * len(material.modules())
        print(f"{n} submissions, {len(material.modules())} assignment(s), {os.cpu_count()} CPUs", flush=True)
        t_serial = run_serial(serial)
        print(f"nbgrader autograde (serial): {t_serial:7.1f} s  ({t_serial / n:.2f} s/submission)", flush=True)
        t_course = run_course(pooled, args.workers)
        print(f"course autograde:            {t_course:7.1f} s  ({t_course / n:.2f} s/submission)", flush=True)
        key = ["assignment", "student", "question"]
        a = report.scores(serial).sort_values(key)[[*key, "score"]].reset_index(drop=True)
        b = report.scores(pooled).sort_values(key)[[*key, "score"]].reset_index(drop=True)
        identical = len(a) > 0 and a.equals(b)
        print(f"scores identical: {identical} ({len(a)} graded cells)")
        if not identical:
            sys.exit("scores differ between serial nbgrader and course autograde")
        print(f"autograde_speedup_vs_nbgrader: {t_serial / t_course:.2f}")


if __name__ == "__main__":
    main()
