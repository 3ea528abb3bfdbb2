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
from course.i18n import N_, translator
from course.images import BASE, image_ref
from course.lab import dockerfiles, variant
from course.services import registry

_ = translator("images")

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
           tag: str | None = None, whose: str = N_("your Dockerfile"), cache: bool = False) -> Iterator[Image]:
    """Build ``text``; feedback if the build fails; the image is removed when the block ends.

    ``whose`` names what is built in the feedback: an English text marked with ``N_``."""
    try:
        image, _log = dockerfiles.build(api, text, files, tag, cache=cache)
    except docker.errors.BuildError as exc:
        step = dockerfiles.failure(exc)
        # Translators: {whose} is "your Dockerfile" or "the given Dockerfile" (translated apart); {step} is
        # the build log's failing step, e.g. "Step 5/6 : COPY missing.sh .", kept in English.
        raise Feedback(_("building {whose} failed at {step}").format(whose=_(whose), step=step),
                       _("build it yourself in a cell (docker.images.build(..., pull=False)) and read the log; "
                         "check the instruction named above.")) from None
    except docker.errors.APIError as exc:
        reason = exc.explanation or exc
        # Translators: {whose} as above; {reason} is the engine's own (English) explanation.
        raise Feedback(_("the engine refused to build {whose}: {reason}").format(whose=_(whose), reason=reason),
                       _("start FROM vmdocker/base (nothing can be pulled here) and use only files in the "
                         "build context.")) from None
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
            raise Feedback(_("a container of the image was still running after {seconds} s.").format(
                seconds=RUN_TIMEOUT), _("its command should print its line and exit; check what CMD runs.")) from None
        return status, container.logs().decode(errors="replace").strip()
    finally:
        container.remove(force=True)


def _is_file(api: docker.DockerClient, image: Image, path: str) -> bool:
    """True if ``path`` is a regular file in the image (read from a created, never started, container)."""
    container = api.containers.create(image.id)
    try:
        stream, stat = container.get_archive(path)
        for _chunk in stream:
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
    expect(isinstance(text, str),
           # Translators: {name!r} is the name passed, quoted (e.g. 'Ada'); {kind} a Python type name (list, ...).
           _("`greeter_dockerfile({name!r})` returned {kind}, not a str.").format(name=name, kind=type(text).__name__),
           _('return the Dockerfile as text, e.g. f"""FROM vmdocker/base\\n..."""'))
    expect("FROM" in text.upper(), _("the text has no FROM instruction: every Dockerfile starts from an image."),
           _("begin with FROM vmdocker/base (lab.BASE_IMAGE)."))
    token = secrets.token_hex(4)
    greet = f'#!/bin/sh\necho "$GREETING from $(pwd) ({token})"\n'
    with _built(api, text, {"greet.sh": greet}) as image:
        cfg = image.attrs["Config"]
        base_layers = api.images.get(image_ref(BASE)).attrs["RootFS"]["Layers"]
        layers = image.attrs["RootFS"]["Layers"]
        expect(layers[:len(base_layers)] == base_layers, _("the image is not built on the course base image."),
               _("start the Dockerfile with FROM vmdocker/base."))
        cmd = cfg.get("Cmd") or []
        expect(cmd[:2] != SHELL_FORM,
               # Translators: {cmd} is the command as the engine stored it, a list: ['/bin/sh', '-c', 'sh greet.sh'].
               _("CMD is in shell form: the engine stored it as {cmd}, a shell running your command.").format(cmd=cmd),
               _('write CMD in exec form, a JSON list: CMD ["sh", "greet.sh"].'))
        expect(cmd, _("the image has no CMD, so a container of it does not know what to run."),
               _('add CMD ["sh", "greet.sh"].'))
        workdir, want_dir = cfg.get("WorkingDir"), str(variant.value("images", "workdir"))
        # Translators: shown in place of the working directory when the image sets none.
        shown_dir = workdir or _("not set (/)")
        expect(bool(workdir) and _same_path(workdir, want_dir),
               # Translators: {workdir} is the image's directory (or "not set (/)"); {want_dir} the learner's own.
               _("the image's working directory is {workdir}; your exercise asks for {want_dir}.").format(
                   workdir=shown_dir, want_dir=want_dir),
               _("add WORKDIR {want_dir}, your own directory (before COPY, so greet.sh lands there).").format(
                   want_dir=want_dir))
        greeting, want_greeting = _env(image).get("GREETING"), f"Hello, {name}"
        expect(greeting == want_greeting,
               # Translators: {greeting!r} and {expected!r} are quoted values, e.g. 'Hello, Ada' (kept in English).
               _("GREETING is {greeting!r} in the image, expected {expected!r}.").format(
                   greeting=greeting, expected=want_greeting)
               if greeting is not None else _("the image sets no GREETING environment variable."),
               _('add ENV GREETING="Hello, {name}" (build the text with an f-string).').format(name=name))
        title = (cfg.get("Labels") or {}).get(TITLE_LABEL)
        expect(title == name,
               # Translators: {label} is the label's key, org.opencontainers.image.title; {title!r}, {name!r}: quoted.
               _("the label {label} is {title!r}, expected {name!r}.").format(
                   label=TITLE_LABEL, title=title, name=name),
               _('add LABEL {label}="{name}".').format(label=TITLE_LABEL, name=name))
        status, output = _run(api, image)
        want = f"Hello, {name} from {want_dir.rstrip('/')} ({token})"
        expect(status == 0 and output == want,
               # Translators: {output!r} and {want!r} are the container's line and the expected one, quoted.
               _("the container printed {output!r} (exit status {status}), expected {want!r}.").format(
                   output=output, status=status, want=want),
               _("COPY greet.sh into {want_dir} and make CMD run it with sh; the tests bring their own "
                 "greet.sh.").format(want_dir=want_dir))
        if full:
            status, output = _run(api, image, environment={"GREETING": "Bonjour"})
            want = f"Bonjour from {want_dir.rstrip('/')} ({token})"
            expect(output == want,
                   _("run with GREETING=Bonjour, the container printed {output!r}, expected {want!r}.").format(
                       output=output, want=want),
                   _("let greet.sh read $GREETING at run time (ENV sets a default a `docker run -e` overrides)."))


