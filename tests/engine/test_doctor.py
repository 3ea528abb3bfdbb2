"""`course doctor` reports what it finds and fails when the course cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COURSE = str(Path(sys.executable).parent / "course")


def test_doctor_healthy(engine):
    out = subprocess.run([COURSE, "doctor"], check=False, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "200"})
    assert out.returncode == 0, out.stdout + out.stderr
    for row in ("engine API", "storage driver", "cgroups", "runtime", "course images", "QEMU", "KVM", "nbgrader"):
        assert row in out.stdout
    assert "vmdocker/base:latest" in out.stdout


def test_doctor_fails_without_engine(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/none.sock", "COLUMNS": "200"}
    out = subprocess.run([COURSE, "doctor"], check=False, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 1
    assert "MISSING" in out.stdout and "course engine start" in out.stdout
