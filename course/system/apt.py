"""Install Debian packages the course needs, only when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


class SetupError(RuntimeError):
    """The machine lacks something the course needs and it could not be installed."""


def is_debian_root() -> bool:
    """True where the course may install packages itself (Debian, as root)."""
    return Path("/etc/debian_version").exists() and os.geteuid() == 0 and bool(shutil.which("apt-get"))


def missing(packages: list[str]) -> list[str]:
    """The packages of ``packages`` that dpkg does not list as installed."""
    out = []
    for pkg in packages:
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], check=False, capture_output=True, text=True
        )
        if "install ok installed" not in res.stdout:
            out.append(pkg)
    return out


def ensure_packages(packages: list[str]) -> list[str]:
    """Install whichever of ``packages`` are missing; return what was installed."""
    todo = missing(packages)
    if not todo:
        return []
    if not is_debian_root():
        raise SetupError(
            f"missing Debian packages {', '.join(todo)}; install them with "
            f"`apt-get install {' '.join(todo)}` as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    res = subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *todo],
        check=False, env=env, capture_output=True, text=True,
    )
    if res.returncode != 0:
        raise SetupError(f"apt-get install {' '.join(todo)} failed:\n{res.stderr[-2000:]}")
    return todo
