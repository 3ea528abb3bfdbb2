"""Where a graded submission's kernel runs: an unprivileged user, a guard, limits, no course files.

Docker API access is root on the host, so a submission's kernel gets neither the engine
socket nor the instructor's files:
- it runs as a grader user of its own worker slot (``vmd-grader-N``, not in the docker group),
- it reaches the engine only through that slot's guard (``DOCKER_HOST``),
- the course's private paths (source/ with hidden tests, the gradebook, submissions,
  the lessons in course/material, git history) are closed to other users,
- rlimits cap processes, memory, CPU time and file size; the pool caps wall time,
- it sees only an allow-list view of the filesystem (:mod:`course.grading.view`, bubblewrap):
  no other copy of the course, no home directory, no other submission, no engine socket.

Only root can set this up. Without the view (no bwrap, or not root) grading refuses
untrusted code unless the instructor says ``--unconfined``; :func:`isolation` says which
isolation is in force and `course doctor` shows it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil

from course import config
from course.grading import kernel_home, view
from course.grading.view import Confined, Unconfined
from course.layout import Layout

USER_PREFIX = "vmd-grader-"
#: Environment variables the launcher reads (set by the worker for each submission).
ENV_USER = "COURSE_SANDBOX_USER"
ENV_DOCKER_HOST = "COURSE_SANDBOX_DOCKER_HOST"
#: The kernel's working directory (and HOME), the one read-write directory of its view.
ENV_WORKDIR = "COURSE_SANDBOX_WORKDIR"
#: Set (to the tool's name) when the kernel runs in its allow-list view.
ENV_VIEW = "COURSE_SANDBOX_VIEW"


class UnconfinedRefused(RuntimeError):
    """Grading untrusted code without the view was not asked for explicitly."""


@dataclass(frozen=True)
class Limits:
    """rlimits of a sandboxed kernel and everything it starts."""

    processes: int = 512            # RLIMIT_NPROC, per grader user
    address_space: int = 8 << 30    # RLIMIT_AS: generous for numpy/pandas/QEMU's mappings
    cpu_seconds: int = 900          # RLIMIT_CPU
    file_size: int = 256 << 20      # RLIMIT_FSIZE
    open_files: int = 1024          # RLIMIT_NOFILE

    def apply(self) -> None:
        """Set these limits on this process (hard and soft), for it and everything it starts."""
        import resource

        for what, value in ((resource.RLIMIT_NPROC, self.processes), (resource.RLIMIT_AS, self.address_space),
                            (resource.RLIMIT_CPU, self.cpu_seconds), (resource.RLIMIT_FSIZE, self.file_size),
                            (resource.RLIMIT_NOFILE, self.open_files)):
            resource.setrlimit(what, (value, value))


def available() -> bool:
    """True where the course can isolate kernels (root, with useradd)."""
    return os.geteuid() == 0 and Path("/usr/sbin/useradd").exists()


def isolation() -> Confined | Unconfined:
    """The isolation graded kernels get here: the allow-list view, or why not and what to install."""
    if not available():
        return Unconfined("grader users and the view need root (useradd)", "grade as root on the grading machine")
    return view.probe()


def require_view() -> Confined:
    """The view grading will use; ``UnconfinedRefused`` (why, and what to install) if there is none."""
    found = isolation()
    if isinstance(found, Unconfined):
        raise UnconfinedRefused(f"refusing to run untrusted notebooks without the allow-list view: {found.reason}. "
                                f"Fix: {found.fix}; or pass --unconfined to grade with the guard, the grader "
                                "user and the limits only (every file other users may read stays readable)")
    return found


def user(slot: int) -> str:
    return f"{USER_PREFIX}{slot}"


def ensure_user(slot: int) -> pwd.struct_passwd:
    """The grader user of ``slot``, created if missing (system user, no home, no login)."""
    return ensure_account(user(slot))


def student_user(student: str) -> str:
    """The system user a student's lab kernels run as (names are at most 32 characters)."""
    import hashlib

    name = f"vmd-student-{student}"
    return name if len(name) <= 32 else f"vmd-student-{hashlib.sha256(student.encode()).hexdigest()[:16]}"


