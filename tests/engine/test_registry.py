"""The course registry (course.services.registry), Dockerfile builds (course.lab.dockerfiles) and the `images` checks."""

from __future__ import annotations

import contextlib
import tarfile

import docker.errors
import pytest

from course import config
from course.checks import images as check
from course.checks.feedback import Feedback
from course.engine import client, remove_labelled
from course.images import BASE, image_ref
from course.lab import dockerfiles
from course.services import registry

GREETER = """FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, {name}"
WORKDIR /app
COPY greet.sh .
CMD ["sh", "greet.sh"]
"""
ANSWERS = {
    "workdir": "/srv/app",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": "8080/tcp",
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with --serve",
}


@pytest.fixture(scope="module")
def address():
    """The running course registry; stopped afterwards only if this module started it."""
    already = registry.answers()
    yield registry.start_registry()
    if not already:
        registry.stop_registry()


@pytest.fixture
def tiny(session_api):
    """A small image of this test's own, removed afterwards."""
    image, _ = dockerfiles.build(session_api, f"FROM {image_ref(BASE)}\nLABEL test.tiny=yes\n")
    yield image
    with contextlib.suppress(docker.errors.APIError):
        session_api.images.remove(image.id, force=True)


def publish(api, image, repository, tag):
    image.tag(repository, tag)
    image.tag(repository, "latest")
    for line in api.images.push(repository, stream=True, decode=True, auth_config={}):
        if "error" in line:
            raise RuntimeError(line["error"])
    image.reload()
    return next(d.split("@", 1)[1] for d in image.attrs["RepoDigests"] if d.startswith(repository + "@"))


def save_image(api, name, path):
    with open(path, "wb") as out:
        out.writelines(api.images.get(name).save(named=True))


def load_image(api, path):
    with open(path, "rb") as archive:
        return api.images.load(archive.read())[0]


def test_config_keeps_the_registry_behind_its_front(tmp_path):
    """The real registry listens on a unix socket in a root-only folder: only the front reaches it."""
    text = registry.config_text(storage=tmp_path)
    assert f"net: unix\n  addr: {registry.BACKEND}" in text and f"rootdirectory: {tmp_path}" in text
    assert "delete:\n    enabled: true" in text and "auth:" not in text and "blobdescriptor" not in text
    assert registry.BACKEND.parent == config.REGISTRY_PRIVATE


def test_names():
    assert registry.split(f"{registry.ADDRESS}/team/app:1") == ("team/app", "1")
    assert registry.split(f"{registry.ADDRESS}/team/app") == ("team/app", "latest")
    assert registry.namespace("grade-1a2b3c4d-images-solution") == "grade-1a2b3c4d-images-solution"
    assert registry.namespace("My_Host.local-123") == "my-host-local-123"
    assert registry.namespace("!!!") == "learner"


