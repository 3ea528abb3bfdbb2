"""`make demo`'s set-up: the system part runs before the venv exists, the rest side by side."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from course.apps import setup
from course.grading import view
from course.services import broker, database, registry

ROOT = Path(__file__).resolve().parents[2]


def test_the_system_part_needs_only_the_standard_library():
    """`make setup-system` runs with the system's python3 beside the venv's pip install: no site-packages."""
    probe = ("import course.apps.setup as s, course.vm, course.system.apt;"
             "print(','.join(s.debian_packages()))")
    res = subprocess.run([sys.executable, "-S", "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().split(",") == setup.debian_packages()


def test_every_package_a_module_installs_is_in_the_list():
    from course import config, vm

    wanted = {config.ENGINE_PACKAGE, registry.PACKAGE, view.PACKAGE, *broker.PACKAGES, *database.PACKAGES,
              *vm.PACKAGES}
    assert wanted == set(setup.debian_packages())
    assert not set(vm.PACKAGES) & set(setup.debian_packages(vm=False))


def test_independent_steps_run_at_the_same_time():
    """Each step waits for the other: run one after the other, the barrier times out and the step fails."""
    both = threading.Barrier(2, timeout=10)

    def step(name: str):
        def run() -> str:
            both.wait()
            return f"{name} done"
        return run

    lines = list(setup._concurrently({"a": step("a"), "b": step("b")}))
    assert sorted(lines) == ["a: a done", "b: b done"]
