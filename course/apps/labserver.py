"""`make lab`: JupyterLab 4 on the course, for a student or for the instructor.

Two modes, one server each:

- ``student``: the root is a student's copy of ``release/`` (``.cache/student``), with
  nbgrader's *Validate* button and *Assignments* list; the formgrader, course list and
  create-assignment tools are switched off (lab plugins and server extensions alike).
- ``instructor``: the root *and* the working directory are the course directory (the
  folder with ``nbgrader_config.py``): nbgrader 0.9.6's formgrader loads that file from
  the server's working directory and refuses a course root outside the server root.

*Validate* is nbgrader's own, run off the server's event loop by :mod:`course.apps.validate`
(a server extension this module enables in both modes).

Every kernel gets ``DOCKER_HOST`` of the course engine. Each server keeps its own
settings, workspaces and Jupyter config folder under a state directory, so a student's
layout, the instructor's and a test's never mix. ``start()`` runs a server in the
background (for tests and scripts) and returns a handle that stops it by its recorded
pid, with the kernels it started; nothing is ever stopped by name.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import psutil

from course import config, i18n
from course.apps import validate
from course.engine import bootstrap
from course.grading import exchange
from course.grading.settings import CELL_TIMEOUT
from course.layout import Layout
from course.system import venv

WORKSPACE = config.CACHE / "student"
#: Each student's own copy on a shared machine (``course lab --student NAME``): ``STUDENTS / NAME``.
STUDENTS = config.CACHE / "students"
#: The kernel manager that starts a confined student's kernels through the sandbox launcher.
SANDBOX_KERNELS = "course.apps.lab_kernels.SandboxServerKernelManager"
STATE = config.CACHE / "lab"
MODES = ("student", "instructor")

NBGRADER_PLUGIN = "@jupyter/nbgrader:{}"
#: What a student does not get: the instructor's nbgrader tools.
STUDENT_HIDDEN_PLUGINS = ("formgrader", "create-assignment", "course-list")
STUDENT_OFF_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
NBGRADER_VALIDATE = "nbgrader.server_extensions.validate_assignment"
#: JupyterLab's locale for each language of the course (its language packs, from PyPI; English is built in).
LAB_LOCALES = {"en": "en", "ko": "ko_KR"}
#: Nobody gets JupyterLab's news prompt: the lab is offline and the toast covers the notebook.
HIDDEN_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)


class LabError(RuntimeError):
    """JupyterLab did not come up; the message carries the end of its log."""


def prepare_workspace(workspace: Path = WORKSPACE, release: Path | None = None) -> Path:
    """Copy each released assignment into ``workspace`` unless the student already has it.

    A student's edits survive a restart: only missing assignments are copied.
    """
    release = release or Layout(config.ROOT).release()
    workspace.mkdir(parents=True, exist_ok=True)
    for assignment in sorted(release.iterdir()):
        if assignment.is_dir() and not (workspace / assignment.name).exists():
            shutil.copytree(assignment, workspace / assignment.name)
    return workspace


def _student_nbgrader_config(course_root: Path, workspace: Path, student: str | None = None) -> str:
    """nbgrader settings for the student's Validate and Assignments tabs (not the course's gradebook)."""
    return "\n".join([
        "# Written by course.apps.labserver for the student lab: Validate and the Assignments list.",
        "c = get_config()  # noqa: F821",
        exchange.student_config(course_root, workspace, student).rstrip("\n"),
        f"c.Execute.timeout = {CELL_TIMEOUT}",
        "c.Execute.kernel_manager_class = 'course.grading.execute.SandboxKernelManager'  # confined like the lab's",
        "c.Execute.interrupt_on_timeout = True",
        "",
    ])


def write_config(mode: str, state: Path, course_root: Path, workspace: Path, student: str | None = None) -> Path:
    """Write the mode's Jupyter config folder (put first on ``JUPYTER_CONFIG_PATH``); return it.

    It holds which lab plugins are disabled (``labconfig/page_config.json``), which server
    extensions load, and for students the nbgrader settings Validate reads.
    """
    conf = state / "config"
    (conf / "labconfig").mkdir(parents=True, exist_ok=True)
    hidden = list(HIDDEN_PLUGINS)
    extensions = {NBGRADER_VALIDATE: False, validate.__name__: True}  # the same Validate, without freezing the server
    if mode == "student":
        hidden += [NBGRADER_PLUGIN.format(p) for p in STUDENT_HIDDEN_PLUGINS]
        extensions |= {name: False for name in STUDENT_OFF_EXTENSIONS}
        (conf / "nbgrader_config.py").write_text(_student_nbgrader_config(course_root, workspace, student))
    else:
        (conf / "nbgrader_config.py").unlink(missing_ok=True)  # the course's own file rules
    (conf / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in hidden}}, indent=1))
    (conf / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": extensions}}, indent=1))
    return conf


def set_locale(state: Path, lang: str) -> Path:
    """Open the lab in ``lang`` (JupyterLab's own menus, from its language pack): the user setting
    the lab's *Settings > Language* menu writes, in this server's own settings folder."""
    path = state / "settings" / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"locale": LAB_LOCALES[i18n.checked(lang)]}, indent=1))
    return path


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port free on ``ip`` now (for tests that run beside other servers)."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def lab_options(state: Path) -> list[str]:
    """JupyterLab's options for every server the course starts (``course lab`` and the class hub's)."""
    return [
        f"--LabApp.user_settings_dir={state / 'settings'}", f"--LabApp.workspaces_dir={state / 'workspaces'}",
        # Offline and reproducible: no news feed, no update check, no extension installs from the UI.
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]


@dataclass
class Plan:
    """How to start one JupyterLab: command, environment, working directory and URL."""

    mode: str
    root: Path
    state: Path
    port: int
    token: str
    ip: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path

    @property
    def base_url(self) -> str:
        """The server's address as a local client reaches it (0.0.0.0 means this host)."""
        host = "127.0.0.1" if self.ip in ("0.0.0.0", "", "*") else self.ip
        return f"http://{host}:{self.port}/"

    @property
    def url(self) -> str:
        """The URL to open: JupyterLab, logged in by the token."""
        return f"{self.base_url}lab?token={self.token}"


