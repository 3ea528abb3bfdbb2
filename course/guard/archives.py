"""Look inside the tar archives learners upload: a build context's Dockerfile, an image archive's tags.

dockerd extracts these archives member by member, so a later member with the same
path wins; ``tarfile.getmember`` also returns the last one. Members that are links
are refused: the guard would have to follow them the way dockerd does.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from typing import IO

from course.guard.errors import Refused, refuse


def _open(fileobj: IO[bytes], what: str) -> tarfile.TarFile:
    fileobj.seek(0)
    try:
        return tarfile.open(fileobj=fileobj, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise Refused(f"course guard could not read the {what} ({exc}): send a tar archive", 400) from None


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Members by normalized path, last one winning."""
    out: dict[str, tarfile.TarInfo] = {}
    try:
        for member in tar:
            out[posixpath.normpath("/" + member.name).lstrip("/")] = member
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise Refused(f"course guard could not read the archive ({exc})", 400) from None
    return out


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int = 4 * 1024 * 1024) -> bytes:
    if not member.isfile():
        raise refuse(f"the archive member {member.name!r}", "it is a link or not a regular file", "")
    if member.size > limit:
        raise refuse(f"the archive member {member.name!r}", f"it is larger than {limit} bytes", "")
    handle = tar.extractfile(member)
    return handle.read() if handle else b""


def dockerfile_text(fileobj: IO[bytes], name: str) -> str:
    """The Dockerfile the classic builder would read from this context (``name`` as given)."""
    if name.startswith("/") or "://" in name:
        raise refuse(f"the Dockerfile path {name!r}", "it must be a path inside the context", "")
    wanted = posixpath.normpath(name or "Dockerfile")
    if wanted.startswith(".."):
        raise refuse(f"the Dockerfile path {name!r}", "it leaves the build context", "")
    with _open(fileobj, "build context") as tar:
        members = _members(tar)
        member = members.get(wanted)
        if member is None and not name:
            member = members.get("dockerfile")  # dockerd's fallback to the lower-case name
        if member is None:
            raise Refused(f"Cannot locate specified Dockerfile: {name or 'Dockerfile'}", 400)
        try:
            return _read(tar, member).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("course guard could not read the Dockerfile: not UTF-8", 400) from None


def archive_tags(fileobj: IO[bytes]) -> tuple[list[str], list[dict]]:
    """Every name an image archive would tag (``manifest.json``, ``repositories``, ``index.json``),
    and the labels of the images it holds (from their config files)."""
    tags: list[str] = []
    labels: list[dict] = []
    with _open(fileobj, "image archive") as tar:
        members = _members(tar)
        labels = _labels(tar, members)
        for path in ("manifest.json", "repositories", "index.json"):
            if path not in members:
                continue
            try:
                doc = json.loads(_read(tar, members[path]))
            except ValueError:
                raise Refused(f"course guard could not read {path} in the image archive", 400) from None
            tags.extend(_tags_in(path, doc))
    return tags, labels


def _labels(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> list[dict]:
    if "manifest.json" not in members:
        return []
    try:
        manifest = json.loads(_read(tar, members["manifest.json"]))
        out = []
        for entry in manifest:
            config = members.get(posixpath.normpath("/" + entry.get("Config", "")).lstrip("/"))
            if config is not None:
                doc = json.loads(_read(tar, config, limit=16 * 1024 * 1024))
                out.append((doc.get("config") or {}).get("Labels") or {})
        return out
    except (ValueError, AttributeError, TypeError) as exc:
        raise Refused(f"course guard could not read the image configs in the archive ({exc})", 400) from None


def _tags_in(path: str, doc) -> list[str]:
    try:
        if path == "manifest.json":
            return [t for entry in doc for t in (entry.get("RepoTags") or [])]
        if path == "repositories":
            return [f"{repo}:{tag}" for repo, tags in doc.items() for tag in tags]
        names = []
        for m in doc.get("manifests") or []:
            notes = m.get("annotations") or {}
            names += [v for k, v in notes.items()
                      if k in ("io.containerd.image.name", "org.opencontainers.image.ref.name")]
        return names
    except (AttributeError, TypeError) as exc:
        raise Refused(f"course guard could not read {path} in the image archive ({exc})", 400) from None