def reading(answers: object, api: docker.DockerClient, full: bool = False) -> None:
    """`ANSWERS` describes the image GIVEN_DOCKERFILE builds; compared with the built image itself."""
    expect(answers is not None, _("`ANSWERS` is not defined."),
           _("fill in the ANSWERS dictionary in the cell above and run it."))
    # Translators: {kind} is a Python type name (list, str, ...).
    expect(isinstance(answers, dict), _("`ANSWERS` is a {kind}, not a dict.").format(kind=type(answers).__name__),
           _("keep the dictionary and fill in its values."))
    missing = [k for k in READING_KEYS if k not in answers]
    # Translators: {missing} and {keys} are Python lists of the dictionary's keys, e.g. ['mode', 'port'].
    expect(not missing, _("`ANSWERS` lacks the key(s) {missing}.").format(missing=missing),
           _("use exactly the keys {keys}.").format(keys=list(READING_KEYS)))
    # A label of this session's right after FROM: the build cache then serves this session's second
    # build, and no other session's cleanup can delete the steps it reuses.
    first, rest = GIVEN_DOCKERFILE.split("\n", 1)
    text = f"{first}\nLABEL course.reader={session_namespace(api)}\n{rest}"
    with _built(api, text, GIVEN_FILES, whose=N_("the given Dockerfile"), cache=True) as image:
        cfg = image.attrs["Config"]
        workdir = cfg["WorkingDir"]
        got = answers["workdir"]
        # Translators: in these messages about ANSWERS, {got!r} is the learner's value, quoted; the keys
        # (workdir, cmd, mode, port, script, output) are the dictionary's, kept in English.
        expect(isinstance(got, str), _("workdir is {got!r}, not a path.").format(got=got),
               _('write it as a string, e.g. "/some/dir".'))
        expect("$" not in got, _("workdir {got!r} is the variable, not its value: WORKDIR expands the variables "
                                 "ENV set before it.").format(got=got),
               _("follow ENV and WORKDIR: which absolute path does $APP_HOME name?"))
        expect(got.startswith("/"), _("workdir {got!r} is a relative path.").format(got=got),
               _("give the working directory as an absolute path, starting with /."))
        expect(_same_path(got, workdir), _("workdir {got!r} is not the image's working directory.").format(got=got),
               _("follow ENV and WORKDIR: which absolute path does $APP_HOME name?"))
        got = answers["cmd"]
        expect(isinstance(got, (list, tuple)), _("cmd is {got!r}, not a list.").format(got=got),
               _("CMD in exec form is a JSON list; write it as a Python list of strings."))
        expect(list(got) == cfg["Cmd"], _("cmd {got!r} is not what a container runs.").format(got=got),
               _("copy the CMD list exactly: the program and each argument as one string."))
        if not full:
            return
        mode = _env(image).get("MODE")
        expect(answers["mode"] == mode, _("mode {got!r} is wrong.").format(got=answers["mode"]),
               _("read the ENV line."))
        ports = [p.split("/")[0] for p in cfg.get("ExposedPorts") or {}]
        expect(str(answers["port"]).split("/")[0] in ports,
               _("port {got!r} is not the exposed port.").format(got=answers["port"]), _("read the EXPOSE line."))
        script = str(answers["script"])
        expect(script.startswith("/") and _is_file(api, image, posixpath.normpath(script)),
               _("script {got!r} is not where app.sh is in the image.").format(got=script),
               _("COPY app.sh . copies into the working directory: give the absolute path."))
        expect(script.rstrip("/").endswith("/app.sh"),
               _("script {got!r} is a file, but not app.sh.").format(got=script),
               _("give the absolute path of app.sh in the image."))
        _status, output = _run(api, image)
        expect(str(answers["output"]).strip() == output,
               _("output {got!r} is not what the container prints.").format(got=answers["output"]),
               _("follow it through: CMD runs ./app.sh --serve in the WORKDIR with the ENV set; app.sh echoes "
                 "MODE, the current directory and its arguments ($*)."))


