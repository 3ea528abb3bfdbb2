"""A running QEMU guest the notebook can talk to, and that never outlives the course.

QEMU is started directly (its serial port on our pipes) and its pid recorded in
``config.CACHE/vm/run`` in the format of ``course.system.process``. It is stopped
only by that pid: on ``shutdown()``, on any error or timeout, by the context
manager, when the object is garbage-collected, at interpreter exit (atexit), and,
when booted from the main thread, by the kernel itself if Python dies
(``setpriv --pdeathsig KILL``). Pid files left by a dead Python are reaped on the
next boot.

A VM booted with a disk (``boot(disk_mib=...)``) owns a sparse raw image in the same
run directory, ``disk-<python pid>-<token>.img``; it is removed with the VM (same
paths as the kill), or by ``reap_stale`` if its Python died.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from course import config
from course.system import process
from course.vm import initramfs
from course.vm.accel import AccelChoice
from course.vm.console import CommandResult, ConsoleClosed, SerialConsole, command_line, frame_pattern
from course.vm.errors import (
    VMAssetsError,
    VMBootTimeout,
    VMCommandFailed,
    VMCommandTimeout,
    VMCrashed,
    VMNotRunning,
)

_READY = re.compile(re.escape(initramfs.READY).encode() + rb" ([\d.]+)")
_live: weakref.WeakSet[VM] = weakref.WeakSet()


def run_dir() -> Path:
    """Pid files of the QEMU processes this course started (per user: graded kernels run unprivileged)."""
    if os.geteuid() == 0:
        return config.CACHE / "vm" / "run"
    return Path(os.environ.get("HOME") or "/tmp") / ".course-vm-run"


@dataclass(frozen=True)
class GuestProcess:
    """One row of the guest's process table."""

    pid: int
    ppid: int
    state: str
    rss_kb: int
    name: str
    args: str


@dataclass(frozen=True)
class Disk:
    """The raw disk image a VM boots with, as the guest's /dev/vda.

    ``cache`` is QEMU's cache mode: ``none`` (O_DIRECT on the host file) whenever the
    host filesystem allows it, so the host's page cache neither hides the emulated
    device's cost nor holds a second copy of what the guest already caches, and a
    guest flush (``conv=fsync``) still becomes a host ``fdatasync``. ``writeback``
    (flushes honoured too, host page cache used) only where O_DIRECT is refused, e.g. tmpfs.
    """

    path: Path
    mib: int
    cache: str

    @property
    def size_bytes(self) -> int:
        return self.mib * 2**20


def create_disk(mib: int) -> Disk:
    """A sparse raw image of ``mib`` MiB in the run directory (no blocks used until written)."""
    if mib < 1:
        raise ValueError("disk_mib must be >= 1")
    run_dir().mkdir(parents=True, exist_ok=True)
    path = run_dir() / f"disk-{os.getpid()}-{secrets.token_hex(4)}.img"
    with open(path, "xb") as f:
        f.truncate(mib * 2**20)
    try:
        os.close(os.open(path, os.O_RDWR | getattr(os, "O_DIRECT", 0)))
        cache = "none"
    except OSError:
        cache = "writeback"
    return Disk(path, mib, cache)


