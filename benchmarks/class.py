"""A class at once on the class server: N students log in, start their servers and Run All together.

For N = 1, 5 and 10 (``--students``): a hub of its own (temporary state, a free port) with N roster
accounts; every student logs in through the hub's REST API (a token of their own), asks for their
server at the same moment, then runs the `containers` notebook (solutions included) top to bottom
in a kernel of that server, all at once, each as their own user, in their view, behind their own
guard. Printed per N: time until every server is ready, median and p95 of the Run Alls, and the
memory per active student (resident set of their server, kernel and view, plus their guard; unique
pages, so shared libraries count once), measured while every kernel is still alive.

The last line is ``class_slowdown_10_vs_1: X.XX`` (the median Run All with the largest class over
the one with a single student).
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/queue.py would shadow the standard library's `queue` (urllib3 imports it): keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import pwd
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import psutil

from course import config
from course.apps import classhub
from course.apps.hub_client import Student
from course.engine import client, remove_labelled
from course.grading import sandbox
from course.guard.runner import default_socket
from course.layout import Layout
from course.material import lessons
from course.services import hub as class_hub


def cells() -> list[str]:
    lesson = lessons.get("containers")
    nb = nbformat.read(Layout().source(lesson.assignment) / lesson.filename, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def memory(name: str) -> int:
    """Bytes of unique memory of a student's processes (server, kernel, view) and their guard."""
    uid = pwd.getpwnam(sandbox.student_user(name)).pw_uid
    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    pid = default_socket(name).with_suffix(".pid")
    if pid.exists():
        procs.append(psutil.Process(int(pid.read_text().split()[0])))
    total = 0
    for proc in procs:
        try:
            total += proc.memory_full_info().uss
        except psutil.Error:
            pass
    return total


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def one_class(n: int, code: list[str]) -> dict[str, float]:
    names = [f"bench-s{i}" for i in range(1, n + 1)]
    with tempfile.TemporaryDirectory(prefix="class-bench-") as tmp:
        hub = class_hub.Hub(port=class_hub.free_port(), state=Path(tmp) / "hub", course_root=config.ROOT)
        hub.add_accounts([(name, "Bench", name, "") for name in names])
        classhub.serve(hub)
        try:
            people = [Student(hub, name).login() for name in names]
            t0 = time.monotonic()
            with ThreadPoolExecutor(n) as pool:
                list(pool.map(lambda s: s.start(), people))
                list(pool.map(lambda s: s.wait_ready(), people))
            ready = time.monotonic() - t0

            def run_all(student: Student) -> float:
                student.start_kernel()
                started = time.monotonic()
                student.run_all(code)
                return time.monotonic() - started

            with ThreadPoolExecutor(n) as pool:
                times = list(pool.map(run_all, people))
            per_student = statistics.mean(memory(s.name) for s in people)
            with ThreadPoolExecutor(n) as pool:
                list(pool.map(lambda s: s.stop(), people))
        finally:
            class_hub.stop_hub(hub)
            api = client()
            for name in names:
                remove_labelled(api, owner=name)
            api.close()
    result = {"ready": ready, "median": statistics.median(times), "p95": p95(times), "memory": per_student}
    print(f"N={n:>2}: all {n} servers ready in {ready:.1f} s; Run All median {result['median']:.1f} s, "
          f"p95 {result['p95']:.1f} s; memory per active student {per_student / 2**20:.0f} MiB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args()
    code = cells()
    results = {n: one_class(n, code) for n in args.students}
    small, large = min(results), max(results)
    print(f"class_slowdown_{large}_vs_{small}: {results[large]['median'] / results[small]['median']:.2f}")


if __name__ == "__main__":
    main()
