"""Where the course keeps things and how it names what it creates.

One place for paths and labels, so every module (engine, images, VM, grading)
agrees on them.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the package is installed editable from it).
ROOT: Path = Path(__file__).resolve().parents[1]

#: Downloaded and built artefacts (kernel, initramfs, image contexts, dockerd state).
CACHE: Path = Path(os.environ.get("COURSE_CACHE", ROOT / ".cache")).resolve()

#: Where learners reach the course registry (its front, :mod:`course.services.registry_front`): loopback only.
#: ``COURSE_REGISTRY`` moves it (e.g. a second course on one machine); the engine allows plain HTTP on 127/8.
REGISTRY: str = os.environ.get("COURSE_REGISTRY", "127.0.0.1:5000")
#: Root-only (0700): the real registry's unix socket.
REGISTRY_PRIVATE: Path = CACHE / "registry" / "private"
#: The secret guards sign registry tokens with and the front checks them by (root-only, 0600): one per
#: registry address on the machine, not per cache, since every course cache on it (a grader host's own
#: too) pushes through the one front at that address. ``COURSE_REGISTRY_SECRET`` moves it.
REGISTRY_SECRET: Path = Path(os.environ.get("COURSE_REGISTRY_SECRET") or (
    Path("/var/lib/vmdocker-course") / f"registry-{REGISTRY.replace(':', '-')}.secret" if os.geteuid() == 0
    else REGISTRY_PRIVATE / "token.secret"))

#: The environment variable that hands a kernel its student's values (``{"student": ..., "values": ...}``):
#: set by whoever starts the kernel (the grader, a student's lab), never the course's secret.
VARIANT_ENV = "COURSE_VARIANT"
#: Where a kernel in its allow-list view reads those values instead: a read-only file the launcher makes
#: from :data:`VARIANT_ENV` (which it removes), so that no cell can choose its variant.
VARIANT_FILE: Path = Path("/run/kernel/variant.json")

#: Debian's packages of the Docker Engine and of the course registry (here: `course setup` installs
#: every package with the standard library alone, before the venv exists).
ENGINE_PACKAGE = "docker.io"
REGISTRY_PACKAGE = "docker-registry"

#: Namespace of every image tag the course builds.
IMAGE_NAMESPACE = "vmdocker"

#: Label carried by everything the course creates on an engine.
LABEL_COURSE = "edu.vmdocker.course"
COURSE_NAME = "vm-docker"
#: Label naming the session (a notebook kernel, a test, a graded submission).
LABEL_SESSION = "edu.vmdocker.session"
#: Label naming the owner (a student) where one is known.
LABEL_OWNER = "edu.vmdocker.owner"
#: Label on images: hash of the inputs they were built from.
LABEL_INPUTS = "edu.vmdocker.inputs"


def course_labels(session: str | None = None, owner: str | None = None) -> dict[str, str]:
    """The labels an object created for ``session`` (and ``owner``) carries."""
    labels = {LABEL_COURSE: COURSE_NAME}
    if session:
        labels[LABEL_SESSION] = session
    if owner:
        labels[LABEL_OWNER] = owner
    return labels