def student_env(student: str, workspace: Path, guard_socket: Path, course_root: Path) -> dict[str, str]:
    """A confined student's server's extra environment: their kernels run as their own user in a view of
    ``workspace``, behind their guard, and are handed their own values of ``course_root``'s variants
    (never its secret). ``course lab --student`` and the class hub's spawner both start servers so."""
    from course.grading import sandbox, variants

    return sandbox.confine_student(student, workspace, guard_socket) | variants.kernel_env(student, root=course_root)


def plan(mode: str = "student", port: int = 8888, token: str | None = None, ip: str = "127.0.0.1",
         course_root: Path = config.ROOT, workspace: Path | None = None, state: Path | None = None,
         session: str | None = None, expose_app: bool = False, docker_host: str | None = None,
         student: str | None = None, lang: str = i18n.DEFAULT) -> Plan:
    """Prepare everything a server of ``mode`` needs (engine, workspace, config) without starting it.

    ``session`` sets ``COURSE_SESSION`` for every kernel (tests use it to find their engine
    objects); by default each kernel has its own session, so one closing never cleans up
    another's containers. ``expose_app`` publishes ``window.jupyterapp`` for browser tests.
    ``docker_host`` points the kernels at a guard instead of the engine itself. ``student``
    (with a guard's ``docker_host``, as root) gives that student a workspace of their own and runs
    their kernels as their own user in the allow-list view (:mod:`course.grading.view`). ``lang``: the
    lab's menus and the checks' feedback (``course_root`` is then that language's edition); each
    language keeps its own workspace and settings, so switching never mixes two editions' notebooks.
    """
    lang = i18n.checked(lang)
    suffix = "" if lang == i18n.DEFAULT else f"-{lang}"
    if mode not in MODES:
        raise ValueError(f"unknown lab mode {mode!r}; choose from {MODES}")
    course_root = Path(course_root).resolve()
    state = Path(state or STATE / f"{mode}{suffix}").resolve()
    if mode == "student":
        default = STUDENTS / f"{student}{suffix}" if student else WORKSPACE.with_name(WORKSPACE.name + suffix)
        root = prepare_workspace(Path(workspace or default).resolve(), Layout(course_root).release())
        cwd = state  # not wherever `make lab` ran: Validate reads nbgrader_config.py from here first
    else:
        if not (course_root / "nbgrader_config.py").exists():
            raise LabError(f"{course_root} has no nbgrader_config.py: not a course directory")
        root = cwd = course_root
        exchange.ensure(course_root)  # the formgrader warns without one
    state.mkdir(parents=True, exist_ok=True)
    set_locale(state, lang)
    conf = write_config(mode, state, course_root, root, student if mode == "student" else None)
    venv.ensure_on_path()
    env = {**os.environ, "DOCKER_HOST": docker_host or bootstrap.ensure_engine(),
           "JUPYTER_CONFIG_PATH": os.pathsep.join(filter(None, [str(conf), os.environ.get("JUPYTER_CONFIG_PATH")]))}
    env.pop("COURSE_SESSION", None)
    env[i18n.ENV] = lang  # the checks' feedback in the lab's language
    env.pop(config.VARIANT_ENV, None)  # only a login gives a lab its own values (course.lab.variant)
    if student and mode == "student":
        if not docker_host or not docker_host.startswith("unix://"):
            raise LabError("a confined student lab needs the student's guard socket as docker_host")
        env |= student_env(student, root, Path(docker_host.removeprefix("unix://")), course_root)
    if session:
        env["COURSE_SESSION"] = session
    token = token or secrets.token_hex(16)
    argv = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ip={ip}", f"--port={port}",
        "--ServerApp.port_retries=0",  # the printed URL must be the real one
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}", *lab_options(state),
    ]
    if expose_app:
        argv.append("--LabApp.expose_app_in_browser=True")
    if student and mode == "student":
        argv.append(f"--MultiKernelManager.kernel_manager_class={SANDBOX_KERNELS}")
    return Plan(mode, root, state, port, token, ip, argv, env, cwd)


