"""Assignment `images`: images, registries and Dockerfiles (seed points S6, S7)."""

from course.checks.images import GIVEN_DOCKERFILE, GIVEN_FILES, TITLE_LABEL
from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

LESSON = Lesson(
    assignment="images",
    position=50,
    title="Images, registries and Dockerfiles",
    minutes=45,
    seed_points=("S6", "S7"),
    checks="images",
    grading_seconds=13,
    questions=(
        "What is inside a Docker image?",
        "What does Docker Hub (a registry) do for images?",
        "How does a Dockerfile compose an image, and how do you read one?",
    ),
    objectives=(
        ("say what an **image** holds (the executables of a root filesystem, in **layers**, and a "
         "**config**: command, environment, labels) and read it from the engine: history, tags, "
         "digests"),
        ("explain what **Docker Hub** does, and push to and pull from a real **registry** (the course "
         "runs its own, since there is no internet here), by tag and by digest"),
        ("write a **Dockerfile** (`FROM`, `COPY`, `RUN`, `ENV`, `WORKDIR`, `EXPOSE`, `LABEL`, `CMD`; "
         "`ENTRYPOINT`, `ARG`, `.dockerignore`, multi-stage builds), build it, run it, watch the build "
         "cache work, and read a Dockerfile to tell how its image is composed"),
        "carry an image to a machine with no network as a tar archive (`save` and `load`)",
    ),
    overview="""
Run the cells from top to bottom (*Run > Run All Cells* works too). Every cell talks to a
real Docker Engine.
""",
    keypoints=(
        ("An **image** holds what a container needs: a root filesystem in **layers** (tar archives of "
         "changed files) and a **config** (`Cmd`, `Env`, `WorkingDir`, `Labels`...). Its ID is the "
         "hash of its config; **tags** are movable names, **digests** are content addresses."),
        ("**Docker Hub** stores and distributes images and is the default registry; the course runs "
         "its own registry on `127.0.0.1:5000`, which speaks the same `/v2/` API: push, pull by tag or "
         "digest."),
        ("A **Dockerfile** is the starting point of an image: `FROM` a base, then `COPY`/`RUN` "
         "(layers) and `ENV`/`WORKDIR`/`EXPOSE`/`LABEL`/`CMD` (config). Prefer `CMD` in exec form. "
         "Reading it tells you how the image is composed; the build cache reuses unchanged steps."),
        "`save` and `load` move images as tar files to machines without a network.",
    ),
    episode=(
        md("""
## 1. What an image holds

An **image** holds everything needed to run a container: the **executables and files** of a
root filesystem, and **configuration values**: which command to run, its environment, its
working directory, labels. Concretely it is:
- a stack of **layers**: each layer is a tar archive of the files one build step added or
  changed; stacked, they make the container's root filesystem;
- a **config**, a JSON document: `Cmd`, `Env`, `WorkingDir`, `Labels`, `ExposedPorts`, the list of
  layer digests, and the history of the steps that made it.

The image **ID** is the SHA-256 of its config, so it names exactly that content. **Tags** such
as `vmdocker/base:latest` are movable names pointing at an image. Let us open the course's base
image, busybox on an empty (`scratch`) filesystem:
""", "s6-concept"),
        code("""
import pandas as pd

from course import dockerfiles, figures, lab, registry

docker = lab.client()
base = docker.images.get(lab.BASE_IMAGE)
config = base.attrs["Config"]
print("ID (sha256 of the config):", base.id)
print("tags:", base.tags)
print("Cmd:", config["Cmd"], "| Env:", config["Env"], "| WorkingDir:", repr(config["WorkingDir"]))
print("Labels:", config["Labels"])
print("layers:", len(base.attrs["RootFS"]["Layers"]), "| size:", base.attrs["Size"], "bytes")

# The history: one row per build step, oldest first; steps that changed files have a size.
pd.DataFrame([{"step": h["CreatedBy"].replace("/bin/sh -c #(nop) ", "")[:70], "size": h["Size"]}
              for h in reversed(base.history())])
""", "s6-live-anatomy"),
        md("""
The layers are real tar files. `image.save()` streams the image as one archive, the same one
`docker save` writes: a `manifest.json`, the config, and one tar per layer. Open it and count
the files each layer brings:
""", "s6-layers-text"),
        code("""
import io
import json
import tarfile

archive = io.BytesIO(b"".join(base.save(named=True)))
with tarfile.open(fileobj=archive) as tar:
    manifest = json.load(tar.extractfile("manifest.json"))[0]
    print("config file:", manifest["Config"][:20], "... | tags:", manifest["RepoTags"])
    for layer in manifest["Layers"]:
        with tarfile.open(fileobj=tar.extractfile(layer)) as files:
            names = files.getnames()
        print(f"layer {layer[:12]}: {len(names):4} entries, e.g. {names[:4]}")
""", "s6-live-layers"),
        md("""
## 2. Dockerfiles: the recipe of an image

With internet access you would often pull a published image (say from Docker Hub, part 3)
and run it as it is. When you need more than a published image gives, you write a
**Dockerfile**: the starting point of an image, a list of instructions the builder runs in
order, each step starting from the result of the previous one.

| instruction | what it does | adds a layer? |
|---|---|---|
| `FROM image` | start from this image (`scratch`: from nothing) | its layers |
| `COPY src dest` | copy files from the build context into the image | yes |
| `RUN command` | run a command in a container of the image so far, keep the changed files | yes |
| `WORKDIR /path` | set (and create) the working directory of later steps and of containers | only if it creates the directory: a layer holding that one directory |
| `ENV KEY=value` | set an environment variable (a default that `docker run -e` can override) | no, config only |
| `EXPOSE 8000` | document the port the program listens on (it publishes nothing by itself) | no, config only |
| `LABEL key=value` | attach metadata | no, config only |
| `CMD ["prog", "arg"]` | the default command; **exec form** (a JSON list) runs the program directly, **shell form** (`CMD prog arg`) wraps it in `/bin/sh -c` | no, config only |
| `ENTRYPOINT ["prog"]` | the program always run; `CMD` then only gives its default arguments | no, config only |
| `ARG NAME=default` | a variable of the **build** only (`--build-arg NAME=value`); not kept in the image's config | no |

The **build context** is the folder sent to the engine with the Dockerfile: `COPY` can only
take files from it. We write one and build it with the SDK; `pull=False` because nothing can
be downloaded here, and `lab.client()` labels the image so it is cleaned up later. `NS` is a
name of your own, so your image names never collide with anyone else's (the `authors` label
makes your build's steps your own too: the build cache is shared by everyone on this engine).
""", "s7-concept"),
        code('''
import tempfile
import time
from pathlib import Path

NS = registry.namespace(lab.session())
HELLO = f"{NS}/hello:1"

ctx = Path(tempfile.mkdtemp())
(ctx / "hello.sh").write_text('#!/bin/sh\\necho "$GREETING from $(hostname), working in $(pwd)"\\n')
(ctx / "Dockerfile").write_text(f"""\\
FROM vmdocker/base
LABEL org.opencontainers.image.title="hello" org.opencontainers.image.authors="{NS}"
ENV GREETING="Hello"
WORKDIR /app
COPY hello.sh .
RUN chmod +x hello.sh
EXPOSE 8000
CMD ["./hello.sh"]
""")

start = time.monotonic()
hello, log = docker.images.build(path=str(ctx), tag=HELLO, pull=False, rm=True)
print(dockerfiles.log_text(log))
print(f"built {HELLO} in {time.monotonic() - start:.1f} s")
''', "s7-live-build"),
        code("""
print(docker.containers.run(HELLO, remove=True).decode())                        # CMD, with the ENV default
print(docker.containers.run(HELLO, remove=True, environment={"GREETING": "Hi"}).decode())  # run-time override
{key: hello.attrs["Config"][key] for key in ("Cmd", "Env", "WorkingDir", "ExposedPorts", "Labels")}
""", "s7-live-run"),
        md("""
The `LABEL` steps at the end of the build log that we did not write are the course's: `lab.client()`
adds its course and session labels (and a guard in front of your engine adds its owner's), so
cleanup finds the image. The image's history lists our steps on top of the base image's. Look
at the sizes: `COPY` adds `hello.sh`, and `RUN chmod +x` stores the **whole file again** in a
layer of its own (a layer records every file a step changed). `WORKDIR /app` created `/app`,
so it made a layer too, a real one with its own entry in `RootFS.Layers`, but it holds a
single directory and no file bytes, so its size shows as 0. The steps that only set config
values make no layer at all: the image's config marks them `empty_layer` (column `layer`).
""", "s7-history-text"),
        code("""
ours = hello.history()[: len(hello.history()) - len(base.history())]     # newest first
with tarfile.open(fileobj=io.BytesIO(b"".join(hello.save()))) as tar:    # the config, as saved
    saved = json.load(tar.extractfile(json.load(tar.extractfile("manifest.json"))[0]["Config"]))
steps = saved["history"][len(base.history()):]                          # oldest first, ours only
print("layers:", len(base.attrs["RootFS"]["Layers"]), "in the base,", len(hello.attrs["RootFS"]["Layers"]), "in ours")
pd.DataFrame([{"step": h["CreatedBy"].replace("/bin/sh -c #(nop) ", "")[:60], "size": h["Size"],
               "layer": not step.get("empty_layer", False)} for h, step in zip(reversed(ours), steps, strict=True)])
""", "s7-live-history"),
        md("""
The layers are stacked read-only; every container of the image adds a writable layer of its
own on top, and the storage driver (overlay2) shows the container one merged tree:

""", "s7-layers-figure-text"),
        code("""
figures.image_layers(("vmdocker/base: busybox, /etc (FROM)", "WORKDIR /app: one directory, size 0",
                      "COPY hello.sh .", "RUN chmod +x hello.sh: hello.sh again",
                      "LABEL, ENV, EXPOSE, CMD: config only, no layer"));
""", "s6-live-layers-figure"),
        md("""
### The build cache

Every step's result is kept. Build the same Dockerfile again and the builder finds each step
already done with the same inputs, and reuses it (`---> Using cache`). Change a file that a
`COPY` takes, and that step and **every step after it** run again: that is why Dockerfiles
copy what changes most (your code) as late as possible: first what rarely changes and is
slow to install (`COPY requirements.txt .` then `RUN pip install -r requirements.txt`), then
`COPY . .`, so a code change rebuilds only the last steps.
""", "s7-cache-text"),
        code("""
def rebuild(what):
    start = time.monotonic()
    _, log = docker.images.build(path=str(ctx), tag=HELLO, pull=False, rm=True)
    steps = dockerfiles.log_text(log).split("Step ")[2:]         # the log of each step after FROM
    rebuilt = [step.split(" : ", 1)[1].splitlines()[0] for step in steps if "Using cache" not in step]
    print(f"{what}: {time.monotonic() - start:.1f} s, {len(steps) - len(rebuilt)} of {len(steps)} steps "
          f"from the cache; run again: {rebuilt}")


rebuild("same Dockerfile, same files")
(ctx / "hello.sh").write_text('#!/bin/sh\\necho "$GREETING again, from $(pwd)"\\n')
rebuild("hello.sh changed")
hello = docker.images.get(HELLO)
""", "s7-live-cache"),
        md("""
### ENTRYPOINT, ARG and .dockerignore

`ENTRYPOINT` fixes the program; `CMD` then only supplies its default arguments, and a command
given to `docker run` replaces the `CMD` part alone. `ARG` is a variable of the build only: set
with `docker build --build-arg` (the SDK's `buildargs=`), seen by later `RUN` steps, and not
in a container's environment; but the history of a `RUN` step records the values it used,
so a build argument is no place for a secret. A `.dockerignore` file in the build context lists what is never
sent to the builder, so `COPY . ...` cannot ship it (keys, local caches, `.git`):
""", "s7-more-text"),
        code('''
tool_ctx = Path(tempfile.mkdtemp())
(tool_ctx / "notes.txt").write_text("shipped with the image\\n")
(tool_ctx / "secret.key").write_text("never leaves this machine\\n")
(tool_ctx / ".dockerignore").write_text("secret.key\\n")
(tool_ctx / "Dockerfile").write_text(f"""\\
FROM vmdocker/base
LABEL org.opencontainers.image.authors="{NS}"
ARG VERSION=1.0
RUN echo "release $VERSION" > /etc/release
COPY . /ctx/
ENTRYPOINT ["cat"]
CMD ["/etc/release"]
""")
tool, _ = docker.images.build(path=str(tool_ctx), tag=f"{NS}/tool:1", pull=False, rm=True, buildargs={"VERSION": "2.0"})
print(docker.containers.run(tool.id, remove=True).decode().strip())                      # cat /etc/release
print(docker.containers.run(tool.id, ["/ctx/notes.txt"], remove=True).decode().strip())  # cat /ctx/notes.txt
print("in /ctx:", docker.containers.run(tool.id, ["-A", "/ctx"], entrypoint=["ls"], remove=True).decode().split())
print("Entrypoint:", tool.attrs["Config"]["Entrypoint"], "Cmd:", tool.attrs["Config"]["Cmd"],
      "Env:", tool.attrs["Config"]["Env"])                                                # no VERSION in Env
print("the RUN step:", next(h["CreatedBy"] for h in tool.history() if "VERSION=" in h["CreatedBy"]))
''', "s7-live-entrypoint-arg"),
        md("""
A **multi-stage build** has several `FROM`s: an early stage holds the compilers and build
tools, and the final image takes only what it needs from it, so none of the tools ship:

```dockerfile
FROM golang:1.22 AS build            # stage "build": the Go toolchain (hundreds of MB)
COPY . /src
RUN cd /src && CGO_ENABLED=0 go build -o /app
FROM scratch                         # the image itself starts empty again
COPY --from=build /app /app          # one static binary from the first stage
ENTRYPOINT ["/app"]
```

Everything this notebook does through the SDK has a `docker` command:

| SDK (this notebook) | docker CLI |
|---|---|
| `docker.images.build(path=ctx, tag=T, buildargs={...})` | `docker build -t T --build-arg K=V ctx` |
| `image.history()`, `image.attrs` | `docker history T`, `docker image inspect T` |
| `image.tag(repo, tag)`, `docker.images.push(repo)` | `docker tag T repo:tag`, `docker push repo:tag` |
| `docker.images.pull(ref)`, `docker.images.remove(ref)` | `docker pull ref`, `docker rmi ref` |
| `image.save(named=True)`, `docker.images.load(data)` | `docker save -o file.tar T`, `docker load -i file.tar` |
| `docker.containers.run(T, cmd, entrypoint=E)` | `docker run --entrypoint E T cmd` |
""", "s7-multistage-cli-text"),
        Exercise(
            "your own Dockerfile", points=4, covers=("S7",),
            text=f"""
Write `greeter_dockerfile(name)` that returns the **text** of a Dockerfile whose image:
- starts from the course base image, `vmdocker/base`;
- has the label `{TITLE_LABEL}` set to `name`;
- sets the environment variable `GREETING` to `Hello, <name>` (for `"Ada"`: `Hello, Ada`);
- works in your own directory, `workdir` in the table under this text, and copies the
  build context's `greet.sh` there;
- runs `sh greet.sh` by default, with `CMD` in **exec form**.

The tests build your Dockerfile with a `greet.sh` of their own (it prints `$GREETING`, the
current directory and a secret word), run it, and inspect the image. Try yours first:
`image, log = dockerfiles.build(docker, greeter_dockerfile("Ada"), {{"greet.sh": GREET_SH}})`,
then `docker.containers.run(image.id, remove=True)`.
""",
            params=(Param("workdir", "the image's working directory", default="/app",
                          choices=("/app", "/srv/greeter", "/opt/hello", "/home/greeter", "/usr/src/greet")),),
            helper="""
GREET_SH = '#!/bin/sh\\necho "$GREETING from $(pwd)"\\n'     # a greet.sh to try yours with
""",
            solution='''
def greeter_dockerfile(name):
    ### BEGIN SOLUTION
    return f"""FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, {name}"
WORKDIR {{workdir}}
COPY greet.sh .
CMD ["sh", "greet.sh"]
"""
    ### END SOLUTION
''',
            tests="""
check.greeter(greeter_dockerfile, docker, "Ada")
### BEGIN HIDDEN TESTS
check.greeter(greeter_dockerfile, docker, "Grace", full=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "read a Dockerfile", points=3, covers=("S7", "S6"),
            text=f"""
If you can read a Dockerfile, you know how its image is composed. Here is one, and the
`app.sh` in its build context:

```dockerfile
{GIVEN_DOCKERFILE}```

```sh
{GIVEN_FILES["app.sh"]}```

Without building it, fill in `ANSWERS` (copy this template into the cell below):

```python
ANSWERS = {{
    "workdir": ...,   # the image's working directory, as an absolute path
    "cmd": ...,       # the command a container runs by default, as a list of strings
    "mode": ...,      # the value of MODE inside a container
    "port": ...,      # the port the image documents (a number)
    "script": ...,    # the absolute path of app.sh inside the image
    "output": ...,    # the line a container prints when run with no command
}}
```

The tests build this Dockerfile and compare your answers with the real image and container.
""",
            solution="""
### BEGIN SOLUTION
ANSWERS = {
    "workdir": "/srv/app",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": 8080,
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with --serve",
}
### END SOLUTION
""",
            tests="""
check.reading(globals().get("ANSWERS"), docker)
### BEGIN HIDDEN TESTS
check.reading(globals().get("ANSWERS"), docker, full=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 3. Registries and Docker Hub

A **registry** stores images and hands them out. **Docker Hub** (`docker.io`) is the default
one: it stores and distributes images, from the official ones (`nginx`, `python`, `debian`) to
anyone's, and is very widely used: `docker pull nginx` means `docker.io/library/nginx:latest`,
and `docker push` uploads your image there. A full image name is
`[registry/][namespace/]repository[:tag]`, or `...@sha256:<digest>`.

This machine has no internet, so Docker Hub is out of reach. The course runs its **own
registry** instead: the same open-source distribution server (Debian's `docker-registry`
package), listening on `127.0.0.1:5000`. The engine allows plain HTTP to registries on
`127.0.0.0/8`. A registry speaks a small HTTP API of its own, under `/v2/`:
""", "s6-hub-concept"),
        code("""
import requests

REGISTRY = registry.start_registry()     # starts Debian's docker-registry for the course if it is not running
reply = requests.get(f"http://{REGISTRY}/v2/")
print(REGISTRY, "answers", reply.status_code, reply.headers["Docker-Distribution-Api-Version"])
""", "s6-live-registry"),
        md("""
**Push**: give the image names in the registry (tags), then push. Releases are usually tagged
twice: with their version (`1`) and with `latest`, the name that follows the newest release.
`push` without a tag sends every tag of the repository. The engine uploads the layers the
registry does not have yet, then the config, then a **manifest** listing them, and the registry
answers with the manifest's **digest**: the SHA-256 of the manifest, a name for exactly this
content that can never point anywhere else. Both tags share it. A layer has **two digests**: a registry stores and sends it gzip-compressed
and the manifest names it by the digest of those compressed bytes, while the image's config
(`RootFS.Layers`) names it by the digest of the uncompressed tar, its *diff ID*. The engine
checks the first while downloading and the second after unpacking. (`auth_config={}`: the
credentials for the registry, here none: the course registry takes anonymous pushes, where
Docker Hub would want the login `docker login` stores.)
""", "s6-push-text"),
        code("""
repository = f"{REGISTRY}/{NS}/hello"
hello.tag(repository, "1")
hello.tag(repository, "latest")
for line in docker.images.push(repository, stream=True, decode=True, auth_config={}):   # every tag: 1, latest
    if "error" in line:
        print("ERROR:", line["error"])
    elif not line.get("status", "").startswith(("Preparing", "Waiting", "Pushing")):
        print(line.get("id", ""), line.get("status", line.get("aux", "")))

print("catalog (yours):", [r for r in requests.get(f"http://{REGISTRY}/v2/_catalog").json()["repositories"]
                           if r.startswith(NS)])
print("tags:", requests.get(f"http://{REGISTRY}/v2/{NS}/hello/tags/list").json())
accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
reply = requests.get(f"http://{REGISTRY}/v2/{NS}/hello/manifests/1", headers=accept)
digest = reply.headers["Docker-Content-Digest"]
manifest = reply.json()
print("manifest digest of 1:     ", digest)
print("manifest digest of latest:", requests.head(f"http://{REGISTRY}/v2/{NS}/hello/manifests/latest",
                                                  headers=accept).headers["Docker-Content-Digest"])
print("config:", manifest["config"]["digest"], "(the image ID:", manifest["config"]["digest"] == hello.id, ")")
print("layers, compressed:  ", [(layer["digest"][:19], layer["size"]) for layer in manifest["layers"]])
print("RootFS.Layers (diff IDs):", [diff_id[:19] for diff_id in hello.attrs["RootFS"]["Layers"]])
""", "s6-live-push"),
        md("""
**Pull**: we delete the image from the engine entirely, then pull it back by tag `1`. Only the
layers the engine lacks are downloaded (the base image's are `Already exists`). Then we pull by
**digest**: whatever happens to the tag later, this names the same image.
""", "s6-pull-text"),
        code("""
docker.images.remove(hello.id, force=True)           # gone from the engine: every tag of it
for line in docker.api.pull(repository, tag="1", stream=True, decode=True):
    if not line.get("status", "").startswith(("Pulling fs", "Waiting", "Downloading", "Verifying", "Download",
                                              "Extracting")):
        print(line.get("id", ""), line.get("status"))

pinned = docker.images.pull(f"{repository}@{digest}")
print("by digest:", pinned.attrs["RepoDigests"], "same image:", pinned.id == hello.id)
print(docker.containers.run(f"{repository}@{digest}", remove=True).decode())
""", "s6-live-pull"),
        Exercise(
            "publish a release", points=3, covers=("S6",),
            text="""
Write `publish(api, image, repository, tag)` that publishes `image` (an `Image` object) to the
course registry under **two** tags, `repository:tag` and `repository:latest` (`repository`
already starts with `127.0.0.1:5000/`), and returns the **manifest digest** the registry gave it
(`"sha256:..."`).

Give the image both names first, then push (with `auth_config={}` as above). Careful:
docker-py's `push` does **not** raise when the push fails; it returns the engine's messages,
errors included. The tests read the registry's tags and manifest digests.
""",
            solution="""
def publish(api, image, repository, tag):
    ### BEGIN SOLUTION
    image.tag(repository, tag)
    image.tag(repository, "latest")
    for line in api.images.push(repository, stream=True, decode=True, auth_config={}):
        if "error" in line:
            raise RuntimeError(line["error"])
    image.reload()
    return next(d.split("@", 1)[1] for d in image.attrs["RepoDigests"] if d.startswith(repository + "@"))
    ### END SOLUTION
""",
            tests="""
check.publish(publish, docker, "published", "v1")
### BEGIN HIDDEN TESTS
check.publish(publish, docker, "release-check", "2.0.1", full=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 4. Images for an offline machine: save and load

Without any network, an image travels as a file. `docker save` (the SDK's `image.save()`) writes
the image, its layers, config and names, to a tar archive; `docker load` (`docker.images.load`)
reads it on the other machine. This is how images reach air-gapped machines, and why the course
can run with no registry access at all.
""", "s6-offline-text"),
        code("""
image = docker.images.get(f"{repository}:1")
tarball = ctx / "hello.tar"
with open(tarball, "wb") as out:
    for chunk in image.save(named=True):          # named=True: the archive records the tag too
        out.write(chunk)
print(f"{tarball.name}: {tarball.stat().st_size} bytes")

docker.images.remove(image.id, force=True)       # "another machine": the engine no longer has it
(loaded,) = docker.images.load(tarball.read_bytes())
print("loaded:", loaded.tags, "same image:", loaded.id == image.id)
print(docker.containers.run(loaded.id, remove=True).decode())
""", "s6-live-save-load"),
        Exercise(
            "carry an image across", points=2, covers=("S6",),
            text="""
Write `save_image(api, name, path)` that writes the image called `name` to a tar archive at
`path`, and `load_image(api, path)` that loads such an archive and returns the loaded `Image`.
The tests save an image, delete it from the engine, load it back, and check it returns under
its **name**.
""",
            solution="""
def save_image(api, name, path):
    ### BEGIN SOLUTION
    with open(path, "wb") as out:
        for chunk in api.images.get(name).save(named=True):
            out.write(chunk)
    ### END SOLUTION


def load_image(api, path):
    ### BEGIN SOLUTION
    with open(path, "rb") as archive:
        return api.images.load(archive.read())[0]
    ### END SOLUTION
""",
            tests="""
check.offline(save_image, load_image, docker)
### BEGIN HIDDEN TESTS
check.offline(save_image, load_image, docker, full=True)
### END HIDDEN TESTS
""",
        ),
        Question(
            2, text="""
You deploy `127.0.0.1:5000/team/app:1` today. Next week a colleague pushes a fixed build under
the same name. In three or four sentences: what does a **tag** name, what does a **digest**
name, and which would you write in a production deployment, and why?
""",
            answer="""
A tag is a movable name: the registry maps repository:tag to a manifest, and a new push under
the same tag re-points it, so app:1 may be a different image next week. A digest is the SHA-256
of the manifest itself, so it names exactly one content forever, and the engine verifies the
content it pulls against it. A deployment should pin the digest (repository@sha256:...), so
every machine runs exactly the tested image and nothing changes under it; tags stay useful as
human-readable pointers to the latest build, and updating is then a deliberate change of digest.
""",
        ),
    ),
    cleanup="""
dockerfiles.remove_session_images(docker)   # the images this notebook built, pulled or loaded
lab.cleanup()                               # and its containers, networks and volumes
""",
    #A plausible partial submission: exercise 1 with CMD in shell form (the classic slip),
    #exercise 2 with the unexpanded $APP_HOME, exercise 3 not attempted, exercise 4 right.
    partial={
    "ex1-solution": '''
def greeter_dockerfile(name):
    return f"""FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, {name}"
WORKDIR {{workdir}}
COPY greet.sh .
CMD sh greet.sh
"""
'''.strip(),
    "ex2-solution": """
ANSWERS = {
    "workdir": "$APP_HOME",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": 8080,
    "script": "app.sh",
    "output": "app in production mode",
}
""".strip(),
    "ex4-solution": None,
},
)
