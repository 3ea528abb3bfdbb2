"""Checks for the `images` assignment (S6, S7): Dockerfiles built and run, a registry, archives.

Every check builds what it needs through the learner's client (so images carry the
session label), judges the built image's config, its behaviour in a container and the
registry's real state, and removes what it built (images, registry manifests, files).
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import secrets
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import requests
from docker.models.images import Image

from course import config
from course.checks.feedback import Feedback, call, expect
from course.images import BASE, image_ref
from course.lab import dockerfiles, variant
from course.services import registry

#: The Dockerfile learners read in exercise 2, and the file its COPY needs.
GIVEN_DOCKERFILE = """\
FROM vmdocker/base
ENV APP_HOME=/srv/app MODE=production
WORKDIR $APP_HOME
COPY app.sh .
RUN chmod +x app.sh && mkdir data
EXPOSE 8080
LABEL maintainer="team@example.org"
CMD ["./app.sh", "--serve"]
"""
GIVEN_FILES = {"app.sh": '#!/bin/sh\necho "app in $MODE mode, serving from $(pwd) with $*"\n'}
READING_KEYS = ("workdir", "cmd", "mode", "port", "script", "output")
TITLE_LABEL = "org.opencontainers.image.title"
SHELL_FORM = ["/bin/sh", "-c"]
#: Seconds a container of a checked image may run (they only print a line).
RUN_TIMEOUT = 30
#: Type bits of Go's os.FileMode (dir, symlink, device, pipe, socket, char device, irregular), as
#: the engine reports a path's mode: a regular file has none of them.
GO_MODE_TYPE = (1 << 31) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19)


def session_namespace(api: docker.DockerClient) -> str:
    """The registry and tag namespace of ``api``'s session (learners' names never collide)."""
    session = getattr(api, "course_labels", {}).get(config.LABEL_SESSION) or "learner"
    return registry.namespace(session)


def _remove_image(api: docker.DockerClient, image: Image | str | None) -> None:
    if image is None:
        return
    with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
        api.images.remove(image.id if isinstance(image, Image) else image, force=True)


@contextlib.contextmanager
def _built(api: docker.DockerClient, text: str, files: dict[str, str] | None = None,
           tag: str | None = None, whose: str = "your Dockerfile", cache: bool = False) -> Iterator[Image]:
    """Build ``text``; feedback if the build fails; the image is removed when the block ends."""
    try:
        image, _ = dockerfiles.build(api, text, files, tag, cache=cache)
    except docker.errors.BuildError as exc:
        raise Feedback(f"building {whose} failed at {dockerfiles.failure(exc)}",
                       "build it yourself in a cell (docker.images.build(..., pull=False)) and read the log; "
                       "check the instruction named above.") from None
    except docker.errors.APIError as exc:
        raise Feedback(f"the engine refused to build {whose}: {exc.explanation or exc}",
                       "start FROM vmdocker/base (nothing can be pulled here) and use only files in the "
                       "build context.") from None
    try:
        yield image
    finally:
        _remove_image(api, image)


def _run(api: docker.DockerClient, image: Image, **kwargs) -> tuple[int, str]:
    """Run ``image`` with its own CMD; (exit status, output)."""
    container = api.containers.run(image.id, detach=True, **kwargs)
    try:
        try:
            status = container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        except requests.RequestException:
            raise Feedback(f"a container of the image was still running after {RUN_TIMEOUT} s.",
                           "its command should print its line and exit; check what CMD runs.") from None
        return status, container.logs().decode(errors="replace").strip()
    finally:
        container.remove(force=True)


def _is_file(api: docker.DockerClient, image: Image, path: str) -> bool:
    """True if ``path`` is a regular file in the image (read from a created, never started, container)."""
    container = api.containers.create(image.id)
    try:
        stream, stat = container.get_archive(path)
        for _ in stream:
            pass
        return stat.get("mode", 0) & GO_MODE_TYPE == 0
    except docker.errors.NotFound:
        return False
    finally:
        container.remove(force=True)


def _same_path(given: str, path: str) -> bool:
    """The same absolute path, whatever its trailing or repeated slashes ("/srv/app/" is /srv/app)."""
    return posixpath.normpath(given) == posixpath.normpath(path)


def _env(image: Image) -> dict[str, str]:
    return dict(item.split("=", 1) for item in image.attrs["Config"].get("Env") or [] if "=" in item)


def greeter(fn: Callable, api: docker.DockerClient, name: str, full: bool = False) -> None:
    """`greeter_dockerfile(name)` returns a Dockerfile whose image greets ``name`` as the exercise says."""
    text = call(fn, name)
    expect(isinstance(text, str), f"`greeter_dockerfile({name!r})` returned {type(text).__name__}, not a str.",
           'return the Dockerfile as text, e.g. f"""FROM vmdocker/base\\n..."""')
    expect("FROM" in text.upper(), "the text has no FROM instruction: every Dockerfile starts from an image.",
           "begin with FROM vmdocker/base (lab.BASE_IMAGE).")
    token = secrets.token_hex(4)
    greet = f'#!/bin/sh\necho "$GREETING from $(pwd) ({token})"\n'
    with _built(api, text, {"greet.sh": greet}) as image:
        cfg = image.attrs["Config"]
        base_layers = api.images.get(image_ref(BASE)).attrs["RootFS"]["Layers"]
        layers = image.attrs["RootFS"]["Layers"]
        expect(layers[:len(base_layers)] == base_layers, "the image is not built on the course base image.",
               "start the Dockerfile with FROM vmdocker/base.")
        cmd = cfg.get("Cmd") or []
        expect(cmd[:2] != SHELL_FORM,
               f"CMD is in shell form: the engine stored it as {cmd}, a shell running your command.",
               'write CMD in exec form, a JSON list: CMD ["sh", "greet.sh"].')
        expect(cmd, "the image has no CMD, so a container of it does not know what to run.",
               'add CMD ["sh", "greet.sh"].')
        workdir, want_dir = cfg.get("WorkingDir"), str(variant.value("images", "workdir"))
        expect(bool(workdir) and _same_path(workdir, want_dir),
               f"the image's working directory is {workdir or 'not set (/)'}; your exercise asks for {want_dir}.",
               f"add WORKDIR {want_dir}, your own directory (before COPY, so greet.sh lands there).")
        greeting = _env(image).get("GREETING")
        expect(greeting == f"Hello, {name}",
               f"GREETING is {greeting!r} in the image, expected {f'Hello, {name}'!r}."
               if greeting is not None else "the image sets no GREETING environment variable.",
               f'add ENV GREETING="Hello, {name}" (build the text with an f-string).')
        title = (cfg.get("Labels") or {}).get(TITLE_LABEL)
        expect(title == name, f"the label {TITLE_LABEL} is {title!r}, expected {name!r}.",
               f'add LABEL {TITLE_LABEL}="{name}".')
        status, output = _run(api, image)
        want = f"Hello, {name} from {want_dir.rstrip('/')} ({token})"
        expect(status == 0 and output == want,
               f"the container printed {output!r} (exit status {status}), expected {want!r}.",
               f"COPY greet.sh into {want_dir} and make CMD run it with sh; the tests bring their own greet.sh.")
        if full:
            status, output = _run(api, image, environment={"GREETING": "Bonjour"})
            want = f"Bonjour from {want_dir.rstrip('/')} ({token})"
            expect(output == want, f"run with GREETING=Bonjour, the container printed {output!r}, expected {want!r}.",
                   "let greet.sh read $GREETING at run time (ENV sets a default a `docker run -e` overrides).")


def reading(answers: object, api: docker.DockerClient, full: bool = False) -> None:
    """`ANSWERS` describes the image GIVEN_DOCKERFILE builds; compared with the built image itself."""
    expect(answers is not None, "`ANSWERS` is not defined.",
           "fill in the ANSWERS dictionary in the cell above and run it.")
    expect(isinstance(answers, dict), f"`ANSWERS` is a {type(answers).__name__}, not a dict.",
           "keep the dictionary and fill in its values.")
    missing = [k for k in READING_KEYS if k not in answers]
    expect(not missing, f"`ANSWERS` lacks the key(s) {missing}.", f"use exactly the keys {list(READING_KEYS)}.")
    # A label of this session's right after FROM: the build cache then serves this session's second
    # build, and no other session's cleanup can delete the steps it reuses.
    first, rest = GIVEN_DOCKERFILE.split("\n", 1)
    text = f"{first}\nLABEL course.reader={session_namespace(api)}\n{rest}"
    with _built(api, text, GIVEN_FILES, whose="the given Dockerfile", cache=True) as image:
        cfg = image.attrs["Config"]
        workdir = cfg["WorkingDir"]
        got = answers["workdir"]
        expect(isinstance(got, str), f"workdir is {got!r}, not a path.", 'write it as a string, e.g. "/some/dir".')
        expect("$" not in got, f"workdir {got!r} is the variable, not its value: WORKDIR expands the variables "
               "ENV set before it.", "follow ENV and WORKDIR: which absolute path does $APP_HOME name?")
        expect(got.startswith("/"), f"workdir {got!r} is a relative path.",
               "give the working directory as an absolute path, starting with /.")
        expect(_same_path(got, workdir), f"workdir {got!r} is not the image's working directory.",
               "follow ENV and WORKDIR: which absolute path does $APP_HOME name?")
        got = answers["cmd"]
        expect(isinstance(got, (list, tuple)), f"cmd is {got!r}, not a list.",
               "CMD in exec form is a JSON list; write it as a Python list of strings.")
        expect(list(got) == cfg["Cmd"], f"cmd {got!r} is not what a container runs.",
               "copy the CMD list exactly: the program and each argument as one string.")
        if not full:
            return
        mode = _env(image).get("MODE")
        expect(answers["mode"] == mode, f"mode {answers['mode']!r} is wrong.", "read the ENV line.")
        ports = [p.split("/")[0] for p in cfg.get("ExposedPorts") or {}]
        expect(str(answers["port"]).split("/")[0] in ports, f"port {answers['port']!r} is not the exposed port.",
               "read the EXPOSE line.")
        script = str(answers["script"])
        expect(script.startswith("/") and _is_file(api, image, posixpath.normpath(script)),
               f"script {script!r} is not where app.sh is in the image.",
               "COPY app.sh . copies into the working directory: give the absolute path.")
        expect(script.rstrip("/").endswith("/app.sh"), f"script {script!r} is a file, but not app.sh.",
               "give the absolute path of app.sh in the image.")
        _, output = _run(api, image)
        expect(str(answers["output"]).strip() == output,
               f"output {answers['output']!r} is not what the container prints.",
               "follow it through: CMD runs ./app.sh --serve in the WORKDIR with the ENV set; app.sh echoes "
               "MODE, the current directory and its arguments ($*).")


def _tiny_image(api: docker.DockerClient, tag: str | None = None, whose: str = "the test's image"):
    """A small image of the test's own: the base plus a unique label (so a unique ID)."""
    text = f"FROM {image_ref(BASE)}\nLABEL course.check={secrets.token_hex(6)}\nCMD [\"echo\", \"shipped\"]\n"
    return _built(api, text, tag=tag, whose=whose, cache=True)


