"""What every graded kernel pays before its first cell: the launcher's and `course.lab`'s imports.

The launcher runs once per kernel (each graded submission, each Validate, each lab kernel) and
`from course import lab` opens nearly every notebook: neither may pull in nbgrader (with
Jupyter's server extensions, about a second) or pandas (another) on import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("module", "heavy"), [
    ("course.grading.sandbox_launch", ("nbgrader", "pandas", "jupyter_server", "docker")),
    ("course.lab", ("nbgrader", "pandas", "matplotlib")),
])
def test_start_up_imports_stay_light(module, heavy):
    probe = f"import sys, {module}; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [], f"importing {module} loads {res.stdout.strip()}"
