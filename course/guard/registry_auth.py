"""Whose registry namespace a push or pull is for: tokens the guard hands dockerd, the front checks.

The course registry (:mod:`course.services.registry_front`) shows each unix user only their own
repositories. A kernel's own HTTP requests are identified by the uid that connects; a push or pull
is made by dockerd (root) on a learner's behalf, so the guard, which knows whose kernels it serves,
sends dockerd a registry token for that user (``X-Registry-Auth: {"registrytoken": ...}``, which
dockerd passes on as ``Authorization: Bearer``). A token is the user's name signed with a root-only
secret (HMAC-SHA256): a learner can neither read the secret nor forge another user's token.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

from course import config

#: A registry path component (distribution's grammar): users whose name is one are stored under it.
COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


def secret(path: Path | None = None) -> bytes:
    """The signing secret (created once, 0600, in a root-only directory: ``config.REGISTRY_SECRET``)."""
    path = path or config.REGISTRY_SECRET
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    with contextlib.suppress(FileExistsError):  # two starters at once: the first one's secret wins
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(os.urandom(32))
    return path.read_bytes()


def token(user: str, key: bytes | None = None) -> str:
    """``user``'s registry token: ``user.signature``."""
    mac = hmac.new(key or secret(), user.encode(), hashlib.sha256).hexdigest()
    return f"{user}.{mac}"


def user_of(text: str, key: bytes | None = None) -> str | None:
    """The user a token speaks for, or None if it is not one the guards signed."""
    user, sep, _ = text.rpartition(".")
    if not sep or not user:
        return None
    return user if hmac.compare_digest(token(user, key), text) else None


def auth_header(user: str, key: bytes | None = None) -> tuple[bytes, bytes]:
    """The ``X-Registry-Auth`` header the guard sends with a push or pull for ``user``."""
    doc = json.dumps({"registrytoken": token(user, key)}).encode()
    return b"x-registry-auth", base64.urlsafe_b64encode(doc)


def prefix(user: str) -> str:
    """Where ``user``'s repositories live in the real registry (never shown to anyone)."""
    if COMPONENT.match(user) and len(user) <= 64:
        return user
    return "u-" + hashlib.sha256(user.encode()).hexdigest()[:16]