def _tiny_image(api: docker.DockerClient, tag: str | None = None, whose: str = N_("the test's image")):
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
            raise Feedback(_("the push was refused: the engine wants credentials for the registry, even empty ones."),
                           _("pass auth_config={} to push (the course registry takes anonymous pushes).")) from None
        if isinstance(cause, docker.errors.ImageNotFound) and "/push" in str(cause):
            reason = cause.explanation or cause
            # Translators: {reason} is the engine's own (English) explanation.
            raise Feedback(_("the push was refused: {reason}.").format(reason=reason),
                           _("give the image both names first (image.tag(repository, tag) and "
                             "image.tag(repository, 'latest')), then push.")) from None
        raise


def publish(fn: Callable, api: docker.DockerClient, name: str, tag: str, full: bool = False) -> None:
    """`publish(api, image, repository, tag)` pushes ``image`` as ``tag`` and ``latest``; returns the digest."""
    try:
        address = registry.start_registry()
    except registry.RegistryUnavailable as exc:
        # Translators: {reason} says why (in English), e.g. "nothing answers on 127.0.0.1:5000".
        raise Feedback(_("the course registry is not available: {reason}").format(reason=exc),
                       _("this is not your mistake: ask your teacher to start it.")) from None
    path = f"{session_namespace(api)}/{name}"
    repository = f"{address}/{path}"
    with _tiny_image(api) as image:
        try:
            got = _call_publish(fn, api, image, repository, tag)
            expect(got != image.id,
                   _("that is the image's ID (the digest of its config, known before any push), not the manifest "
                     "digest the registry gives it."),
                   _("after pushing, read image.attrs['RepoDigests'] (after image.reload()) or the push output's "
                     "'aux' Digest."))
            expect(isinstance(got, str) and got.startswith("sha256:") and "@" not in got,
                   # Translators: {got!r} is what the learner's publish returned, quoted.
                   _("`publish` returned {got!r}; a digest looks like 'sha256:' followed by 64 hex digits.").format(
                       got=got),
                   _("return only the digest part of a RepoDigest (after the '@')."))
            listed = registry.tags(path)
            for wanted in (tag, "latest"):
                # Translators: what the registry lists when a repository has no tag at all.
                shown = listed or _("nothing")
                expect(wanted in listed,
                       # Translators: {wanted!r} is a tag, quoted; {path} a repository; {listed} its tags (a
                       # list, or "nothing"); {repository} the full name with the registry's address; {tag} the
                       # version tag.
                       _("the registry has no tag {wanted!r} in {path} (it lists {listed}).").format(
                           wanted=wanted, path=path, listed=shown),
                       _("tag the image {repository}:{tag} and {repository}:latest, push, and read what push "
                         "returns: docker-py reports push errors in its output instead of raising.").format(
                           repository=repository, tag=tag))
            digest = registry.manifest_digest(path, tag)
            expect(got == digest,
                   # Translators: {got} and {digest} are digests (sha256:...); {path}:{tag} a repository and tag.
                   _("`publish` returned {got}, but the registry's {path}:{tag} is {digest}.").format(
                       got=got, path=path, tag=tag, digest=digest),
                   _("return the digest of what you pushed, as the registry reports it."))
            latest = registry.manifest_digest(path, "latest")
            expect(latest == digest,
                   _("{path}:latest is {latest}, not the image pushed as {tag} ({digest}).").format(
                       path=path, latest=latest, tag=tag, digest=digest),
                   _("give this very image both tags, {tag} and latest, before pushing.").format(tag=tag))
            manifest = requests.get(registry.url(f"/v2/{path}/manifests/{digest}"),
                                    headers={"Accept": registry.MANIFEST_TYPES}, timeout=10).json()
            expect(manifest.get("config", {}).get("digest") == image.id,
                   _("the registry's {path}:{tag} holds another image, not the one `publish` was given.").format(
                       path=path, tag=tag),
                   _("push the image you were given (tag that very image, then push)."))
            if full:
                for local in (f"{repository}:{tag}", f"{repository}:latest"):
                    with contextlib.suppress(docker.errors.APIError):
                        api.images.remove(local)
                pulled = api.images.pull(f"{repository}@{digest}")
                expect(pulled.id == image.id, _("pulling by the digest you returned gave another image."),
                       _("return the manifest digest of the pushed tag."))
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
            expect(archive.is_file() and archive.stat().st_size > 0,
                   # Translators: {path} is the archive's path, given to save_image.
                   _("`save_image` wrote nothing at {path}.").format(path=archive),
                   _("write every chunk of image.save(...) to the file, opened in binary mode ('wb')."))
            expect(tarfile.is_tarfile(archive), _("{path} is not a tar archive.").format(path=archive),
                   _("write the bytes image.save() yields, unchanged."))
            with tarfile.open(archive) as tar:
                names = tar.getnames()
                manifest = json.load(tar.extractfile("manifest.json")) if "manifest.json" in names else []
            expect(any(m.get("Config", "").startswith(image.id.split(":")[1]) for m in manifest),
                   _("the archive does not hold the image {tag}.").format(tag=tag),
                   _("save the image named {tag!r}.").format(tag=tag))
            if full:
                tags = [t for m in manifest for t in m.get("RepoTags") or []]
                # Translators: {tags} is the archive's RepoTags, a Python list (often []).
                expect(tag in tags, _("the archive records no name for the image (RepoTags {tags}): after loading, "
                                      "it would be an anonymous <none>:<none> image.").format(tags=tags),
                       _("save it by name: image.save(named=True), or api.api.get_image(name)."))
            api.images.remove(image.id, force=True)
            loaded = call(load_fn, api, str(archive))
            if isinstance(loaded, list):
                raise Feedback(_("`load_image` returned a list; return the loaded Image itself."),
                               _("images.load(...) returns a list: return its first element."))
            expect(isinstance(loaded, Image),
                   # Translators: {kind} is a Python type name (dict, NoneType, ...).
                   _("`load_image` returned {kind}, not an Image.").format(kind=type(loaded).__name__),
                   _("return what api.images.load(data)[0] gives."))
            expect(loaded.id == image.id, _("the loaded image is not the one that was saved."),
                   _("load the archive at the path you were given."))
            if full:
                loaded.reload()
                expect(tag in loaded.tags,
                       # Translators: {tag} is the image's name; {tags} the names it came back with (a Python list).
                       _("the loaded image is not named {tag} (tags {tags}).").format(tag=tag, tags=loaded.tags),
                       _("save the image by name (named=True), so the archive records its tag."))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
