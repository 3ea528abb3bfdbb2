"""What the allow-list view costs per submission: `course autograde` with the view vs `--unconfined`.

Builds one class (the three kinds of submission, then a random mix, spread over the assignments),
copies it, and grades the two copies assignment by assignment with the same pool, one copy in the
view (bubblewrap) and one without it, alternating which goes first so a drift in the machine's load
hits both alike. Checks that every graded cell got the same score; prints both times per
submission and the difference; last line: `view_cost_ratio: X.XX` (view time / unconfined time).

    .venv/bin/python benchmarks/view_cost.py [--submissions 12] [--workers N] [--assignments a,b]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograde import build_class

from course.grading import parallel, report, sandbox
from course.material import lessons


def grade(root: Path, assignment: str, workers: int | None, unconfined: bool) -> float:
    start = time.monotonic()
    results = parallel.autograde([assignment], root=root, workers=workers, force=True, unconfined=unconfined)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=12)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--assignments", default="", help="comma-separated (default: all)")
    args = parser.parse_args()
    print(f"isolation: {sandbox.require_view()}", flush=True)
    wanted = [a for a in args.assignments.split(",") if a]
    modules = [m for m in lessons.ordered() if not wanted or m.assignment in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        viewed, bare = Path(tmp, "view"), Path(tmp, "unconfined")
        build_class(viewed, modules, args.submissions)
        shutil.copytree(viewed, bare)
        print(f"{args.submissions} submissions over {len(modules)} assignment(s), {os.cpu_count()} CPUs, "
              f"workers: {args.workers or os.cpu_count()}", flush=True)
        totals = {"view": 0.0, "unconfined": 0.0}
        for i, module in enumerate(modules):
            runs = [("view", viewed, False), ("unconfined", bare, True)]
            for kind, root, unconfined in runs if i % 2 == 0 else runs[::-1]:
                seconds = grade(root, module.assignment, args.workers, unconfined)
                totals[kind] += seconds
                print(f"  {module.assignment:<12} {kind:<10} {seconds:7.1f} s", flush=True)
        n = args.submissions
        for kind, seconds in totals.items():
            print(f"{kind:<10} {seconds:7.1f} s  ({seconds / n:.2f} s/submission)")
        print(f"cost of the view: {(totals['view'] - totals['unconfined']) / n:+.2f} s/submission")
        key = ["assignment", "student", "question"]
        a = report.scores(viewed).sort_values(key)[[*key, "score"]].reset_index(drop=True)
        b = report.scores(bare).sort_values(key)[[*key, "score"]].reset_index(drop=True)
        identical = len(a) > 0 and a.equals(b)
        print(f"scores identical: {identical} ({len(a)} graded cells)")
        if not identical:
            diff = a.merge(b, on=key, how="outer", suffixes=("_view", "_unconfined"))
            print(diff[diff.score_view != diff.score_unconfined].to_string())
            sys.exit("scores differ between the view and --unconfined")
        print(f"view_cost_ratio: {totals['view'] / totals['unconfined']:.2f}")


if __name__ == "__main__":
    main()