def test_stop_without_a_recorded_process_is_a_no_op(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PIDFILE", tmp_path / "registry.pid")
    monkeypatch.setattr(registry, "FRONT_PIDFILE", tmp_path / "front.pid")
    assert registry.stop_registry() is False


def test_start_is_idempotent(address):
    assert address == registry.ADDRESS
    assert registry.start_registry() == address and registry.answers()


def test_push_list_digest_pull_delete(session_api, address, tiny):
    name = f"{registry.namespace('pytest-registry')}/roundtrip"
    repository = f"{address}/{name}"
    digest = publish(session_api, tiny, repository, "t1")
    try:
        assert name in registry.catalog() and sorted(registry.tags(name)) == ["latest", "t1"]
        assert registry.manifest_digest(name, "t1") == digest
        session_api.images.remove(f"{repository}:t1")
        assert session_api.images.pull(f"{repository}@{digest}").id == tiny.id
    finally:
        assert registry.delete_manifest(name, digest)
    assert registry.tags(name) == [] and registry.manifest_digest(name, "t1") is None


def test_context_and_build_failure(session_api):
    with tarfile.open(fileobj=dockerfiles.context("FROM scratch\n", {"run.sh": "echo"})) as tar:
        assert sorted(tar.getnames()) == ["Dockerfile", "run.sh"]
        assert tar.getmember("run.sh").mode == 0o755
    with pytest.raises(docker.errors.BuildError) as caught:
        dockerfiles.build(session_api, f"FROM {image_ref(BASE)}\nRUN exit 3\n")
    assert "Step 2/" in dockerfiles.failure(caught.value) and "RUN exit 3" in dockerfiles.failure(caught.value)


def test_reference_answers_pass(session_api, address):
    check.greeter(lambda name: GREETER.format(name=name), session_api, "Ada", full=True)
    check.reading(ANSWERS, session_api, full=True)
    check.publish(publish, session_api, "pytest-published", "v1", full=True)
    check.offline(save_image, load_image, session_api, full=True)


def test_greeter_mistakes(session_api):
    shell_form = GREETER.replace('CMD ["sh", "greet.sh"]', "CMD sh greet.sh")
    with pytest.raises(Feedback, match="shell form"):
        check.greeter(lambda name: shell_form.format(name=name), session_api, "Ada")
    hard_coded = GREETER.replace('"Hello, {name}"', '"Hello, Ada"')
    with pytest.raises(Feedback, match="GREETING"):
        check.greeter(lambda name: hard_coded.format(name=name), session_api, "Grace")
    with pytest.raises(Feedback, match="failed at Step"):
        check.greeter(lambda name: GREETER.replace("greet.sh .", "missing.sh ."), session_api, "Ada")
    echo = GREETER.replace('CMD ["sh", "greet.sh"]', 'CMD ["sh", "-c", "echo $GREETING from $(pwd)"]')
    with pytest.raises(Feedback, match="printed"):
        check.greeter(lambda name: echo.format(name=name), session_api, "Ada")


def test_reading_mistakes(session_api):
    with pytest.raises(Feedback, match="the variable, not its value: WORKDIR expands"):
        check.reading({**ANSWERS, "workdir": "$APP_HOME"}, session_api)
    with pytest.raises(Feedback, match="relative path"):
        check.reading({**ANSWERS, "workdir": "srv/app/"}, session_api)
    with pytest.raises(Feedback, match="'/srv' is not the image's working directory"):
        check.reading({**ANSWERS, "workdir": "/srv"}, session_api)
    check.reading({**ANSWERS, "workdir": "/srv/app/", "cmd": tuple(ANSWERS["cmd"])}, session_api)  # the same directory
    with pytest.raises(Feedback, match="not a list"):
        check.reading({**ANSWERS, "cmd": "./app.sh --serve"}, session_api)
    with pytest.raises(Feedback, match="absolute path"):
        check.reading({**ANSWERS, "script": "app.sh"}, session_api, full=True)
    with pytest.raises(Feedback, match="not where app.sh is"):
        check.reading({**ANSWERS, "script": "/srv/app/data"}, session_api, full=True)  # a directory
    with pytest.raises(Feedback, match="not defined"):
        check.reading(None, session_api)


def test_publish_mistakes(session_api, address):
    def untagged_push(api, image, repository, tag):
        api.images.push(repository, tag=tag)  # never tagged: the push fails quietly
        return "sha256:" + "0" * 64

    with pytest.raises(Feedback, match="does not raise|instead of raising"):
        check.publish(untagged_push, session_api, "pytest-untagged", "v1")

    def image_id(api, image, repository, tag):
        publish(api, image, repository, tag)
        return image.id

    with pytest.raises(Feedback, match="image's ID"):
        check.publish(image_id, session_api, "pytest-imageid", "v1")

    def only_the_version(api, image, repository, tag):
        image.tag(repository, tag)
        list(api.images.push(repository, tag=tag, stream=True, decode=True, auth_config={}))
        image.reload()
        return image.attrs["RepoDigests"][0].split("@")[1]

    with pytest.raises(Feedback, match="no tag 'latest'"):
        check.publish(only_the_version, session_api, "pytest-version-only", "v1")
    assert registry.tags(f"{check.session_namespace(session_api)}/pytest-version-only") == []


def test_checks_through_the_guard(session_api, address, tmp_path):
    """What graded kernels see: the engine through a course guard (own network, forced labels)."""
    from course.engine import session_client
    from course.engine.labelled import LabelledClient
    from course.guard import GuardThread, Settings

    guard = GuardThread(Settings(owner="pytest-registry"), tmp_path / "guard.sock").start()
    try:
        base = session_client()
        api = LabelledClient.__new__(LabelledClient)
        api.__dict__.update(docker.DockerClient(base_url=guard.url, version="auto").__dict__)
        api.course_labels = base.course_labels
        check.greeter(lambda name: GREETER.format(name=name), api, "Ada", full=True)
        check.publish(publish, api, "pytest-guarded", "v2", full=True)
        check.offline(save_image, load_image, api, full=True)

        def no_credentials(api, image, repository, tag):
            image.tag(repository, tag)
            image.tag(repository, "latest")
            list(api.images.push(repository, stream=True, decode=True))
            return ""

        with pytest.raises(Feedback):  # pushed without auth_config (the guard supplies empty ones), no digest
            check.publish(no_credentials, api, "pytest-guarded", "v3")
    finally:
        guard.stop()
        remove_labelled(client(), owner="pytest-registry", images=True)  # the guard's own network too


def test_offline_without_names_is_caught(session_api):
    def save_by_id(api, name, path):
        with open(path, "wb") as out:
            out.writelines(api.images.get(name).save())

    check.offline(save_by_id, load_image, session_api)  # the image comes back...
    with pytest.raises(Feedback, match="no name"):
        check.offline(save_by_id, load_image, session_api, full=True)  # ...but anonymous
