"""Build images from Dockerfile text, explain failed builds, and remove a session's images.

The `images` lesson and its checks build learners' Dockerfiles many times: the
build context is assembled in memory (no files left behind), the build goes
through the labelled client (so the image carries the session label), and a
failed build becomes a message that quotes the step that failed.
"""

from __future__ import annotations

import contextlib
import io
import re
import tarfile
import time

import docker
import docker.errors
from docker.models.images import Image

from course import config
from course.engine.cleanup import remove_labelled

#: The image a build step produced, as the classic builder logs it (" ---> 1a2b3c4d5e6f").
STEP_RESULT = re.compile(r"^ ---> ([0-9a-f]{12})$", re.MULTILINE)


def context(dockerfile: str, files: dict[str, str | bytes] | None = None) -> io.BytesIO:
    """A tar build context holding ``Dockerfile`` and ``files`` (name -> content)."""
    buf = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, content in {"Dockerfile": dockerfile, **(files or {})}.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o755 if name.endswith(".sh") else 0o644, now
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def log_text(log: list[dict]) -> str:
    """The text a build printed (its ``stream`` and ``error`` lines)."""
    return "".join(str(entry.get("stream") or entry.get("error") or "") for entry in log)


def build(api: docker.DockerClient, dockerfile: str, files: dict[str, str | bytes] | None = None,
          tag: str | None = None, cache: bool = False) -> tuple[Image, str]:
    """Build ``dockerfile`` with ``files`` as its context, never pulling; (image, build log).

    Without ``cache`` every step runs afresh: the build shares no intermediate image with
    other learners' builds, which their cleanup could delete while this one uses it.
    Raises ``docker.errors.BuildError`` as docker-py does; :func:`failure` words it.
    """
    try:
        image, log = api.images.build(fileobj=context(dockerfile, files), custom_context=True, tag=tag,
                                      pull=False, rm=True, forcerm=True, nocache=not cache)
    except docker.errors.BuildError as error:
        error.build_log = list(error.build_log)  # docker-py gives a one-shot iterator: keep it readable
        remove_unfinished(api, log_text(error.build_log))
        raise
    return image, log_text(log)


def remove_unfinished(api: docker.DockerClient, log: str) -> None:
    """Remove the steps a failed build left behind: they carry no session label, so no cleanup finds them.

    Deleting the last untagged intermediate image also prunes its untagged parents that
    nothing else uses; a step that is still someone's parent or tagged is left alone.
    """
    steps = STEP_RESULT.findall(log)
    if not steps:
        return
    with contextlib.suppress(docker.errors.APIError):  # shared with another build, or already gone
        if not api.images.get(steps[-1]).tags:
            api.images.remove(steps[-1])


def failure(error: docker.errors.BuildError) -> str:
    """The failing step and the engine's message, from a BuildError's log."""
    error.build_log = list(error.build_log)
    lines = [ln.strip() for ln in log_text(error.build_log).splitlines() if ln.strip()]
    steps = [ln for ln in lines if ln.startswith("Step ")]
    return (f"{steps[-1]}: " if steps else "") + str(error.msg)


def remove_session_images(api: docker.DockerClient) -> int:
    """Remove the images this client's session built or pulled (by their labels); how many."""
    session = getattr(api, "course_labels", {}).get(config.LABEL_SESSION)
    if not session:
        return 0
    return remove_labelled(api, session=session, images=True)["images"]
