"""Passwords the course makes for its own services, each kept in a private file (mode 0600)."""

from __future__ import annotations

import secrets
from pathlib import Path


def private_token(path: Path) -> str:
    """The token in ``path``, made (random, 128 bits) and stored readable by its owner only on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(16))
    return path.read_text().strip()