def _call_publish(fn: Callable, *args) -> object:
    """Call the learner's `publish`; explain the engine's two classic refusals of a push."""
    try:
        return call(fn, *args)
    except Feedback as fb:
        cause = fb.__cause__
        if isinstance(cause, docker.errors.APIError) and "X-Registry-Auth" in str(cause):
            raise Feedback("the push was refused: the engine wants credentials for the registry, even empty ones.",
                           "pass auth_config={} to push (the course registry takes anonymous pushes).") from None
        if isinstance(cause, docker.errors.ImageNotFound) and "/push" in str(cause):
            raise Feedback(f"the push was refused: {cause.explanation or cause}.",
                           "give the image both names first (image.tag(repository, tag) and "
                           "image.tag(repository, 'latest')), then push.") from None
        raise


def publish(fn: Callable, api: docker.DockerClient, name: str, tag: str, full: bool = False) -> None:
    """`publish(api, image, repository, tag)` pushes ``image`` as ``tag`` and ``latest``; returns the digest."""
    try:
        address = registry.start_registry()
    except registry.RegistryUnavailable as exc:
        raise Feedback(f"the course registry is not available: {exc}",
                       "this is not your mistake: ask your teacher to start it.") from None
    path = f"{session_namespace(api)}/{name}"
    repository = f"{address}/{path}"
    with _tiny_image(api) as image:
        try:
            got = _call_publish(fn, api, image, repository, tag)
            expect(got != image.id,
                   "that is the image's ID (the digest of its config, known before any push), not the manifest "
                   "digest the registry gives it.",
                   "after pushing, read image.attrs['RepoDigests'] (after image.reload()) or the push output's "
                   "'aux' Digest.")
            expect(isinstance(got, str) and got.startswith("sha256:") and "@" not in got,
                   f"`publish` returned {got!r}; a digest looks like 'sha256:' followed by 64 hex digits.",
                   "return only the digest part of a RepoDigest (after the '@').")
            listed = registry.tags(path)
            for wanted in (tag, "latest"):
                expect(wanted in listed,
                       f"the registry has no tag {wanted!r} in {path} (it lists {listed or 'nothing'}).",
                       f"tag the image {repository}:{tag} and {repository}:latest, push, and read what push "
                       "returns: docker-py reports push errors in its output instead of raising.")
            digest = registry.manifest_digest(path, tag)
            expect(got == digest, f"`publish` returned {got}, but the registry's {path}:{tag} is {digest}.",
                   "return the digest of what you pushed, as the registry reports it.")
            latest = registry.manifest_digest(path, "latest")
            expect(latest == digest, f"{path}:latest is {latest}, not the image pushed as {tag} ({digest}).",
                   f"give this very image both tags, {tag} and latest, before pushing.")
            manifest = requests.get(registry.url(f"/v2/{path}/manifests/{digest}"),
                                    headers={"Accept": registry.MANIFEST_TYPES}, timeout=10).json()
            expect(manifest.get("config", {}).get("digest") == image.id,
                   f"the registry's {path}:{tag} holds another image, not the one `publish` was given.",
                   "push the image you were given (tag that very image, then push).")
            if full:
                for local in (f"{repository}:{tag}", f"{repository}:latest"):
                    with contextlib.suppress(docker.errors.APIError):
                        api.images.remove(local)
                pulled = api.images.pull(f"{repository}@{digest}")
                expect(pulled.id == image.id, "pulling by the digest you returned gave another image.",
                       "return the manifest digest of the pushed tag.")
        finally:
            with contextlib.suppress(requests.RequestException):
                for pushed in {registry.manifest_digest(path, t) for t in (tag, "latest")} - {None}:
                    registry.delete_manifest(path, pushed)


