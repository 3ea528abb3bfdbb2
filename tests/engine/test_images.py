"""Offline course images: built FROM scratch, labelled, rebuilt only when inputs change."""

from __future__ import annotations

import dataclasses
import shutil

import docker.errors
import pytest

from course import config
from course.images import BASE, build, ensure_image


def test_base_image_is_built_from_scratch_and_labelled(engine):
    ref, _ = ensure_image(engine)
    image = engine.images.get(ref)
    assert image.labels[config.LABEL_COURSE] == config.COURSE_NAME
    assert len(image.labels[config.LABEL_INPUTS]) == 64
    # FROM scratch: every layer comes from this Dockerfile, none from a pulled parent.
    created_by = [h["CreatedBy"] for h in image.history()]
    assert not any("ADD file:" in c for c in created_by)
    assert image.attrs["Config"]["Cmd"] == ["/bin/sh"]
    out = engine.containers.run(ref, ["sh", "-c", "busybox | head -1; ls /bin | wc -l"], remove=True)
    assert b"BusyBox" in out
    assert int(out.split()[-1]) > 100  # the applets busybox installed


def test_second_build_is_cached(engine):
    ensure_image(engine)
    _, built = ensure_image(engine)
    assert built is False


def test_changed_inputs_rebuild(engine, tmp_path, monkeypatch):
    folder = tmp_path / "variant"
    shutil.copytree(BASE.folder, folder)
    (folder / "etc" / "motd").write_text(f"variant {tmp_path.name}\n")
    spec = dataclasses.replace(BASE, name="test-variant", folder=folder)
    ref, built = ensure_image(engine, spec)
    try:
        assert built is True
        inputs = engine.images.get(ref).labels[config.LABEL_INPUTS]
        assert inputs != engine.images.get(build.image_ref(BASE)).labels[config.LABEL_INPUTS]
        assert ensure_image(engine, spec) == (ref, False)
    finally:
        for tag in [ref, f"{spec.repository}:{inputs[:12]}"]:
            engine.images.remove(tag, force=True)


def test_missing_host_file_is_a_clear_error(tmp_path):
    spec = dataclasses.replace(BASE, name="broken", host_files={"busybox": tmp_path / "nope"})
    with pytest.raises(FileNotFoundError, match="nope is missing"):
        build.assemble_context(spec)


def test_nothing_is_pulled(engine):
    """The course never pulls: a reference that is not local fails instead of reaching a registry."""
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get("vmdocker/does-not-exist:latest")
