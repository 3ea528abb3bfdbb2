"""Docker-style errors the guard answers with, so learners read them like any engine error."""

from __future__ import annotations

import json


class Refused(Exception):
    """A request the guard will not forward; ``status`` is the HTTP status the learner sees.

    403: refused by policy; 400: unparsable; 404: not yours (or absent); 409: a conflict.
    """

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def refuse(what: str, why: str, instead: str = "", status: int = 403) -> Refused:
    """A refusal that says what was refused, why, and what to do instead."""
    text = f"course guard refused {what}: {why}."
    if instead:
        text += f" {instead}"
    return Refused(text, status)


def not_found(kind: str, ref: str) -> Refused:
    """The engine's own wording: other owners' objects look exactly like absent ones."""
    return Refused(f"No such {kind}: {ref}", 404)


def error_body(message: str) -> bytes:
    """The JSON body dockerd uses for errors."""
    return json.dumps({"message": message}).encode()
