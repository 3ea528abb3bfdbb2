"""What the allow-list view costs per submission: `course autograde` with the view vs `--unconfined`.

Builds one class (the three kinds of submission, then a random mix, spread over the assignments),
copies it, and grades the two copies assignment by assignment with the same pool, one copy in the
view (bubblewrap) and one without it, alternating which goes first so a drift in the machine's load
hits both alike. Checks that every graded cell got the same score; prints both times per
submission and the difference; last line: `view_cost_ratio: X.XX` (view time / unconfined time).

    .venv/bin/python benchmarks/view_cost.py [--submissions 12] [--workers N] [--assignments a,b]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograde import class_arguments, run_course, same_scores, two_copies

from course.grading import sandbox


def main() -> None:
    parser = class_arguments(__doc__, 12)
    args = parser.parse_args()
    print(f"isolation: {sandbox.require_view()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        modules, viewed, bare = two_copies(args, Path(tmp), ("view", "unconfined"))
        totals = {"view": 0.0, "unconfined": 0.0}
        for i, module in enumerate(modules):
            runs = [("view", viewed, False), ("unconfined", bare, True)]
            for kind, root, unconfined in runs if i % 2 == 0 else runs[::-1]:
                seconds = run_course(root, [module.assignment], args.workers, force=True, unconfined=unconfined)
                totals[kind] += seconds
                print(f"  {module.assignment:<12} {kind:<10} {seconds:7.1f} s", flush=True)
        n = args.submissions
        for kind, seconds in totals.items():
            print(f"{kind:<10} {seconds:7.1f} s  ({seconds / n:.2f} s/submission)")
        print(f"cost of the view: {(totals['view'] - totals['unconfined']) / n:+.2f} s/submission")
        same_scores(viewed, bare, ("view", "unconfined"), "the view and --unconfined")
        print(f"view_cost_ratio: {totals['view'] / totals['unconfined']:.2f}")


if __name__ == "__main__":
    main()
