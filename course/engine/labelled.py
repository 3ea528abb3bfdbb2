"""A docker-py client whose creations always carry the course's labels.

Learners and tests use the ordinary docker-py API; this client only merges the
course and session labels into every container, network, volume and image build,
so that cleanup (and a check counting what a session started) can find them whatever
the learner's code did, through the high-level collections or the low-level ``api``.
"""

from __future__ import annotations

import os
import socket

import docker
from docker.models.containers import ContainerCollection
from docker.models.images import ImageCollection
from docker.models.networks import NetworkCollection
from docker.models.volumes import VolumeCollection

from course import config
from course.engine.connect import client as plain_client


def _merge(labels: dict | list | None, extra: dict[str, str]) -> dict[str, str]:
    if isinstance(labels, (list, tuple)):
        labels = {name: "" for name in labels}
    return {**(labels or {}), **extra}


def default_session() -> str:
    """This process's session: ``COURSE_SESSION`` if the grader set it, else one per kernel."""
    return os.environ.get("COURSE_SESSION") or f"{socket.gethostname()}-{os.getpid()}"


def _collection(base: type, method: str):
    """A subclass of ``base`` whose ``method`` merges the client's labels."""

    def create(self, *args, **kwargs):
        kwargs["labels"] = _merge(kwargs.get("labels"), self.client.course_labels)
        return getattr(base, method)(self, *args, **kwargs)

    return type(f"Labelled{base.__name__}", (base,), {method: create})


class LabelledAPIClient(docker.APIClient):
    """The low-level client (``client.api``), labelling what it creates like the collections do."""

    course_labels: dict[str, str]

    def create_container_from_config(self, config, *args, **kwargs):
        config = {**config, "Labels": _merge(config.get("Labels"), self.course_labels)}
        return super().create_container_from_config(config, *args, **kwargs)

    def create_network(self, *args, **kwargs):
        kwargs["labels"] = _merge(kwargs.get("labels"), self.course_labels)
        return super().create_network(*args, **kwargs)

    def create_volume(self, *args, **kwargs):
        kwargs["labels"] = _merge(kwargs.get("labels"), self.course_labels)
        return super().create_volume(*args, **kwargs)

    def build(self, *args, **kwargs):
        kwargs["labels"] = _merge(kwargs.get("labels"), self.course_labels)
        return super().build(*args, **kwargs)


_Containers = _collection(ContainerCollection, "create")
_Networks = _collection(NetworkCollection, "create")
_Volumes = _collection(VolumeCollection, "create")
_Images = _collection(ImageCollection, "build")


class LabelledClient(docker.DockerClient):
    """``docker.DockerClient`` that labels what it creates with the course and session."""

    @property
    def course_labels(self) -> dict[str, str]:
        return self.__dict__.get("_course_labels", {})

    @course_labels.setter
    def course_labels(self, labels: dict[str, str]) -> None:
        self.__dict__["_course_labels"] = labels
        if type(self.api) is docker.APIClient:
            self.api.__class__ = LabelledAPIClient  # the same connection, now labelling too
        self.api.course_labels = labels

    @property
    def containers(self) -> ContainerCollection:
        return _Containers(client=self)

    @property
    def networks(self) -> NetworkCollection:
        return _Networks(client=self)

    @property
    def volumes(self) -> VolumeCollection:
        return _Volumes(client=self)

    @property
    def images(self) -> ImageCollection:
        return _Images(client=self)


def session_client(session: str | None = None, owner: str | None = None) -> LabelledClient:
    """A labelled client on the course engine for ``session`` (default: this kernel's)."""
    base = plain_client()
    labelled = LabelledClient.__new__(LabelledClient)
    labelled.__dict__.update(base.__dict__)
    labelled.course_labels = config.course_labels(session or default_session(), owner)
    return labelled
