"""Assignment `engine`: installing and running Docker, and the engine's HTTP API (seed points S8, S2)."""

import hashlib

from course.material.cells import code, md
from course.material.lesson import Exercise, Lesson, Question
from course.material.variants import Param

#: A stand-in for a downloaded install script: the notebook reads, verifies and previews it.
SCRIPT = """#!/bin/sh
# A stand-in for get.docker.com (the real one is about 800 lines: read it the same way).
set -e
do_install() {
    if [ "$1" = "--dry-run" ]; then
        echo "would run: apt-get update"
        echo "would run: apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin"
        echo "           docker-compose-plugin docker-ce-rootless-extras docker-model-plugin"
        echo "would run: systemctl enable --now docker.service"
        return
    fi
    echo "this stand-in never installs anything"
}
# The work is called on the very last line: if the download is cut short, nothing runs.
do_install "$@"
"""

SCRIPT_SHA256 = hashlib.sha256(SCRIPT.encode()).hexdigest()

LESSON = Lesson(
    assignment="engine",
    position=20,
    title="Installing and running Docker; the engine's API",
    minutes=35,
    seed_points=("S8", "S2"),
    checks="engine",
    grading_seconds=5,
    questions=(
        "How is Docker installed and started, and why is `curl ... | sudo sh` a risk?",
        "What are the two halves `docker version` shows?",
        "What does the docker CLI actually say to the engine?",
    ),
    objectives=(
        ("install and start Docker the way the seed note shows (`curl -fsSL https://get.docker.com/ | "
         "sudo sh`, `service docker start`, `docker version`) and the way this course does it on "
         "Debian, and explain why piping a script from the internet into a root shell is a risk and "
         "what to do instead"),
        ("read `docker version`: a **client** (the `docker` CLI) and a **server** (the engine, "
         "`dockerd`)"),
        ("speak the **Docker Engine API** by hand: HTTP over the engine's unix socket, with no SDK, "
         "and show that the CLI and the Python SDK send exactly such requests"),
    ),
    overview="""
Run the cells from top to bottom (*Run > Run All Cells* works too). Every cell talks to a
real Docker Engine.
""",
    keypoints=(
        ("Install with the convenience script (`curl -fsSL https://get.docker.com/ | sudo sh`), start "
         "the engine (`service docker start`), check with `docker version`; on Debian, `apt-get "
         "install docker.io` gives a package signed by the distribution. Never pipe an unread download "
         "into a root shell: download, read, verify, then run."),
        ("`docker version` shows a **client** (the CLI) and a **server** (the engine, written in "
         "**Go**); they negotiate an API version, so a newer client can drive an older engine."),
        ("The engine is an **HTTP server on a unix socket** (by default; it can listen on TCP too). The "
         "CLI and the SDK are its clients: `docker version` is `GET /version`, `docker ps` is "
         "`GET /containers/json`. Write access to that socket is root on the host."),
        ("With `HTTP/1.0` a request is a few lines of text and the reply ends when the engine hangs "
         "up."),
    ),
    episode=(
        md("""
## 1. Installing Docker and starting the engine

The seed note installs Docker on a fresh Linux machine in three commands:

```bash
curl -fsSL https://get.docker.com/ | sudo sh     # download Docker's convenience script and run it as root
sudo service docker start                         # start the engine (dockerd) through the init system
docker version                                    # check: the client answers, and so does the server
```

- `curl -fsSL`: `-f` fail on an HTTP error instead of printing the error page, `-s` silent,
  `-S` but still show errors, `-L` follow redirects. The script detects the distribution, adds
  Docker's own package repository and its signing key (on Debian and Ubuntu
  `/etc/apt/keyrings/docker.asc`), and installs the latest stable release: the engine
  (`docker-ce`), the CLI (`docker-ce-cli`), `containerd.io` (containerd and runc), the Buildx,
  Compose and Model Runner plugins, and the rootless extras. Where systemd runs, today's script also
  starts the engine (`systemctl enable --now docker`).
- `service docker start` asks the init system (on most machines `systemd`, i.e.
  `systemctl start docker`) to start **dockerd**, the engine: needed where the script could not
  start it (no systemd, as inside a container) or after the engine was stopped.

**This course does it differently.** There is no internet here, and Debian ships Docker
itself: the course runs `apt-get install docker.io` (a package signed by Debian, from the
archive the machine already trusts), starts `dockerd` in the background, records its process
id, and waits until the engine answers `GET /_ping`. That code is
`course/engine/bootstrap.py` (`ensure_engine` and `start_daemon`), and `lab.client()` calls it:
""", "s8-concept"),
        code("""
import inspect
import shutil
import subprocess

from course import lab, rawapi
from course.engine import bootstrap, engine_url

docker = lab.client()          # ensure_engine(): installs docker.io and starts dockerd only if no engine answers
package = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}", "docker.io"],
                         capture_output=True, text=True).stdout
print("Debian package:  ", package or "docker.io is not installed (this engine comes from elsewhere)")
print("engine program:  ", shutil.which("dockerd") or "/usr/sbin/dockerd")
print("engine address:  ", engine_url())
print("started by:      ", "the course (pid file in .cache/dockerd/)" if bootstrap.started_by_course()
      else "someone else (a service, or the course's launcher)")
print("\\n" + inspect.getdoc(bootstrap.ensure_engine))
""", "s8-live-install"),
        md("""
### Checking it: `docker version`

`docker version` prints two halves. **Client** is the `docker` program you typed (the CLI).
**Server** is the engine it reached: its version, the API version it speaks, and the **Go**
version it was built with (Docker is written in Go), followed by its parts, containerd and
runc. If the engine is not running you see only the Client half and an error: that is how you
tell "not installed" from "installed but not started".

Here the CLI reaches the course's engine through `DOCKER_HOST`:
""", "s8-version-text"),
        code("""
print(rawapi.cli("version"))   # runs `docker version` with DOCKER_HOST set to the course's engine
""", "s8-live-version"),
        md("""
The two halves need not have the same version: they agree on an **API version**. Each CLI
release speaks the Engine API up to one version (the 28.2 CLI: 1.50), and each engine serves a
range (the Server half shows it, for example `API version: 1.41 (minimum version 1.12)`). First
the CLI pings the engine, reads the newest API version it serves from the reply's `Api-Version`
header, and if that is older than its own, uses the engine's: a client newer than the engine
shows `API version: 1.41 (downgraded from 1.50)`. Then every request names that version in its
path (`/v1.41/...`), so a new engine keeps serving old clients, down to its minimum. The SDK,
with `version="auto"`, also asks the engine first and uses its API version.
""", "s8-negotiation-text"),
        md("""
### Why `curl ... | sudo sh` is a risk, and what to do instead

Piping a download into `sudo sh` runs **whatever the server sends** as **root**, before
anyone has read it. If the site, the network path or a mirror is compromised, or if you mistype
the address, the attacker's commands run with full control of the machine. And if the download
breaks off half way, the shell still runs the part that arrived (get.docker.com guards
against that by calling its work only on the last line).

The safer routine: **download to a file, read it, verify it, then run it**; better still, install
from your distribution's signed packages (`apt-get install docker.io`) or from Docker's apt
repository after checking its key. Below, a short stand-in script plays the downloaded file
(the real command would be `curl -fsSL https://get.docker.com -o install-docker.sh`). Nothing is
installed: we read it, compare its SHA-256 with a checksum published elsewhere, and preview it
with `--dry-run` inside a throw-away container, where it cannot touch this machine.
""", "s8-risk-text"),
        code(f'''
import hashlib
import tempfile
from pathlib import Path

# What `curl -fsSL https://get.docker.com -o install-docker.sh` would have saved (a short stand-in):
downloaded = """{SCRIPT}"""
script = Path(tempfile.mkdtemp()) / "install-docker.sh"
script.write_text(downloaded)

print(script.read_text())                                   # 1. read it, all of it
published = "{SCRIPT_SHA256}"   # 2. its checksum, published elsewhere
print("checksum matches:", hashlib.sha256(script.read_bytes()).hexdigest() == published)
status, output = lab.run(f"cat > /tmp/install.sh <<'EOF'\\n{{downloaded}}EOF\\nsh /tmp/install.sh --dry-run")
print("3. preview, in a throw-away container:\\n" + output)   # 4. only then: sudo sh install-docker.sh
''', "s8-live-verify"),
        md("""
## 2. Client and server: the Docker Engine API

Docker is an open-source platform **written in Go**. The engine, `dockerd`, is an HTTP server.
By default it does not listen on the network: it listens on a **unix socket**, a file such as
`/var/run/docker.sock` (here it may be the course guard's socket, which checks each request
and passes it on). The `docker` CLI and the Python SDK (`docker-py`, what `lab.client()` returns)
are only **clients**: they turn your commands into HTTP requests on that socket. Behind the
engine, two more programs do the work: `containerd` runs containers' lifecycles and `runc`
creates each one, with system calls to the kernel. The whole way of one request:
""", "s2-concept"),
        code("""
from course import figures

figures.request_path();
""", "s2-live-path"),
        md("""
The engine can be made to listen on TCP too (`dockerd -H tcp://0.0.0.0:2375`, or `hosts` in
`/etc/docker/daemon.json`): then anyone who reaches the port controls it, unless it demands TLS client certificates
(`--tlsverify`, port 2376 by convention); `DOCKER_HOST=ssh://user@host` reaches a remote engine
through SSH instead.

**Write access to the socket is root on the host.** The engine runs as root and does what its
clients ask: `docker run -v /:/host ...` hands a container the host's whole filesystem, as root.
Being in the `docker` group (which owns `/var/run/docker.sock`) is therefore root in all but
name. That is why graded notebooks reach the engine only through the course's guard, which
refuses such requests, and why Docker offers a rootless mode.

You can speak that HTTP yourself with Python's `socket` module. A request is a request line,
headers, and a blank line. With `HTTP/1.0` the engine closes the connection when its reply is
complete, so "read until the other side hangs up" reads exactly one reply.
""", "s2-socket-text"),
        code("""
import socket

SOCK = rawapi.engine_socket_path()     # the path inside DOCKER_HOST=unix://...
print("engine socket:", SOCK, "\\n")

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
    s.connect(SOCK)
    s.sendall(b"GET /_ping HTTP/1.0\\r\\nHost: docker\\r\\n\\r\\n")    # request line, one header, blank line
    reply = b""
    while chunk := s.recv(4096):      # an empty chunk: the engine closed the connection
        reply += chunk
print(reply.decode())
""", "s2-live-ping"),
        Exercise(
            "is the engine up?", points=2, covers=("S8",),
            lead="""
The reply has the same shape: a **status line** (`HTTP/1.0 200 OK`: protocol, status code,
reason; through the course guard, which speaks HTTP/1.1, `HTTP/1.1 200 OK` and a `Connection: close`
header that says the same), headers (`Api-Version`, `Server: Docker/...`), a blank line (`\\r\\n\\r\\n`), and the body
(`OK`). That is all `docker info` or a health check does to see that the engine is up.

""",
            text="""
Write `http_get(socket_path, path)` that sends `GET <path>` over the unix socket at
`socket_path` and returns the **complete raw reply** (bytes), and `ping_status(socket_path)`
that uses it to return the **status line** of the reply to `GET /_ping`, as a `str` without its
line ending (for example `"HTTP/1.0 200 OK"`). Do not use the docker SDK or CLI. The hidden
tests hand your function a different socket path. You will reuse `http_get` in the next
exercises; each is graded on its own (if your `http_get` is wrong, their tests retry your
function with a correct one, so a mistake here costs only this exercise's points).
""",
            solution="""
import socket


def http_get(socket_path, path):
    ### BEGIN SOLUTION
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(f"GET {path} HTTP/1.0\\r\\nHost: docker\\r\\n\\r\\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply
    ### END SOLUTION


def ping_status(socket_path):
    ### BEGIN SOLUTION
    return http_get(socket_path, "/_ping").split(b"\\r\\n", 1)[0].decode()
    ### END SOLUTION
""",
            tests="""
check.ping_status(ping_status, docker)
### BEGIN HIDDEN TESTS
check.ping_status(ping_status, docker, relayed=True)
### END HIDDEN TESTS
""",
        ),
        md("""
### What `docker version` asks: `GET /version`

The Server half of `docker version` is the body of one request, a JSON document. Split the reply
at the blank line and parse the body:
""", "s2-version-text"),
        code("""
import json

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
    s.connect(SOCK)
    s.sendall(b"GET /version HTTP/1.0\\r\\nHost: docker\\r\\n\\r\\n")
    reply = b""
    while chunk := s.recv(65536):
        reply += chunk
head, _, body = reply.partition(b"\\r\\n\\r\\n")
print(head.decode(), "\\n")
server = json.loads(body)
print({key: server[key] for key in ("Version", "ApiVersion", "GoVersion", "Os", "Arch")})
print("the SDK agrees:", docker.version()["Version"] == server["Version"])
""", "s2-live-version"),
        Exercise(
            "the server's version, by hand", points=3, covers=("S8", "S2"),
            text="""
Write `server_version(socket_path)` that returns the engine's version (the `Version` field of
`GET /version`, for example `"20.10.24+dfsg1"`), speaking HTTP over the socket yourself. The
tests compare it with what the SDK reports, and check that your function asked the socket it
was given.
""",
            solution="""
import json


def server_version(socket_path):
    ### BEGIN SOLUTION
    body = http_get(socket_path, "/version").partition(b"\\r\\n\\r\\n")[2]
    return json.loads(body)["Version"]
    ### END SOLUTION
""",
            tests="""
check.server_version(server_version, docker)
### BEGIN HIDDEN TESTS
check.server_version(server_version, docker, relayed=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "written in Go", points=2, covers=("S2",),
            text="""
Docker is written in Go, and the engine says which Go compiler built it. Write
`go_version(socket_path)` returning that version (for example `"go1.19.8"`), again by hand.
Careful: the `docker` CLI is a Go program too, built with its own Go compiler, which may or may
not be the engine's; the tests want the **engine's**, asked by hand.
""",
            solution="""
def go_version(socket_path):
    ### BEGIN SOLUTION
    body = http_get(socket_path, "/version").partition(b"\\r\\n\\r\\n")[2]
    return json.loads(body)["GoVersion"]
    ### END SOLUTION
""",
            tests="""
check.go_version(go_version, docker)
### BEGIN HIDDEN TESTS
check.go_version(go_version, docker, relayed=True)
### END HIDDEN TESTS
""",
        ),
        md("""
## 3. The CLI and the SDK are API clients

Let us watch the wire. `rawapi.Relay()` is a socket that passes every connection on to the
engine and writes down each request it carries. Point the CLI and the SDK at it:
""", "s2-wire-text"),
        code("""
import docker as docker_sdk
import pandas as pd

with rawapi.Relay() as relay:                       # relay.url is unix://<a new socket in front of the engine>
    rawapi.cli("version", host=relay.url)                            # the docker CLI
    docker_sdk.DockerClient(base_url=relay.url, version="auto").version()   # the Python SDK
    rawapi.request("GET", "/_ping", relay.path)                       # our own HTTP/1.0 by hand
pd.DataFrame([{"client": e.user_agent, "request": e.request_line, "reply": e.status_line}
              for e in relay.exchanges])
""", "s2-live-wire"),
        md("""
The CLI pings first (`HEAD /_ping`) to negotiate the API version, then asks
`GET /v1.41/version`, the version in the path. Every `docker` command works like this: `docker ps` is `GET /containers/json`, `docker run` is
`POST /containers/create` then `POST /containers/{id}/start`.

### Listing containers: `GET /containers/json`

The list comes back as a JSON array, one object per container, with its `Id`, `Names`,
`Image`, `State` and `Labels`. By default only **running** containers are listed; the query
string `?all=1` adds stopped ones, and `filters` lets the engine select by label. We start two
labelled containers (one running, one only created) and ask:
""", "s2-containers-text"),
        code("""
mine = {"course.demo": "listing"}
running = docker.containers.run(lab.BASE_IMAGE, "sleep 120", detach=True, labels=mine)
created = docker.containers.create(lab.BASE_IMAGE, "true", labels=mine)

for query in ("", "?all=1"):
    body = rawapi.request("GET", f"/containers/json{query}", SOCK).body
    listed = [c for c in json.loads(body) if c["Labels"].get("course.demo") == "listing"]
    print(f"GET /containers/json{query:7} ->", [(c["Id"][:12], c["State"]) for c in listed])
running.remove(force=True)
created.remove()
""", "s2-live-containers"),
        Exercise(
            "count containers by label", points=3, covers=("S2",),
            text="""
Write `count_labelled(socket_path, label)` that returns how many containers, **running or
not**, carry the label `label`, given as `"key=value"` (the key with exactly that value). Use
`GET /containers/json` by hand
(filter in Python, or let the engine filter with `filters={"label":["key=value"]}`, URL-encoded).
The tests create containers with a fresh label, some running and some not, and one whose label
has the same key and another value, and compare.
""",
            solution="""
def count_labelled(socket_path, label):
    ### BEGIN SOLUTION
    key, _, value = label.partition("=")
    body = http_get(socket_path, "/containers/json?all=1").partition(b"\\r\\n\\r\\n")[2]
    return sum(1 for c in json.loads(body) if (c.get("Labels") or {}).get(key) == value)
    ### END SOLUTION
""",
            tests="""
check.count_labelled(count_labelled, docker, cases=[(1, 1)])
### BEGIN HIDDEN TESTS
check.count_labelled(count_labelled, docker, cases=[(2, 0), (0, 2)], relayed=True)
### END HIDDEN TESTS
""",
        ),
        Exercise(
            "your own filter", points=2, covers=("S2",),
            text="""
The engine can do the filtering itself. Set `my_query` to the path, with its query string, of
the `GET` that asks the engine for **every** container, running or not, that carries your own
label, `team_label` in the table under this text: `/containers/json?all=1&filters=...`, the
filter `{"label": ["key=value"]}` written as URL-encoded JSON (`urllib.parse.quote`). Try it:
`http_get(SOCK, my_query)`. The tests send your path to the engine, beside containers of
their own with your label and with another value of its key.
""",
            params=(Param("team_label", "the label your query asks for", default="team=blue",
                          choices=("team=blue", "team=red", "team=green", "team=amber", "team=teal", "team=plum")),),
            solution="""
import urllib.parse

### BEGIN SOLUTION
my_query = "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"label": ["{{team_label}}"]}))
### END SOLUTION
""",
            tests="""
check.my_query(globals().get("my_query"))
### BEGIN HIDDEN TESTS
check.my_query(globals().get("my_query"), docker)
### END HIDDEN TESTS
""",
        ),
        Question(
            2, text="""
In section 1 the checksum of `install-docker.sh` matched. In three or four sentences: what
does a matching checksum prove, and what does it not? Why must the checksum come from somewhere
other than the server that sent the script, and what does installing a signed package
(`apt-get install docker.io`) add that a checksum you compared once does not?
""",
            answer="""
It proves the file is byte for byte the one whose checksum was published: not altered on the
way or by a mirror, not cut short. It does not prove the script is safe or does what you want:
only reading it (and a dry run) tells that. If the checksum comes from the same server, whoever
can change the script can change the checksum too, so it proves nothing; it must come through
another channel you trust. A signed package is checked automatically against a key the system
already trusts (Debian's archive key, installed with the OS), for every later update too, and
the package manager records what was installed so it can be upgraded or removed cleanly.
""",
        ),
    ),
    cleanup="""
lab.cleanup()   # remove anything this notebook left on the engine
""",
    #A plausible partial submission: exercise 1 right; exercise 2 returns the API version (a
    #classic mix-up); exercise 3 not attempted; exercise 4 forgets that /containers/json lists
    #running containers only.
    partial={
    "ex1-solution": None,
    "ex2-solution": """
import json


def server_version(socket_path):
    body = http_get(socket_path, "/version").partition(b"\\r\\n\\r\\n")[2]
    return json.loads(body)["ApiVersion"]
""".strip(),
    "ex4-solution": """
def count_labelled(socket_path, label):
    key, _, value = label.partition("=")
    body = http_get(socket_path, "/containers/json").partition(b"\\r\\n\\r\\n")[2]
    return sum(1 for c in json.loads(body) if (c.get("Labels") or {}).get(key) == value)
""".strip(),
},
)
