"""What the course creates carries its labels, and cleanup removes exactly one session's objects."""

from __future__ import annotations

import os

from course import config
from course.engine import remove_labelled, session_client
from course.engine.cleanup import leftovers
from course.images import BASE, image_ref

# Per-run session names: a crashed earlier run's objects must not count here.
A, B1, B2 = (f"test-labels-{x}-{os.getpid()}" for x in ("a", "b1", "b2"))


def test_labelled_client_labels_everything(engine):
    api = session_client(A, owner="alice")
    try:
        container = api.containers.create(image_ref(BASE), "true", labels={"mine": "1"})
        network = api.networks.create("test-labels-net")
        volume = api.volumes.create()
        for obj in (container, network, volume):
            obj.reload()
            labels = obj.attrs.get("Labels") or obj.attrs["Config"]["Labels"]
            assert labels[config.LABEL_COURSE] == config.COURSE_NAME
            assert labels[config.LABEL_SESSION] == A
            assert labels[config.LABEL_OWNER] == "alice"
        assert container.labels["mine"] == "1"  # the learner's own labels are kept
    finally:
        remove_labelled(api, A)
    assert sum(leftovers(api, A).values()) == 0


def test_low_level_api_labels_too(engine):
    """``client.api`` (docker-py's low level) labels what it creates like the collections do."""
    api = session_client(A)
    try:
        cid = api.api.create_container(image_ref(BASE), "true", labels={"mine": "1"})["Id"]
        net = api.api.create_network("test-labels-lowlevel")["Id"]
        vol = api.api.create_volume()["Name"]
        for labels in (api.api.inspect_container(cid)["Config"]["Labels"], api.api.inspect_network(net)["Labels"],
                       api.api.inspect_volume(vol)["Labels"]):
            assert labels[config.LABEL_SESSION] == A and labels[config.LABEL_COURSE] == config.COURSE_NAME
        assert api.api.inspect_container(cid)["Config"]["Labels"]["mine"] == "1"
    finally:
        remove_labelled(api, A)
    assert sum(leftovers(api, A).values()) == 0


def test_cleanup_is_per_session(engine):
    a, b = session_client(B1), session_client(B2)
    ca = a.containers.run(image_ref(BASE), "sleep 60", detach=True)
    cb = b.containers.run(image_ref(BASE), "sleep 60", detach=True)
    try:
        removed = remove_labelled(a, B1)
        assert removed["containers"] == 1
        cb.reload()
        assert cb.status == "running"
    finally:
        remove_labelled(b, B2)
        remove_labelled(a, B1)
    assert ca.id not in {c.id for c in engine.containers.list(all=True)}
