"""Build the course images from their Dockerfiles, only when their inputs changed.

Each image's build context is assembled in the cache from its folder here plus
host files (Debian's busybox-static). The sha256 of the whole context is the
image's identity: it is stored as a label and a tag, so a second run finds the
image and builds nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors

from course import config
from course.system import apt

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ImageSpec:
    """One course image: its name, its Dockerfile folder, host files it copies in."""

    name: str
    folder: Path
    host_files: dict[str, Path] = field(default_factory=dict)
    packages: tuple[str, ...] = ()

    @property
    def repository(self) -> str:
        return f"{config.IMAGE_NAMESPACE}/{self.name}"


BASE = ImageSpec(
    name="base",
    folder=HERE / "base",
    host_files={"busybox": Path("/bin/busybox")},
    packages=("busybox-static",),
)


def image_ref(spec: ImageSpec = BASE) -> str:
    """The tag notebooks use for ``spec`` (``vmdocker/base:latest``)."""
    return f"{spec.repository}:latest"


def assemble_context(spec: ImageSpec) -> tuple[Path, str]:
    """Copy the image's folder and host files into the cache; return (dir, inputs hash)."""
    apt.ensure_packages(list(spec.packages))
    ctx = config.CACHE / "images" / spec.name
    if ctx.exists():
        shutil.rmtree(ctx)
    shutil.copytree(spec.folder, ctx)
    for dest, src in spec.host_files.items():
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing (Debian package {', '.join(spec.packages)})")
        shutil.copy2(src, ctx / dest)
    digest = hashlib.sha256()
    for path in sorted(p for p in ctx.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(ctx)).encode() + b"\0")
        digest.update(path.read_bytes())
    return ctx, digest.hexdigest()


def ensure_image(api: docker.DockerClient, spec: ImageSpec = BASE) -> tuple[str, bool]:
    """Build ``spec`` unless an image with the same inputs exists. Returns (ref, built)."""
    ctx, inputs = assemble_context(spec)
    tag = inputs[:12]
    try:
        found = api.images.get(f"{spec.repository}:{tag}")
        if found.labels.get(config.LABEL_INPUTS) == inputs:
            found.tag(spec.repository, "latest")
            return image_ref(spec), False
    except docker.errors.ImageNotFound:
        pass
    labels = {**config.course_labels(), config.LABEL_INPUTS: inputs}
    # pull=False: the Dockerfiles start FROM scratch, so there is never a parent to fetch.
    image, _ = api.images.build(
        path=str(ctx), tag=f"{spec.repository}:{tag}", labels=labels, pull=False, rm=True, forcerm=True
    )
    image.tag(spec.repository, "latest")
    return image_ref(spec), True
