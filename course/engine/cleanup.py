"""Remove what the course created on the engine, found by its labels."""

from __future__ import annotations

from collections import Counter

import docker
import docker.errors

from course import config


def _filters(session: str | None, owner: str | None = None) -> dict:
    wanted = [f"{config.LABEL_COURSE}={config.COURSE_NAME}"]
    if session:
        wanted.append(f"{config.LABEL_SESSION}={session}")
    if owner:
        wanted.append(f"{config.LABEL_OWNER}={owner}")
    return {"label": wanted}


def _session_starts(obj, prefix: str | None) -> bool:
    """True if ``obj``'s session label starts with ``prefix`` (always, without a prefix)."""
    if prefix is None:
        return True
    labels = obj.attrs.get("Labels") or obj.attrs.get("Config", {}).get("Labels") or {}
    return labels.get(config.LABEL_SESSION, "").startswith(prefix)


def _listers(api: docker.DockerClient, f: dict, prefix: str | None):
    """(kind, lister) for containers, networks and volumes matching ``f`` and the session ``prefix``."""
    return (
        ("containers", lambda: [o for o in api.containers.list(all=True, filters=f) if _session_starts(o, prefix)]),
        ("networks", lambda: [o for o in api.networks.list(filters=f) if _session_starts(o, prefix)]),
        ("volumes", lambda: [o for o in api.volumes.list(filters=f) if _session_starts(o, prefix)]),
    )


def leftovers(api: docker.DockerClient, session: str | None = None, session_prefix: str | None = None) -> Counter:
    """How many course containers, networks and volumes remain (for ``session``, or sessions
    starting with ``session_prefix``, if given)."""
    return Counter({kind: len(lister()) for kind, lister in _listers(api, _filters(session), session_prefix)})


def remove_labelled(api: docker.DockerClient, session: str | None = None, images: bool = False,
                    owner: str | None = None, session_prefix: str | None = None) -> Counter:
    """Force-remove course containers, then networks and volumes (and images if asked).

    With ``session`` (and/or ``owner``, or a ``session_prefix``: one course directory's
    gradings) only those objects go; with none, every course object (`course cleanup`).
    Returns counts removed.
    """
    f = _filters(session, owner)
    removed: Counter = Counter()
    for kind, lister in _listers(api, f, session_prefix):
        for obj in lister():
            try:
                obj.remove(force=True) if kind != "networks" else obj.remove()
                removed[kind] += 1
            except docker.errors.NotFound:
                pass  # already gone (auto-remove, another cleaner)
    if images and (session or owner):
        for img in api.images.list(filters=f):
            try:
                api.images.remove(img.id, force=True)
                removed["images"] += 1
            except docker.errors.APIError:
                pass
    return removed
