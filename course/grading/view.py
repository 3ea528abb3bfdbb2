"""The allow-list view an untrusted kernel runs in: a private mount namespace made by bubblewrap.

Closing the course's own private paths is a deny-list: anything else on the machine that is
readable by others (another copy of the course, a home directory, a gradebook) stays readable.
A view is an allow-list instead, as in the IOI's isolate or nsjail: the kernel's root is an
empty tmpfs holding only

- the system's programs and libraries (``/usr`` and the ``/lib*`` links), a few ``/etc``
  files, a passwd/group that name only root, the kernel's user and nobody,
- the interpreter and the venv, read-only; the ``course`` package without ``course/material``,
- the course's read-only assets a kernel needs (the VM kernel and initramfs),
- its working directory (read-write) and the guard sockets it was given,
- in ``/run/kernel``, read-only copies of its connection file and of its student's values
  (:data:`course.config.VARIANT_FILE`),
- a private ``/tmp`` and ``/dev/shm``, a minimal ``/dev`` (plus ``/dev/kvm`` where there is one).

Everything else is read-only, the view's root included.

``/proc`` is the host's, read-only: the lessons show that a container is a host process
(``/proc/<its pid>``) and compare the guest's process table with the host's. No ``/sys``, no
``/home``, no ``/root`` beyond the interpreter's own folder, no ``/run`` or ``/var`` (so no engine
socket). The network is shared: the kernel talks to its guard's published ports on 127.0.0.1.

:func:`arguments` builds the command line (pure: unit-tested); :func:`command` adds the pipes
that carry generated files; :func:`probe` says whether the tool works here, as an unprivileged
user would run it. The same :class:`View` serves graded kernels and students' lab kernels.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from course import config

TOOL = "bwrap"
#: The Debian package that provides the tool (`course setup` installs it).
PACKAGE = "bubblewrap"
#: Where the kernel's connection file appears inside the view (a copy: nothing of the host's runtime dir).
CONNECTION = "/run/kernel/connection.json"
#: System paths bound read-only (or re-created as the same symlink) when the host has them.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: /etc files a Python kernel, the docker CLI and QEMU read (passwd and group are generated).
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "hosts", "host.conf", "gai.conf",
       "localtime", "timezone", "alternatives", "ssl", "ca-certificates", "mime.types", "protocols",
       "services", "os-release", "debian_version", "fonts", "matplotlibrc")
#: Devices beyond bwrap's minimal /dev: hardware virtualization for QEMU, where the host has it.
DEVICES = ("/dev/kvm",)


@dataclass(frozen=True)
class Confined:
    """Kernels run in an allow-list view."""

    tool: str
    version: str

    def __str__(self) -> str:
        return f"allow-list view ({self.version} at {self.tool})"


@dataclass(frozen=True)
class Unconfined:
    """Kernels would see the whole filesystem as their user does; why, and what fixes it."""

    reason: str
    fix: str = f"apt-get install {PACKAGE} (Debian's package: the tool that builds the view)"

    def __str__(self) -> str:
        return f"no view: {self.reason}"


@dataclass(frozen=True)
class Account:
    """The user a kernel runs as, named in the view's passwd and group."""

    name: str
    uid: int
    gid: int
    home: str


@dataclass(frozen=True)
class View:
    """What one kernel sees: its working directory, sockets and assets on top of the system's."""

    workdir: Path
    account: Account
    #: More read-write directories (a student's notebooks when the working directory is one of them).
    writable: tuple[Path, ...] = ()
    #: Unix sockets the kernel may connect to (its guards).
    sockets: tuple[Path, ...] = ()
    #: Read-only paths: interpreter, venv, package, assets (see :func:`kernel_assets`).
    readonly: tuple[Path, ...] = field(default_factory=lambda: tuple(kernel_assets()))
    #: Where the kernel starts (inside ``workdir`` or ``writable``); default: ``workdir``.
    cwd: Path | None = None
    #: Paths inside ``readonly`` covered by an empty read-only folder (see :func:`hidden_paths`).
    hidden: tuple[Path, ...] = field(default_factory=lambda: tuple(hidden_paths()))


def tool() -> str | None:
    """The bwrap program, if installed."""
    return shutil.which(TOOL)


