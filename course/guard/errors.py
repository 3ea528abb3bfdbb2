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


#: dockerd's own 404 wording per kind of object (20.10 as current ones): the CLI 20.10 replaces it by
#: "No such network: X", a current CLI prints it as it comes.
NOT_FOUND = {"network": "network {} not found", "volume": "get {}: no such volume"}


def not_found(kind: str, ref: str) -> Refused:
    """The engine's own wording: other owners' objects look exactly like absent ones."""
    return Refused(NOT_FOUND.get(kind, f"No such {kind}: {{}}").format(ref), 404)


def error_body(message: str) -> bytes:
    """The JSON body dockerd uses for errors."""
    return json.dumps({"message": message}).encode()