def ensure_account(name: str) -> pwd.struct_passwd:
    """The system user ``name``, created if missing (no home, no login, its own group)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        "--user-group", name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def open_traversal(path: Path) -> list[Path]:
    """Let other users *pass through* (o+x, not list) every directory above ``path``.

    The grader users must reach the venv's interpreter and the course package; on a
    machine where they live under a private home (``/root``) this is the one change
    the sandbox makes outside the course.
    """
    opened = []
    for parent in Path(path).resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
            opened.append(parent)
    return opened


def prepare(root: Path = config.ROOT) -> dict[str, list[Path]]:
    """Make isolation possible: reachable interpreter and package, private course files."""
    import sys

    opened = [p for target in (Path(sys.executable), root / "course", root / ".venv")
              for p in open_traversal(target)]
    cache = config.CACHE
    cache.mkdir(parents=True, exist_ok=True)
    opened += open_traversal(cache / "vm")  # a grader host's own cache may live anywhere
    cache.chmod(cache.stat().st_mode | 0o005)  # VM kernel/initramfs are read by the grader users
    # The instructor's own course directory holds the solutions too, whichever one is graded.
    closed = protect(root) + (protect(config.ROOT) if Path(root).resolve() != config.ROOT else [])
    compile_package()
    kernel_home.prepare()  # the font list each emptied home starts with
    return {"opened": opened, "closed": closed}


def compile_package() -> None:
    """Write the bytecode of the ``course`` package the kernels import (``course/material`` aside, which
    they never see). They import it read-only, so without it every graded kernel compiles the modules
    it imports again (0.1 s of CPU each); root writes it here once, even under ``PYTHONDONTWRITEBYTECODE``."""
    import compileall
    import re

    unseen = re.compile("|".join(re.escape(f"{path}{os.sep}") for path in view.hidden_paths()))
    for package in view.package_paths():
        compileall.compile_dir(package, quiet=2, workers=1, rx=unseen)


def protect(root: Path = config.ROOT) -> list[Path]:
    """Close the course's private paths to other users (o-rwx); return those that exist."""
    closed = []
    for path in Layout(root).private():
        if path.exists():
            path.chmod(path.stat().st_mode & ~0o007)
            closed.append(path)
    return closed


def workdir_path(slot: int) -> Path:
    return Path("/tmp") / user(slot)


def workdir(slot: int) -> Path:
    """A scratch working directory for the slot's kernels, owned by its grader user."""
    entry = ensure_user(slot)
    path = workdir_path(slot)
    path.mkdir(mode=0o700, exist_ok=True)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def reset_workdir(slot: int, seed: bool = True) -> Path:
    """Empty the slot's working directory: a submission never finds what the one before it left.

    ``seed``: then put in the caches root made for it (:mod:`course.grading.kernel_home`)."""
    path = workdir(slot)
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    if seed:
        entry = ensure_user(slot)
        kernel_home.fill(path, entry.pw_uid, entry.pw_gid)
    return path


def kill_user_processes(slot: int) -> int:
    """Kill every process of the slot's grader user (by pid); return how many."""
    try:
        return kill_processes_of(pwd.getpwnam(user(slot)).pw_uid)
    except KeyError:
        return 0


def kill_processes_of(uid: int) -> int:
    """Kill every process running as ``uid`` (by pid; a course account's, never root's); return how many."""
    if uid == 0:
        raise ValueError("refusing to kill root's processes")
    killed = 0
    for proc in psutil.process_iter(["uids"]):
        if proc.info["uids"] and proc.info["uids"].real == uid:
            try:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            except psutil.NoSuchProcess:
                pass
    return killed


def ensure_registry() -> None:
    """Start the course registry's front if it is down: graded kernels use it but cannot start it (a check
    would tell a full answer "not your mistake" and withhold its points). Where it cannot start, they say so."""
    from course.services import registry

    with contextlib.suppress(registry.RegistryUnavailable):
        registry.start_registry()


