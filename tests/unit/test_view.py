"""The allow-list view's command line, built without running bwrap."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest

from course import config
from course.grading import sandbox_launch, view
from course.grading.sandbox import ENV_VIEW, ENV_WORKDIR

ACCOUNT = view.Account("vmd-grader-3", 1003, 1003, "/tmp/vmd-grader-3")
WORK = Path("/tmp/vmd-grader-3")
SOCK = Path("/srv/course/.cache/guard/grader-abc-3.sock")


def _args(**kw) -> list[str]:
    return view.arguments(view.View(WORK, ACCOUNT, sockets=(SOCK,), **kw), {"/etc/passwd": 7, view.CONNECTION: 9})


def _mounts(args: list[str], flag: str) -> list[str]:
    """Destinations of every ``flag SRC DEST`` (or ``flag FD DEST``) in ``args``."""
    return [args[i + 2] for i, a in enumerate(args) if a == flag]


def test_namespaces_and_privileges():
    args = _args()
    for flag in ("--unshare-user", "--disable-userns", "--unshare-ipc", "--die-with-parent"):
        assert flag in args
    assert args[args.index("--cap-drop") + 1] == "ALL"
    assert "--share-net" not in args and "--unshare-net" not in args  # loopback: guard ports, kernel channels
    assert args[-1] == "--" and args[args.index("--chdir") + 1] == str(WORK)
    root_ro = len(args) - 1 - args[::-1].index("--remount-ro")  # the last remount: the view's own root
    assert args[root_ro + 1] == "/" and root_ro > args.index(str(WORK))


def test_only_the_working_directory_and_the_guard_socket_are_writable():
    args = _args()
    assert _mounts(args, "--bind") == [str(WORK), str(SOCK)]
    assert "--dev-bind" not in args  # only --dev-bind-try of /dev/kvm
    assert _mounts(args, "--dev-bind-try") == ["/dev/kvm"]


def test_private_tmp_comes_before_the_working_directory_inside_it():
    args = _args()
    tmpfs = [i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] == "/tmp"]
    assert len(tmpfs) == 1 and tmpfs[0] < args.index(str(WORK))


def test_no_home_root_run_var_or_sys():
    args = _args()
    dests = [*_mounts(args, "--ro-bind"), *_mounts(args, "--ro-bind-try"), *_mounts(args, "--bind")]
    for denied in ("/home", "/root", "/run", "/var", "/var/run/docker.sock", "/sys", "/srv", "/opt", "/"):
        assert denied not in dests
    assert not any(d.startswith(("/home/", "/var/", "/sys/")) for d in dests)
    assert not any(d.startswith("/root/") and not d.startswith(tuple(map(str, view.interpreter_paths())))
                   for d in dests)
    assert "/proc" in _mounts(args, "--ro-bind")  # read-only: the lessons read host processes


def test_package_without_its_lesson_sources():
    args = _args()
    ro = _mounts(args, "--ro-bind-try")
    package = config.ROOT / "course"
    material = str(package / "material")
    assert str(package) in ro and str(config.ROOT) not in ro  # the package, not the whole course directory
    # Its lesson sources are covered by an empty folder, mounted after the package and made read-only.
    covered = [i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] == material]
    assert len(covered) == 1 and covered[0] > args.index(str(package))
    assert args[covered[0] + 2: covered[0] + 4] == ["--remount-ro", material]
    assert str(config.CACHE / "vm" / "kernel") in ro and str(config.CACHE) not in ro


def test_generated_files_come_through_pipes():
    args = _args()
    data = {args[i + 2]: args[i + 1] for i, a in enumerate(args) if a == "--ro-bind-data"}
    assert data == {"/etc/passwd": "7", view.CONNECTION: "9"}
    etc = _mounts(args, "--ro-bind-try")
    assert "/etc/passwd" not in etc and "/etc/shadow" not in etc and "/etc/ld.so.cache" in etc


def test_passwd_names_only_root_the_user_and_nobody():
    users, groups = view.passwd(ACCOUNT)
    assert [line.split(":")[0] for line in users.decode().splitlines()] == ["root", "vmd-grader-3", "nobody"]
    assert "vmd-grader-3:x:1003:1003:" in users.decode() and "vmd-grader-3:x:1003:" in groups.decode()


def test_launcher_finds_guard_sockets_and_start_directory():
    env = {"DOCKER_HOST": f"unix://{SOCK}", "COURSE_SECOND_DOCKER_HOST": "unix:///x/second.sock",
           "OTHER": "unix:///var/run/docker.sock"}
    assert sandbox_launch.sockets(env) == (SOCK, Path("/x/second.sock"))
    assert sandbox_launch.sockets({"DOCKER_HOST": "tcp://127.0.0.1:2375"}) == ()
    ws = Path("/srv/ws/alice")
    assert sandbox_launch.start_dir(ws, ws / "containers") == ws / "containers"
    assert sandbox_launch.start_dir(ws, Path("/root/.cache")) == ws
    assert sandbox_launch.start_dir(ws, Path("/srv/ws/alice2")) == ws


def test_missing_tool_is_unconfined_with_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    view.probe.cache_clear()
    try:
        found = view.probe()
    finally:
        view.probe.cache_clear()
    assert isinstance(found, view.Unconfined) and "apt-get install bubblewrap" in found.fix


def test_launcher_hands_the_variant_as_a_read_only_file_and_drops_the_variable(monkeypatch, tmp_path):
    """In a view the student's values leave the kernel's environment (a cell could set it there) and become a
    read-only file; a view without them gets the default variant's empty file, never the variable's say."""
    if view.tool() is None:
        pytest.skip("bwrap is not installed")
    conn = tmp_path / "kernel-1.json"
    conn.write_text("{}")
    for name in ("HOME", "USER", "LOGNAME", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # confine sets them: restored after
    monkeypatch.setenv(ENV_VIEW, view.TOOL)
    monkeypatch.setenv(ENV_WORKDIR, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    entry = pwd.getpwuid(os.getuid())

    def launched(values: str | None) -> tuple[list[str], bytes]:
        if values is None:
            monkeypatch.delenv(config.VARIANT_ENV, raising=False)
        else:
            monkeypatch.setenv(config.VARIANT_ENV, values)
        args = sandbox_launch.confine(entry, ["python", "-m", "ipykernel_launcher", "-f", str(conn)])
        assert config.VARIANT_ENV not in os.environ
        fd = int(args[args.index(str(config.VARIANT_FILE)) - 1])
        assert args[args.index(str(config.VARIANT_FILE)) - 2] == "--ro-bind-data"
        try:
            return args, os.read(fd, 1 << 16)
        finally:
            for i, a in enumerate(args):
                if a == "--ro-bind-data":
                    os.close(int(args[i + 1]))

    mine = json.dumps({"student": "ada", "values": {"containers": {"memory_mb": 96}}})
    args, content = launched(mine)
    assert content == mine.encode()
    assert args[-1] == view.CONNECTION and mine not in " ".join(args)
    assert launched(None)[1] == b"{}"
