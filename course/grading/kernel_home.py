"""What a graded kernel's home holds when its submission starts: a cache root made, nothing of the last one.

A slot's working directory is its kernels' home, emptied for each submission, so every graded kernel
that draws a figure would rebuild matplotlib's font list (a scan of the system's fonts: 0.2-0.4 s of CPU
per submission, which a lab kernel or serial nbgrader, whose homes persist, pays once). The list is built
once instead, by the unprivileged user ``nobody`` from the system's fonts alone (so it names no file a
grader user cannot read), kept in the course's cache under a key of what it was made from (matplotlib, and
every file of the font folders), and copied into each emptied home. A kernel reads the file it would have
made itself; one that rewrites its copy changes nothing for the next submission, which gets a fresh copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from course import config

#: The kernel's matplotlib folder inside its home (the launcher points ``MPLCONFIGDIR`` at it).
MATPLOTLIB_DIR = ".matplotlib"
#: Where matplotlib and fontconfig look for fonts on Linux (a home's own fonts: a graded home has none).
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/usr/X11R6/lib/X11/fonts", "/usr/X11/lib/X11/fonts",
             "/usr/lib/openoffice/share/fonts/truetype", "/etc/fonts")
NOBODY = 65534


def fingerprint() -> str | None:
    """A digest of what the font list is made from: matplotlib (version and place) and the font folders'
    files (path, size, time); None without matplotlib."""
    from importlib import metadata, util  # here: the launcher imports this module for MATPLOTLIB_DIR

    spec = util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    digest = hashlib.sha256(f"{metadata.version('matplotlib')} {spec.origin}\n".encode())
    for top in FONT_DIRS:
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path} {st.st_size} {st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _seeds() -> Path:
    return config.CACHE / "kernel-home"


def seed(key: str | None = None) -> Path | None:
    """The folder of the current font list, if it was built (``key``: the fingerprint, if known)."""
    key = key or fingerprint()
    found = _seeds() / key if key else None
    return found if found and any(found.glob("fontlist-*.json")) else None


def prepare() -> Path | None:
    """Build the font list for the current fonts unless it is there (as root: as ``nobody``); its folder.

    None if matplotlib is missing or the build failed: kernels then build their own, as before."""
    key = fingerprint()
    if key is None or (ready := seed(key)):
        return ready
    build = Path(tempfile.mkdtemp(prefix="course-fontlist-"))
    try:
        as_nobody = {}
        if os.geteuid() == 0:
            os.chown(build, NOBODY, NOBODY)
            as_nobody = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(build), "MPLCONFIGDIR": str(build),
               "LANG": "C.UTF-8"}
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, cwd=build, check=False,
                       capture_output=True, timeout=300, **as_nobody)
        made = sorted(build.glob("fontlist-*.json"))
        if not made:
            return None
        target = _seeds() / key
        staging = _seeds() / f".{key}.{os.getpid()}"
        staging.mkdir(parents=True, exist_ok=True)
        for path in made:
            shutil.copyfile(path, staging / path.name)  # root's copy: the build folder was nobody's
        for old in _seeds().iterdir():
            if old.name != staging.name and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)  # lists of fonts that have changed since
        try:
            staging.rename(target)
        except OSError:  # another run made it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
        return seed(key)
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        shutil.rmtree(build, ignore_errors=True)


def fill(home: Path, uid: int, gid: int) -> bool:
    """Put the current font list into the emptied ``home`` of the user ``uid``; False if there is none yet,
    or something already made the folder (it is left alone: that kernel builds its own list).

    Root writes into a folder a grader user owns, so nothing here follows a link it could have planted:
    every step goes through descriptors opened without following links, and creates, never reuses."""
    found = seed()
    if found is None:
        return False
    nofollow = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        home_fd = os.open(home, nofollow)
    except OSError:
        return False
    try:
        os.mkdir(MATPLOTLIB_DIR, 0o755, dir_fd=home_fd)
        folder_fd = os.open(MATPLOTLIB_DIR, nofollow, dir_fd=home_fd)
        try:
            for path in found.glob("fontlist-*.json"):
                fd = os.open(path.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder_fd)
                with os.fdopen(fd, "wb") as out:
                    out.write(path.read_bytes())
                    os.fchown(out.fileno(), uid, gid)
            os.fchown(folder_fd, uid, gid)
        finally:
            os.close(folder_fd)
    except OSError:
        return False
    finally:
        os.close(home_fd)
    return True