def interpreter_paths() -> list[Path]:
    """The interpreter's installation and the venv (sys.prefix), wherever they live (even under /root)."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
             Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(p for p in paths if not any(p == Path(s) or Path(s) in p.parents for s in SYSTEM))


def package_paths() -> list[Path]:
    """The ``course`` package the kernel imports, bound whole and read-only (its folder too: under a
    private /tmp a folder bwrap made to hold entry-by-entry binds would be writable)."""
    return [Path(__file__).resolve().parents[1]]


def hidden_paths() -> list[Path]:
    """What a kernel must not see inside what it may read: ``course/material`` (lesson sources:
    solutions and hidden tests), covered by an empty read-only tmpfs."""
    return [Path(__file__).resolve().parents[1] / "material"]


def vm_assets() -> list[Path]:
    """The VM kernel and initramfs the VM lessons boot, and the KVM probe guest."""
    vm = config.CACHE / "vm"
    return [vm / "kernel", vm / "initramfs", vm / "kvm-probe.elf"]


def kernel_assets() -> list[Path]:
    """Everything a kernel reads of the course's and the interpreter's, read-only."""
    return [*interpreter_paths(), *package_paths(), *vm_assets()]


def passwd(account: Account) -> tuple[bytes, bytes]:
    """The view's /etc/passwd and /etc/group: root, the kernel's user and nobody (no other user's name)."""
    users = ["root:x:0:0:root:/root:/usr/sbin/nologin",
             f"{account.name}:x:{account.uid}:{account.gid}:{account.name}:{account.home}:/usr/sbin/nologin",
             "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]
    groups = ["root:x:0:", f"{account.name}:x:{account.gid}:", "nogroup:x:65534:"]
    if account.uid == 0:
        users, groups = [users[0], users[2]], [groups[0], groups[2]]
    return ("\n".join(users) + "\n").encode(), ("\n".join(groups) + "\n").encode()


def _system(paths: Iterable[str]) -> list[str]:
    args: list[str] = []
    for path in paths:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]  # merged /usr: /lib -> usr/lib
        elif os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def arguments(view: View, data: dict[str, int], bwrap: str = TOOL) -> list[str]:
    """bwrap's command line for ``view`` (the kernel's command goes after it).

    ``data`` maps paths inside the view to file descriptors whose content bwrap copies there
    read-only (the generated passwd, group, the connection file and the student's values).
    """
    args = [bwrap, "--unshare-user", "--disable-userns", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--cap-drop", "ALL"]
    args += _system(SYSTEM)
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--ro-bind", "/proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm"]
    for device in DEVICES:
        args += ["--dev-bind-try", device, device]
    args += ["--tmpfs", "/tmp"]
    for path in view.readonly:
        args += ["--ro-bind-try", str(path), str(path)]
    for path in view.hidden:
        args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    for path in (view.workdir, *view.writable):
        args += ["--bind", str(path), str(path)]
    for sock in view.sockets:
        args += ["--bind", str(sock), str(sock)]
    for dest, fd in sorted(data.items()):
        args += ["--ro-bind-data", str(fd), dest]
    # The view's own root (the folders bwrap made to hold the mounts) is read-only too.
    args += ["--remount-ro", "/", "--chdir", str(view.cwd or view.workdir), "--"]
    return args


def _pipe_with(content: bytes) -> int:
    """A readable pipe holding ``content`` (small: it fits the pipe's buffer), inheritable by bwrap."""
    read, write = os.pipe()
    os.write(write, content)
    os.close(write)
    os.set_inheritable(read, True)
    return read


def command(view: View, kernel: list[str], files: dict[str, bytes] | None = None) -> list[str]:
    """The full command that runs ``kernel`` in ``view``; ``files`` are extra generated files.

    Call it right before exec: the pipes it opens are handed to bwrap.
    """
    found = tool()
    if found is None:
        raise FileNotFoundError(f"{TOOL} is not installed: apt-get install {PACKAGE}")
    users, groups = passwd(view.account)
    contents = {"/etc/passwd": users, "/etc/group": groups, **(files or {})}
    return arguments(view, {dest: _pipe_with(body) for dest, body in contents.items()}, found) + kernel


@functools.cache
def probe() -> Confined | Unconfined:
    """Whether bwrap can build a view here, tried as the unprivileged user ``nobody`` (as kernels run)."""
    found = tool()
    if found is None:
        return Unconfined(f"{TOOL} is not installed")
    version = subprocess.run([found, "--version"], check=False, capture_output=True, text=True).stdout.strip()
    trial = [found, "--unshare-user", "--disable-userns", *_system(SYSTEM), "--ro-bind", "/proc", "/proc",
             "--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/true"]
    as_nobody = {"user": 65534, "group": 65534, "extra_groups": []} if os.geteuid() == 0 else {}
    try:
        res = subprocess.run(trial, check=False, capture_output=True, text=True, timeout=30, **as_nobody)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Unconfined(f"{TOOL} did not run: {exc}", "check that bwrap runs: bwrap --ro-bind / / true")
    if res.returncode != 0:
        return Unconfined(f"{TOOL} cannot build a view for an unprivileged user: {res.stderr.strip()[-300:]}",
                          "allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0; "
                          "kernel.unprivileged_userns_clone=1 where it exists)")
    return Confined(found, version or TOOL)
