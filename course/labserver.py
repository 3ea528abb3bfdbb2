"""`make lab`: JupyterLab on a student's copy of the released notebooks."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys

from course import config
from course.engine import bootstrap

WORKSPACE = config.CACHE / "student"


def prepare_workspace() -> None:
    """Copy release/ into the student workspace, keeping notebooks the student already changed."""
    for assignment in sorted((config.ROOT / "release").iterdir()):
        if assignment.is_dir():
            shutil.copytree(assignment, WORKSPACE / assignment.name, dirs_exist_ok=False) \
                if not (WORKSPACE / assignment.name).exists() else None


def run(port: int = 8888, token: str | None = None, ip: str = "127.0.0.1") -> None:
    """Start JupyterLab (blocking) with the engine configured; print the URL."""
    url = bootstrap.ensure_engine()
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    prepare_workspace()
    token = token or secrets.token_hex(16)
    env = {**os.environ, "DOCKER_HOST": url}
    print(f"JupyterLab: http://{ip}:{port}/lab?token={token}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ip={ip}", f"--port={port}",
         f"--ServerApp.root_dir={WORKSPACE}", f"--IdentityProvider.token={token}"],
        env=env, check=False,
    )
