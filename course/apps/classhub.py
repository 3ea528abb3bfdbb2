"""The class server's authenticator and spawner (JupyterHub loads them from :mod:`course.apps.hub_config`).

- :class:`CourseAuthenticator`: JupyterHub's NativeAuthenticator (hashed passwords in the hub's
  database; students may change theirs), with no sign-up page: the accounts are the roster's and
  the instructor's, each created with the initial password in the hub's private accounts file.
- :class:`CourseSpawner`: a student's server runs as the student's own unprivileged user
  (``vmd-student-NAME``), with rlimits on memory, processes, CPU time and file size, on a folder of
  their own (mode 0700); its kernels reach the engine only through the student's own guard (started
  with the server, stopped with it, the student as its owner) and run in the allow-list view of that
  folder, as ``course lab --student`` runs them. The instructor's server opens the course directory
  with the formgrader, as ``course lab --mode instructor`` does.

When the course has an edition in another language (``ko/``), starting a server asks which one (the
hub's options form; ``/hub/spawn?lang=ko`` and the REST API's ``{"lang": "ko"}`` skip the form): the
server then opens that edition (its own exchange and course id, so fetch and submit go to it), with
JupyterLab's menus and the checks' feedback in that language. Each language has its own folder and
settings per user, so the two editions' notebooks never mix; to switch, a student stops their server
(*File > Hub Control Panel*) and starts it again.
"""

from __future__ import annotations

import os
import pwd
import re
from pathlib import Path

import bcrypt
from jupyterhub.spawner import LocalProcessSpawner
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Bool, default

from course import i18n
from course.apps import labserver
from course.grading import exchange
from course.grading.sandbox import Limits
from course.layout import Layout
from course.services.hub import INSTRUCTOR, Hub

#: An email the NativeAuthenticator's model accepts (it refuses anything else, so others are left out).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CourseAuthenticator(NativeAuthenticator):
    """Native logins for exactly the accounts in the hub's accounts file (roster + instructor)."""

    enable_signup = Bool(False, config=True, help="No sign-up page: accounts come from the roster")

    def sync_accounts(self) -> int:
        """Create a login, with its initial password, for each account the hub does not have yet."""
        added = 0
        for account in Hub().accounts():
            if UserInfo.find(self.db, account.name) is None:
                info = {"username": account.name, "is_authorized": True,
                        "password": bcrypt.hashpw(account.password.encode(), bcrypt.gensalt())}
                if EMAIL.match(account.email):
                    info["email"] = account.email
                self.db.add(UserInfo(**info))
                added += 1
        if added:
            self.db.commit()
        return added

    def check_allowed(self, username, authentication=None):
        return username in {a.name for a in Hub().accounts()}

    async def authenticate(self, handler, data):
        self.sync_accounts()  # a roster imported while the hub runs logs in at once
        return await super().authenticate(handler, data)


#: rlimits of a student's server and everything it starts (its kernels, their QEMU): a day's lab, not a
#: miner running for a week; QEMU and numpy map address space generously.
SERVER_LIMITS = Limits(processes=256, address_space=8 << 30, cpu_seconds=6 * 3600, file_size=1 << 30,
                       open_files=4096)
#: Below the hub, the guards and the engine.
SERVER_NICE = 5


def _limit_and_become(entry: pwd.struct_passwd, limits: Limits, cwd: str):
    def preexec() -> None:
        limits.apply()
        os.nice(SERVER_NICE)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
        os.chdir(cwd)
    return preexec


def language_form(offered: list[str], chosen: str) -> str:
    """The options form's fields: one choice per edition (``chosen`` checked), in both languages' words,
    since the student has not chosen yet. Empty with a single edition: then the hub shows no form."""
    if len(offered) < 2:
        return ""
    choices = "".join(
        f'<label style="margin-right:2em"><input type="radio" name="lang" value="{lang}"'
        f'{" checked" if lang == chosen else ""}> {i18n.LANGS[lang]}</label>' for lang in offered)
    return ('<fieldset id="course-language"><legend>Language · 언어</legend>'
            f"<p>{choices}</p><p>The course, its feedback and JupyterLab's menus in this language. "
            "강의 자료와 채점 피드백, JupyterLab 메뉴가 이 언어로 나옵니다.</p></fieldset>")