def _kill(proc: subprocess.Popen[bytes], pidfile: Path, disk: Path | None = None) -> None:
    """SIGKILL our QEMU by its pid (we own the Popen, so the pid cannot be reused), reap it;
    then remove its disk image, if any (QEMU no longer has it open)."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
    pidfile.unlink(missing_ok=True)
    if disk is not None and proc.poll() is not None:
        disk.unlink(missing_ok=True)
    try:  # the reader threads see EOF and close stdout/stderr themselves
        if proc.stdin:
            proc.stdin.close()
    except OSError:
        pass


def reap_stale() -> list[int]:
    """Stop QEMUs recorded by a Python process that no longer runs; return their pids."""
    stopped = []
    for pidfile in run_dir().glob("qemu-*.pid"):
        try:
            owner = int(pidfile.read_text().split()[2])
        except (OSError, ValueError, IndexError):
            owner = -1
        if owner == os.getpid() or (owner > 0 and _alive(owner)):
            continue
        pid = process.recorded_pid(pidfile)
        if process.stop_recorded(pidfile, timeout=3) and pid:
            stopped.append(pid)
    for image in run_dir().glob("disk-*-*.img"):  # disks of a Python that died with its VMs
        try:
            owner = int(image.name.split("-")[1])
        except (ValueError, IndexError):
            continue
        if owner != os.getpid() and not _alive(owner):
            image.unlink(missing_ok=True)
    return stopped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class VM:
    """A booted guest: run commands in it, inspect it, shut it down.

    Use ``boot()`` to get one. Every command has a timeout; a late boot or command
    kills QEMU and raises (VMBootTimeout, VMCommandTimeout).
    """

    def __init__(self, argv: list[str], accel: AccelChoice, profile: str, memory_mb: int, cpus: int,
                 boot_timeout: float, command_timeout: float, disk: Disk | None = None):
        self.argv = argv
        #: the guest's /dev/vda (None: booted without a disk, the default)
        self.disk = disk
        self.accel: str = accel.name
        self.accel_reason: str = accel.reason
        self.profile = profile
        self.memory_mb, self.requested_cpus = memory_mb, cpus
        self.command_timeout = command_timeout
        self.boot_seconds: float = float("nan")  # host wall time, QEMU start to ready shell
        self.guest_uptime_at_ready: float = float("nan")  # the guest kernel's own view of it
        #: host CPU time QEMU used to get there: steadier than wall time on a busy machine
        self.boot_cpu_seconds: float = float("nan")
        self._lock = threading.Lock()
        self._stderr = bytearray()
        self._start(boot_timeout)

    # -- life cycle -------------------------------------------------------------------
    def _start(self, boot_timeout: float) -> None:
        run_dir().mkdir(parents=True, exist_ok=True)
        argv = self.argv
        setpriv = shutil.which("setpriv")
        if setpriv and threading.current_thread() is threading.main_thread():
            argv = [setpriv, "--pdeathsig", "KILL", "--", *argv]  # dies with us, even on SIGKILL
        t0 = time.monotonic()
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, start_new_session=True)
        except FileNotFoundError as exc:
            raise VMAssetsError(f"{exc.filename} not found: run `course setup` "
                                "(or course.vm.ensure_assets()) to install QEMU") from None
        self.pid: int = self._proc.pid
        self.pidfile = run_dir() / f"qemu-{self.pid}.pid"
        self.pidfile.write_text(f"{self.pid}\n{shutil.which(self.argv[0]) or self.argv[0]}\n{os.getpid()}\n")
        self._finalizer = weakref.finalize(self, _kill, self._proc, self.pidfile,
                                           self.disk.path if self.disk else None)
        _live.add(self)
        threading.Thread(target=self._pump_stderr, name="vm-stderr", daemon=True).start()
        self.console = SerialConsole(self._proc.stdout, self._proc.stdin)  # type: ignore[arg-type]
        try:
            m = self.console.wait_for(_READY, 0, t0 + boot_timeout)
        except ConsoleClosed:
            self.kill()
            raise VMCrashed(self._why("QEMU exited before the guest was ready")) from None
        if m is None:
            self.kill()
            raise VMBootTimeout(self._why(f"guest not ready within {boot_timeout:g} s "
                                          f"(accel={self.accel}); QEMU pid {self.pid} was killed"))
        self.boot_seconds = time.monotonic() - t0
        self.boot_cpu_seconds = _cpu_seconds(self.pid)
        self.guest_uptime_at_ready = float(m.group(1))
        self._pos = m.end()

    def _pump_stderr(self) -> None:
        err = self._proc.stderr
        assert err is not None
        try:
            for chunk in iter(lambda: err.read1(4096), b""):
                self._stderr += chunk
        except (OSError, ValueError):
            pass
        err.close()

    def _why(self, what: str) -> str:
        tail = "\n".join(self.console_log.splitlines()[-15:]) if hasattr(self, "console") else ""
        err = self._stderr.decode(errors="replace").strip()[-1500:]
        return f"{what}.\nQEMU stderr: {err or '(empty)'}\nlast console lines:\n{tail or '(none)'}"

    @property
    def alive(self) -> bool:
        """True while the QEMU process runs."""
        return self._proc.poll() is None

    @property
    def console_log(self) -> str:
        """The whole serial console so far: kernel messages, the ready marker, command frames."""
        return self.console.log

    def kill(self) -> None:
        """Stop QEMU at once (SIGKILL to its recorded pid). Safe to call twice."""
        self._finalizer()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Ask the guest to power off; kill QEMU if it has not exited within ``timeout``."""
        if self.alive:
            try:
                self.console.send_line(f"{initramfs.POWEROFF} -")
                self._proc.wait(timeout)
            except (ConsoleClosed, subprocess.TimeoutExpired):
                pass
        self.kill()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        state = "running" if self.alive else "stopped"
        disk = f" disk={self.disk.mib}M" if self.disk else ""
        return (f"<VM {self.profile} accel={self.accel} pid={self.pid} {state} "
                f"mem={self.memory_mb}M cpus={self.requested_cpus}{disk} boot={self.boot_seconds:.2f}s>")

    # -- commands ---------------------------------------------------------------------
    def run(self, command: str, timeout: float | None = None, check: bool = False) -> CommandResult:
        """Run ``command`` with the guest's ``sh -c``; its output (stdout+stderr) and exit status.

        On timeout the VM is killed and VMCommandTimeout raised. With ``check=True`` a
        non-zero exit status raises VMCommandFailed (the VM keeps running).
        """
        timeout = self.command_timeout if timeout is None else timeout
        with self._lock:
            if not self.alive:
                raise VMNotRunning(f"the VM (pid {self.pid}) is not running; boot a new one")
            nonce, line = command_line(command)
            t0 = time.monotonic()
            try:
                self.console.send_line(line)
                m = self.console.wait_for(frame_pattern(nonce), self._pos, t0 + timeout)
            except ConsoleClosed:
                self.kill()
                raise VMCrashed(self._why(f"QEMU exited while running {command!r}")) from None
            if m is None:
                self.kill()
                raise VMCommandTimeout(self._why(
                    f"{command!r} did not finish within {timeout:g} s; QEMU pid {self.pid} was killed"))
            self._pos = m.end()
        result = CommandResult(command, m.group(1).decode(errors="replace"), int(m.group(2)),
                               time.monotonic() - t0)
        if check and result.exit_code != 0:
            raise VMCommandFailed(f"{command!r} exited {result.exit_code} in the guest:\n{result.output}")
        return result

    def kernel_release(self) -> str:
        """The guest kernel's ``uname -r`` (not the host's)."""
        return self.run("uname -r", check=True).output.strip()

    def memory_kb(self) -> int:
        """The guest's MemTotal in kB: what was asked minus what the kernel keeps for itself
        (its image and reservations, ~50 MB for Debian's kernel)."""
        out = self.run("grep MemTotal /proc/meminfo", check=True).output
        return int(out.split()[1])

    def cpus(self) -> int:
        """How many CPUs the guest kernel sees."""
        return int(self.run("nproc", check=True).output.strip())

    def uptime_s(self) -> float:
        """Seconds since the guest's kernel booted (the first number of its /proc/uptime)."""
        return float(self.run("cat /proc/uptime", check=True).output.split()[0])

    def boot_id(self) -> str:
        """The random ID the guest's kernel drew when it booted: a new one every boot, never the host's."""
        return self.run("cat /proc/sys/kernel/random/boot_id", check=True).output.strip()

    def processes(self) -> list[GuestProcess]:
        """The guest's own process table (PID 1 is the course's /init)."""
        out = self.run("ps -o pid,ppid,stat,rss,comm,args", check=True).output
        rows = []
        for line in out.splitlines()[1:]:
            parts = line.split(None, 5)
            if len(parts) >= 5 and parts[0].isdigit():
                rows.append(GuestProcess(int(parts[0]), int(parts[1]), parts[2], _kb(parts[3]),
                                         parts[4], parts[5] if len(parts) > 5 else ""))
        return rows

    def host_rss_bytes(self) -> int:
        """Resident memory of the QEMU process on the host (what the VM really costs)."""
        import psutil

        return psutil.Process(self.pid).memory_info().rss


def _cpu_seconds(pid: int) -> float:
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return float("nan")
    return t.user + t.system


def _kb(text: str) -> int:
    """busybox ps prints RSS as 123, 10m or 1g."""
    mult = {"m": 1024, "g": 1024 * 1024}.get(text[-1:].lower(), 1)
    try:
        return int(float(text.rstrip("mMgG")) * mult)
    except ValueError:
        return 0


def _kill_all() -> None:
    for vm in list(_live):
        vm.kill()


atexit.register(_kill_all)


def start(argv: list[str], accel: AccelChoice, profile: str, memory_mb: int, cpus: int,
          boot_timeout: float, command_timeout: float, disk: Disk | None = None) -> VM:
    """Reap stale QEMUs, then boot ``argv`` and wait for the ready shell.

    ``disk`` (already in ``argv``) is removed with the VM, or here if QEMU never started.
    """
    reap_stale()
    try:
        return VM(argv, accel, profile, memory_mb, cpus, boot_timeout, command_timeout, disk)
    except BaseException:
        if disk is not None and not any(vm.disk == disk and vm.alive for vm in list(_live)):
            disk.path.unlink(missing_ok=True)
        raise