def offline(save_fn: Callable, load_fn: Callable, api: docker.DockerClient, full: bool = False) -> None:
    """`save_image(api, name, path)` writes an archive; `load_image(api, path)` brings the image back."""
    tag = f"{session_namespace(api)}/offline:{secrets.token_hex(3)}"
    folder = Path(tempfile.mkdtemp(prefix="course-offline-"))
    archive = folder / "image.tar"
    try:
        with _tiny_image(api, tag=tag) as image:
            call(save_fn, api, tag, str(archive))
            expect(archive.is_file() and archive.stat().st_size > 0, f"`save_image` wrote nothing at {archive}.",
                   "write every chunk of image.save(...) to the file, opened in binary mode ('wb').")
            expect(tarfile.is_tarfile(archive), f"{archive} is not a tar archive.",
                   "write the bytes image.save() yields, unchanged.")
            with tarfile.open(archive) as tar:
                names = tar.getnames()
                manifest = json.load(tar.extractfile("manifest.json")) if "manifest.json" in names else []
            expect(any(m.get("Config", "").startswith(image.id.split(":")[1]) for m in manifest),
                   f"the archive does not hold the image {tag}.", f"save the image named {tag!r}.")
            if full:
                tags = [t for m in manifest for t in m.get("RepoTags") or []]
                expect(tag in tags, f"the archive records no name for the image (RepoTags {tags}): after loading, "
                       "it would be an anonymous <none>:<none> image.",
                       "save it by name: image.save(named=True), or api.api.get_image(name).")
            api.images.remove(image.id, force=True)
            loaded = call(load_fn, api, str(archive))
            if isinstance(loaded, list):
                raise Feedback("`load_image` returned a list; return the loaded Image itself.",
                               "images.load(...) returns a list: return its first element.")
            expect(isinstance(loaded, Image), f"`load_image` returned {type(loaded).__name__}, not an Image.",
                   "return what api.images.load(data)[0] gives.")
            expect(loaded.id == image.id, "the loaded image is not the one that was saved.",
                   "load the archive at the path you were given.")
            if full:
                loaded.reload()
                expect(tag in loaded.tags, f"the loaded image is not named {tag} (tags {loaded.tags}).",
                       "save the image by name (named=True), so the archive records its tag.")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