def chosen_language(options: dict, offered: list[str]) -> str:
    """The language ``options`` (the form's, the query's or the REST API's) ask for, else English.

    A language the course has no edition of is a ``ValueError`` the hub shows above the form.
    """
    value = options.get("lang") or i18n.DEFAULT
    value = value[0] if isinstance(value, list) else value  # form and query fields arrive as lists
    try:
        lang = i18n.checked(str(value))
    except i18n.UnknownLanguage as exc:
        raise ValueError(str(exc)) from None
    if lang not in offered:
        raise ValueError(f"this class has no {i18n.LANGS[lang]} edition; choose from "
                         + ", ".join(i18n.LANGS[code] for code in offered))
    return lang


class CourseSpawner(LocalProcessSpawner):
    """Students' servers as their own users behind their own guards; the instructor's on the course."""

    limits = SERVER_LIMITS

    @property
    def instructor(self) -> bool:
        return self.user.name == INSTRUCTOR

    @property
    def hub_paths(self) -> Hub:
        return Hub()

    def offered(self) -> list[str]:
        """The languages the class's course has an edition in."""
        return Layout(self.hub_paths.course_root).languages()

    @property
    def lang(self) -> str:
        """The language this server was started in (the form's choice; English without one)."""
        return chosen_language(self.user_options or {}, self.offered())

    def _per_language(self, folder: Path) -> Path:
        """``folder`` for English, a sibling ``folder-LANG`` for another language."""
        lang = self.lang
        return folder if lang == i18n.DEFAULT else folder.with_name(f"{folder.name}-{lang}")

    def workspace(self) -> Path:
        return self._per_language(self.hub_paths.homes) / self.user.name

    def config_dir(self) -> Path:
        """The server's Jupyter and nbgrader settings (root's, readable: a student cannot rewrite their id)."""
        homes = self.hub_paths.homes
        return self._per_language(homes.with_name(homes.name + "-settings")) / self.user.name

    def course_root(self) -> Path:
        """The course directory of the edition this server opens."""
        return Layout(self.hub_paths.course_root).edition(self.lang)

    @staticmethod
    def _options_form(spawner: CourseSpawner) -> str:
        previous = (spawner.orm_spawner.user_options or {}) if spawner.orm_spawner is not None else {}
        offered = spawner.offered()
        try:
            last = chosen_language(previous, offered)
        except ValueError:
            last = i18n.DEFAULT
        return language_form(offered, last)

    @default("options_form")
    def _default_options_form(self):
        return self._options_form  # called at each start: an edition released meanwhile shows at once

    def options_from_form(self, formdata):
        return {"lang": chosen_language(formdata, self.offered())}

    def lab_state(self) -> Path:
        """Where the server's JupyterLab keeps its settings (the language setting among them) and workspaces."""
        return self.config_dir() if self.instructor else self.workspace() / ".lab"

    def get_args(self) -> list[str]:
        args = super().get_args()
        state = self.lab_state()
        if self.instructor:
            return [*args, "--allow-root", *labserver.lab_options(state)]
        return [*args, *labserver.lab_options(state), "--ServerApp.terminals_enabled=False",
                f"--MultiKernelManager.kernel_manager_class={labserver.SANDBOX_KERNELS}"]

    async def start(self):
        from course.engine import bootstrap

        course_root = self.course_root()  # a language not offered raises here: the hub shows why
        conf_dir = self.config_dir()
        labserver.set_locale(self.lab_state(), self.lang)  # before the student's folder becomes theirs
        if self.instructor:
            self.notebook_dir = str(course_root)
            exchange.ensure(course_root)
            conf = labserver.write_config("instructor", conf_dir, course_root, course_root)
            self._extra_env = {"DOCKER_HOST": bootstrap.ensure_engine(), "JUPYTER_CONFIG_DIR": str(conf),
                               "JUPYTER_CONFIG_PATH": str(conf), i18n.ENV: self.lang}
            self._cwd = str(course_root)
            return await super().start()
        self._extra_env, self._cwd = self._confine(course_root, conf_dir)
        try:
            return await super().start()
        except BaseException:
            release_student(self.user.name)  # its guard, started above
            raise

    def _confine(self, course_root: Path, conf_dir: Path) -> tuple[dict[str, str], str]:
        """The student's folder, guard and settings; the server's extra environment and its working directory."""
        from course.grading import sandbox
        from course.guard import start_guard, stop_guard

        name = self.user.name
        workspace = self.workspace()
        workspace.mkdir(parents=True, exist_ok=True)
        self.notebook_dir = str(workspace)
        exchange.ensure(course_root)  # an edition's own exchange, which its release may not have made yet
        stop_guard(name)  # a guard left by a server that died with the hub
        guard = start_guard(name, mode=0o600, registry_user=sandbox.student_user(name))
        env = labserver.student_env(name, workspace, guard.socket, course_root)  # their own values too
        conf = labserver.write_config("student", conf_dir, course_root, workspace, student=name)
        (conf / "migrated").touch()  # nothing for jupyter_core to migrate into this root-owned folder
        for path in (conf_dir.parent, conf_dir, *conf_dir.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        env |= {"DOCKER_HOST": guard.url, "JUPYTER_CONFIG_DIR": str(conf), "JUPYTER_CONFIG_PATH": str(conf),
                "JUPYTER_RUNTIME_DIR": str(workspace / ".runtime"), "JUPYTER_DATA_DIR": str(workspace / ".local"),
                "IPYTHONDIR": str(workspace / ".ipython"), i18n.ENV: self.lang}
        return env, str(conf_dir)

    def user_env(self, env):
        if self.instructor:
            return {**env, "HOME": str(Path.home()), "USER": "root"}
        from course.grading import sandbox

        account = sandbox.student_user(self.user.name)
        return {**env, "HOME": str(self.workspace()), "USER": account, "LOGNAME": account, "SHELL": "/usr/sbin/nologin"}

    def get_env(self):
        env = super().get_env()
        env.pop("COURSE_SESSION", None)
        return {**env, **getattr(self, "_extra_env", {})}

    def make_preexec_fn(self, name):
        cwd = getattr(self, "_cwd", "/")
        if self.instructor:
            return lambda: os.chdir(cwd)
        from course.grading import sandbox

        return _limit_and_become(pwd.getpwnam(sandbox.student_user(name)), self.limits, cwd)

    async def stop(self, now=False):
        await super().stop(now=now)
        if not self.instructor:
            release_student(self.user.name)


def serve(hub: Hub) -> str:
    """Start the class server for ``hub``'s course (idempotent); its URL.

    First the course directory is made ready for the students' users: they reach the interpreter and
    the venv, and the course's private files (solutions, gradebook, submissions) stay closed to them.
    """
    from course.grading import sandbox
    from course.services.hub import start_hub

    sandbox.prepare(hub.course_root)
    return start_hub(hub)


def release_student(name: str) -> None:
    """What a student's server leaves when it stops: its guard, kernels that outlived it, their engine objects."""
    from course.engine import client, remove_labelled
    from course.grading import sandbox
    from course.guard import stop_guard

    stop_guard(name)
    try:
        sandbox.kill_processes_of(pwd.getpwnam(sandbox.student_user(name)).pw_uid)
    except KeyError:
        pass
    api = client()
    try:
        remove_labelled(api, owner=name)
    finally:
        api.close()
