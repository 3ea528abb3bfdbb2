"""Launch a kernel as the grader user: ``python -m course.grading.sandbox_launch KERNEL-ARGV...``.

Runs as root just long enough to hand the connection file to the grader user, apply the
rlimits and enter its working directory, then drops every privilege and execs the kernel.
"""

from __future__ import annotations

import os
import pwd
import resource
import sys

from course.grading.sandbox import ENV_DOCKER_HOST, ENV_USER, Limits


def connection_file(argv: list[str]) -> str | None:
    """The ``-f FILE`` argument of a kernel command line."""
    for i, arg in enumerate(argv):
        if arg == "-f" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--f="):
            return arg[4:]
    return None


def drop_to(name: str, limits: Limits, argv: list[str]) -> None:
    entry = pwd.getpwnam(name)
    conn = connection_file(argv)
    if conn:
        os.chown(conn, entry.pw_uid, entry.pw_gid)
    for what, value in ((resource.RLIMIT_NPROC, limits.processes), (resource.RLIMIT_AS, limits.address_space),
                        (resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_FSIZE, limits.file_size),
                        (resource.RLIMIT_NOFILE, limits.open_files)):
        resource.setrlimit(what, (value, value))
    home = f"/tmp/vmd-grader-{name.rsplit('-', 1)[-1]}"
    os.chdir(home)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    if os.environ.get(ENV_DOCKER_HOST):
        os.environ["DOCKER_HOST"] = os.environ[ENV_DOCKER_HOST]  # the slot's guard, never the engine
    os.environ.update(HOME=home, USER=name, LOGNAME=name, MPLCONFIGDIR=f"{home}/.matplotlib",
                      IPYTHONDIR=f"{home}/.ipython", JUPYTER_RUNTIME_DIR=f"{home}/.runtime")


def main() -> None:
    argv = sys.argv[1:]
    name = os.environ.get(ENV_USER)
    if name and os.geteuid() == 0:
        drop_to(name, Limits(), argv)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