@dataclass
class LabServer:
    """A JupyterLab started in the background; ``stop()`` ends it (and its kernels) by pid."""

    plan: Plan
    pid: int
    created: float
    log: Path
    kernels: set[tuple[int, float]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.plan.url

    @property
    def base_url(self) -> str:
        return self.plan.base_url

    @property
    def token(self) -> str:
        return self.plan.token

    @property
    def root(self) -> Path:
        return self.plan.root

    def page(self, path: str = "lab") -> str:
        """The URL of ``path`` on this server with the token (e.g. ``lab/tree/x.ipynb``)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def _process(self) -> psutil.Process | None:
        """The server process if it still runs (same pid *and* start time: never a reused pid)."""
        return _same_process(self.pid, self.created)

    def running(self) -> bool:
        return self._process() is not None

    def alive(self) -> list[int]:
        """Pids of the server and the kernels it was seen to run that still run (after ``stop()``: none)."""
        recorded = [(self.pid, self.created), *sorted(self.kernels)]
        return [pid for pid, created in recorded if _same_process(pid, created) is not None]

    def api(self, path: str, timeout: float = 5.0) -> object:
        """GET ``/api/<path>`` as JSON (127.0.0.1 only), e.g. ``sessions`` or ``kernels``."""
        req = urllib.request.Request(f"{self.base_url}api/{path}",
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return json.loads(res.read())

    def shutdown_kernels(self, timeout: float = 30.0) -> int:
        """Shut every kernel down through the REST API, as the lab's *Shut Down All* does.

        A clean shutdown lets each kernel run its exit hooks, which remove its engine
        session's containers. Returns how many were asked to stop.
        """
        try:
            kernels = self.api("kernels")
        except (urllib.error.URLError, OSError, ValueError):
            return 0
        self.remember_kernels()
        for kernel in kernels:
            req = urllib.request.Request(f"{self.base_url}api/kernels/{kernel['id']}", method="DELETE",
                                         headers={"Authorization": f"token {self.token}"})
            try:
                urllib.request.urlopen(req, timeout=timeout).close()
            except (urllib.error.URLError, OSError):
                pass  # stop() kills what remains by pid
        return len(kernels)

    def remember_kernels(self) -> None:
        """Record the pids of the server's kernels now (they run in sessions of their own)."""
        proc = self._process()
        if proc is None:
            return
        for child in proc.children(recursive=True):
            try:
                self.kernels.add((child.pid, child.create_time()))
            except psutil.NoSuchProcess:
                pass

    def stop(self, timeout: float = 10.0) -> bool:
        """SIGTERM the server (it shuts its kernels down, which clean their engine sessions),
        wait, then SIGKILL whatever of it and its recorded kernels remains. True if it ran."""
        self.remember_kernels()
        if self.running():
            self.shutdown_kernels()
        proc = self._process()
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        deadline = time.monotonic() + 10
        for pid, created in sorted(self.kernels):
            kernel = _same_process(pid, created)
            if kernel is None:
                continue
            try:  # a kernel exits by itself once the server is gone; give it a moment to clean up
                kernel.wait(max(0.1, deadline - time.monotonic()))
            except psutil.TimeoutExpired:
                kernel.kill()
        (self.plan.state / "lab.pid").unlink(missing_ok=True)
        return proc is not None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _same_process(pid: int, created: float) -> psutil.Process | None:
    try:
        proc = psutil.Process(pid)
        if abs(proc.create_time() - created) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE:
            return proc
    except psutil.NoSuchProcess:
        pass
    return None


def start(mode: str = "student", port: int | None = None, wait: float = 90.0, **options) -> LabServer:
    """Start JupyterLab in the background and wait until it answers; ``options`` go to ``plan``.

    Without ``port`` a free one is chosen. Raises ``LabError`` with the log's tail if the
    server exits or does not answer within ``wait`` seconds (and leaves nothing running).
    """
    p = plan(mode, port=port or free_port(options.get("ip", "127.0.0.1")), **options)
    log = p.state / "lab.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(p.argv, cwd=p.cwd, env=p.env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(p, proc.pid, psutil.Process(proc.pid).create_time(), log)
    (p.state / "lab.pid").write_text(f"{proc.pid}\n{server.created}\n")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            server.api("status", timeout=2.0)
            return server
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.3)
    server.stop()
    proc.poll()
    raise LabError(f"JupyterLab ({mode}) did not answer at {p.base_url} within {wait:.0f} s "
                   f"(exit status {proc.returncode}). Last lines of {log}:\n" + _tail(log))


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run(port: int = 8888, token: str | None = None, ip: str = "127.0.0.1", mode: str = "student",
        course_root: Path = config.ROOT, docker_host: str | None = None, student: str | None = None,
        lang: str = i18n.DEFAULT) -> int:
    """Start JupyterLab in the foreground (``make lab``), print the URL; Ctrl-C or SIGTERM stops it
    (kernels shut down, so their containers go). Returns JupyterLab's exit status."""
    p = plan(mode, port=port, token=token, ip=ip, course_root=course_root, docker_host=docker_host, student=student,
             lang=lang)
    what = "the released assignments" if mode == "student" else "the course directory (Nbgrader > Formgrader)"
    print(f"JupyterLab ({mode}) on {what} in {p.root}:\n  {p.url}", flush=True)
    proc = subprocess.Popen(p.argv, cwd=p.cwd, env=p.env)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:  # one Ctrl-C is enough: skip JupyterLab's "really?" prompt
                proc.terminate()
    finally:
        signal.signal(signal.SIGTERM, previous)