def forget_registry(slot: int) -> bool:
    """Remove what the slot's kernels pushed to the course registry: the next submission starts with none."""
    from course.services import registry

    return registry.forget(user(slot))


def give_socket(socket: Path, entry: pwd.struct_passwd) -> None:
    """Make a guard's socket the user's (0600): it passes through the folders above, lists none."""
    os.chown(socket, entry.pw_uid, entry.pw_gid)
    for parent in (socket.parent, socket.parent.parent):
        parent.chmod(parent.stat().st_mode | 0o001)


def confine_student(student: str, workspace: Path, guard_socket: Path) -> dict[str, str]:
    """Set up ``student``'s lab kernels (user, workspace, guard socket); the server's extra environment.

    Their kernels (and Validate's) run as the student's user in a view of their own workspace
    only: nothing of other students' or of the instructor's files.
    """
    entry = ensure_account(student_user(student))
    for path in [workspace, *workspace.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    workspace.chmod(0o700)
    for parent in workspace.parents:
        if parent == config.CACHE.parent:
            break
        parent.chmod(parent.stat().st_mode | 0o001)
    give_socket(guard_socket, entry)
    return {ENV_USER: entry.pw_name, ENV_DOCKER_HOST: f"unix://{guard_socket}", ENV_WORKDIR: str(workspace),
            ENV_VIEW: view.TOOL}


LOCKS = Path("/run/lock/vmd-grader")
MAX_SLOTS = 64


@dataclass
class Slot:
    """One worker slot's isolation: its grader user, its guard, the worker's extra environment.

    A slot's user is exclusive to one pool on the whole machine (an flock), so that two
    grading runs at once never share, or kill, each other's kernels.
    """

    index: int
    owner: str
    guard: object  # course.guard.runner.GuardProcess
    lock: int  # file descriptor holding the slot's flock
    second: object | None = None  # course.services.second_engine.Served: a guard on the second engine
    confined: bool = True  # kernels run in their allow-list view

    @property
    def env(self) -> dict[str, str]:
        env = {ENV_USER: user(self.index), ENV_DOCKER_HOST: self.guard.url,
               ENV_WORKDIR: str(workdir_path(self.index))}
        if self.confined:
            env[ENV_VIEW] = view.TOOL
        return {**env, **self.second.env} if self.second else env

    def close(self) -> None:
        kill_user_processes(self.index)
        if self.second:
            self.second.close()
        self.guard.stop()
        os.close(self.lock)  # releases the flock


def _claim() -> tuple[int, int]:
    """The lowest free slot index on this machine and the fd of its lock."""
    LOCKS.mkdir(parents=True, exist_ok=True)
    for index in range(MAX_SLOTS):
        fd = os.open(LOCKS / f"{index}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return index, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"all {MAX_SLOTS} grader slots are busy on this machine")


def open_slot(course_tag: str, second_engine: bool = False, confined: bool = True) -> Slot:
    """Claim a free slot, create its user and workdir, start its guard, give the socket to the user.

    With ``second_engine`` (lessons that move images between engines) the slot also gets
    a guard of its own on the course's second engine. ``confined``: kernels run in their view.
    """
    from course.engine.connect import engine_url
    from course.guard import start_guard

    index, fd = _claim()
    try:
        entry = ensure_user(index)
        kill_user_processes(index)  # a crashed earlier run's leftovers
        workdir(index)
        owner = f"grader-{course_tag}-{index}"
        forget_registry(index)  # a crashed earlier run's pushes
        guard = start_guard(owner, mode=0o600, registry_user=entry.pw_name,
                            upstream=engine_url())  # this machine's engine: DOCKER_HOST
        give_socket(guard.socket, entry)
        second = None
        if second_engine:
            from course.services.second_engine import serve

            second = serve(owner, entry.pw_uid, entry.pw_gid)
    except BaseException:
        os.close(fd)
        raise
    return Slot(index, owner, guard, fd, second, confined)
