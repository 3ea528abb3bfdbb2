"""Launch a kernel as the grader user: ``python -m course.grading.sandbox_launch KERNEL-ARGV...``.

Runs as root just long enough to read the connection file, apply the rlimits and enter the
working directory, then drops every privilege and execs the kernel: in its allow-list view
(bubblewrap, run as the unprivileged user) when ``COURSE_SANDBOX_VIEW`` is set, else as is.
The same launcher starts graded kernels and a student's lab kernels.
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from course import config
from course.grading import view
from course.grading.kernel_home import MATPLOTLIB_DIR
from course.grading.sandbox import ENV_DOCKER_HOST, ENV_USER, ENV_VIEW, ENV_WORKDIR, Limits

#: Environment variables that name a guard socket the kernel may reach (``unix://PATH``).
SOCKET_VARS = ("DOCKER_HOST", "COURSE_SECOND_DOCKER_HOST")


def connection_file(argv: list[str]) -> str | None:
    """The ``-f FILE`` argument of a kernel command line."""
    for i, arg in enumerate(argv):
        if arg == "-f" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--f="):
            return arg[4:]
    return None


def sockets(env: dict[str, str]) -> tuple[Path, ...]:
    """The guard sockets named in ``env``: the only sockets the view shows."""
    return tuple(Path(env[var][len("unix://"):]) for var in SOCKET_VARS if env.get(var, "").startswith("unix://"))


def start_dir(workdir: Path, cwd: Path) -> Path:
    """Where the kernel starts: the directory it was launched in if that is inside ``workdir``
    (a student's notebook folder), else ``workdir`` itself."""
    return cwd if cwd == workdir or workdir in cwd.parents else workdir


def drop_to(name: str, limits: Limits, argv: list[str]) -> list[str]:
    """Become ``name`` with ``limits``; return the command to exec (wrapped in the view if asked)."""
    entry = pwd.getpwnam(name)
    conn = connection_file(argv)
    connection = None
    if conn and os.environ.get(ENV_VIEW):
        connection = Path(conn).read_bytes()  # root's file: read before the drop
    elif conn:
        os.chown(conn, entry.pw_uid, entry.pw_gid)
    limits.apply()
    home = Path(os.environ.get(ENV_WORKDIR) or f"/tmp/{name}")
    os.chdir(start_dir(home, Path.cwd().resolve()))
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    return confine(entry, argv, connection)


def confine(entry: pwd.struct_passwd, argv: list[str], connection: bytes | None = None) -> list[str]:
    """As ``entry`` already (dropped above, or a student's server that runs as its own user): point the
    kernel at its guard and return the command to exec, in its allow-list view if asked. ``connection``:
    the kernel's connection file, if read before the drop.

    In the view the student's values (:data:`course.config.VARIANT_ENV`) become a read-only file and
    leave the environment: a cell could set the variable, and the checks would follow it.
    """
    name = entry.pw_name
    home = Path(os.environ.get(ENV_WORKDIR) or f"/tmp/{name}")
    confined = bool(os.environ.get(ENV_VIEW))
    conn = connection_file(argv)
    files: dict[str, bytes] = {}
    if confined:
        files[str(config.VARIANT_FILE)] = (os.environ.pop(config.VARIANT_ENV, "") or "{}").encode()
    if conn and confined:
        files[view.CONNECTION] = connection or Path(conn).read_bytes()  # a copy inside the view: no host runtime dir
        argv = [view.CONNECTION if a == conn else (f"--f={view.CONNECTION}" if a == f"--f={conn}" else a)
                for a in argv]
    cwd = start_dir(home, Path.cwd().resolve())
    os.chdir(cwd)
    if os.environ.get(ENV_DOCKER_HOST):
        os.environ["DOCKER_HOST"] = os.environ[ENV_DOCKER_HOST]  # the slot's guard, never the engine
    os.environ.update(HOME=str(home), USER=name, LOGNAME=name, MPLCONFIGDIR=f"{home}/{MATPLOTLIB_DIR}",
                      IPYTHONDIR=f"{home}/.ipython", JUPYTER_RUNTIME_DIR=f"{home}/.runtime")
    if not confined:
        return argv
    account = view.Account(name, entry.pw_uid, entry.pw_gid, str(home))
    return view.command(view.View(home, account, sockets=sockets(dict(os.environ)), cwd=cwd), argv, files)


def main() -> None:
    argv = sys.argv[1:]
    name = os.environ.get(ENV_USER)
    if name and os.geteuid() == 0:
        argv = drop_to(name, Limits(), argv)
    elif name and pwd.getpwuid(os.geteuid()).pw_name == name:
        argv = confine(pwd.getpwnam(name), argv)  # the limits are the server's, inherited
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
