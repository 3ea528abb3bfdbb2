"""Access to the Docker Engine: finding it, starting it, labelling and cleaning up."""

from course.engine.cleanup import remove_labelled
from course.engine.connect import EngineUnavailable, client, engine_url, ping
from course.engine.labelled import LabelledClient, session_client

__all__ = [
    "EngineUnavailable",
    "LabelledClient",
    "client",
    "engine_url",
    "ping",
    "remove_labelled",
    "session_client",
]
