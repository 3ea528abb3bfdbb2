"""`course doctor`: what the course needs, what this machine has, and how to fix what is missing."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
from dataclasses import dataclass

from course import config
from course.engine.connect import EngineUnavailable, client, engine_url, ping
from course.images import BASE
from course.system import venv


@dataclass
class Check:
    """One row of the doctor's table."""

    name: str
    ok: bool
    found: str
    fix: str = ""
    required: bool = True


def _engine_checks() -> list[Check]:
    url = engine_url()
    if not ping(url):
        return [Check("engine", False, f"nothing answers at {url}", "run `course engine start` (or `make engine`)")]
    try:
        api = client()
        version, info = api.version(), api.info()
    except EngineUnavailable as exc:
        return [Check("engine", False, str(exc), "run `course engine start`")]
    rows = [
        Check("engine", True, f"{version['Version']} at {url} (Go {version.get('GoVersion', '?')})"),
        Check("engine API", True, f"{api.api.api_version} negotiated (server {version['ApiVersion']}, "
                                  f"min {version.get('MinAPIVersion', '?')})"),
        Check("storage driver", True, info.get("Driver", "?")),
        Check("cgroups", True, f"v{info.get('CgroupVersion', '1')} ({info.get('CgroupDriver', '?')})"),
        Check("runtime", True, info.get("DefaultRuntime", "?")),
    ]
    tags = [t for img in api.images.list(name=BASE.repository) for t in img.tags]
    rows.append(Check("course images", bool(tags), ", ".join(sorted(tags)) or "none",
                      "run `course images` (or `make images`)"))
    return rows


def _vm_checks() -> list[Check]:
    qemu = shutil.which("qemu-system-x86_64")
    rows = [Check("QEMU", bool(qemu), qemu or "not installed",
                  "apt-get install --no-install-recommends qemu-system-x86", required=False)]
    from course.vm import accel, kernel

    if qemu:
        choice = accel.choose_accel()
        rows.append(Check("KVM", choice.name == "kvm", f"VMs use {choice.name}: {choice.reason}",
                          "none needed: TCG works, only slower", required=False))
    found = kernel.installed_kernel()
    rows.append(Check("VM kernel", found is not None, found.vmlinuz.name if found else "not fetched",
                      "run `course setup`", required=False))
    return rows


def _package_checks() -> list[Check]:
    rows = []
    for dist in ("nbgrader", "jupyterlab", "docker"):
        try:
            rows.append(Check(dist, True, importlib.metadata.version(dist)))
        except importlib.metadata.PackageNotFoundError:
            rows.append(Check(dist, False, "not installed", "run `make venv`"))
    venv.ensure_on_path()
    listing = subprocess.run([shutil.which("jupyter") or "jupyter", "labextension", "list"],
                             check=False, capture_output=True, text=True)
    out = listing.stdout + listing.stderr  # jupyter prints the list on stderr
    found = [line.split()[0] for line in out.splitlines() if "nbgrader" in line and "enabled" in line]
    rows.append(Check("nbgrader lab extensions", bool(found), ", ".join(found) or "not found",
                      "run `make venv` (nbgrader ships them)", required=False))
    return rows


def _isolation_checks() -> list[Check]:
    from course.grading import sandbox, view

    found = sandbox.isolation()
    if view.tool() is None:  # the tool is missing: grading would refuse untrusted code
        rows = [Check("grading view", False, f"{view.TOOL} not installed: graded kernels would see every file "
                      "other users may read; grading refuses without --unconfined",
                      f"apt-get install {view.PACKAGE} (or `course setup`)")]
    elif isinstance(found, sandbox.Unconfined):
        rows = [Check("grading view", False, found.reason, found.fix, required=sandbox.available())]
    else:
        rows = [Check("grading view", True, f"{found}: kernels see their working directory, their guard socket, "
                      "a private /tmp, and read-only the interpreter, venv, course package and VM assets")]
    if not sandbox.available():
        return [*rows, Check("grading isolation", False, "unavailable: needs root (grader users, guard)",
                             "grade as root on the grading machine", required=False)]
    from course.layout import Layout

    private = [p for p in Layout(config.ROOT).private() if p.exists()]
    open_ = [str(p.relative_to(config.ROOT)) for p in private if p.stat().st_mode & 0o007]
    found_text = (f"kernels run as {sandbox.USER_PREFIX}N through a guard, with rlimits; private paths: "
                  + ("all closed" if not open_ else f"{', '.join(open_)} still open (closed at grading)"))
    return [*rows, Check("grading isolation", True, found_text, required=False)]


def _registry_checks() -> list[Check]:
    """The course registry: its front answers, before the real registry on its root-only socket."""
    from course.services import registry

    if registry.answers():
        where = (f"started by the course, the registry on {registry.BACKEND} (root only)"
                 if registry.started_by_course() else "not started by this course directory")
        return [Check("registry front", True, f"{registry.url()}: each user sees only their own repositories; "
                      + where, required=False)]
    if registry.bare():
        return [Check("registry front", False, f"a registry without the course's front answers at {registry.url()}: "
                      "it shows every learner everyone's repositories", "stop it; then `course registry start`",
                      required=False)]
    return [Check("registry front", False, f"nothing answers at {registry.url()}", "run `course registry start` "
                  "(`course setup` does)", required=False)]


def checks() -> list[Check]:
    """Every check, in the order the table shows them."""
    return [*_engine_checks(), *_vm_checks(), *_package_checks(), *_isolation_checks(), *_registry_checks(),
            Check("cache", config.CACHE.parent.exists(), str(config.CACHE))]


def healthy(rows: list[Check]) -> bool:
    """True if every required check passed."""
    return all(row.ok for row in rows if row.required)
