"""`engine`: other correct answers and plausible mistakes, written apart from the reference.

Exercises 2-4 call exercise 1's `http_get`, but each is graded on its own (a correct one is
swapped in when the learner's does not work): so no DEPENDS, and a mistake in exercise 1 may
sit beside correct answers to the others, which must still get full marks.
"""

from answers import Answer

DEPENDS: dict[int, tuple[int, ...]] = {}
#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {5: r"your query filters on the label\(s\) \['team=\w+'\]; your exercise asks for team=\w+\."}

#: Exercise 1's helper as a learner writes it (other answers vary how ping_status uses it).
HTTP_GET = r'''
import socket


def http_get(socket_path, path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply
'''
PING_STATUS = r'''

def ping_status(socket_path):
    return http_get(socket_path, "/_ping").split(b"\r\n", 1)[0].decode()
'''
#: The mistake: the lesson cell's socket (SOCK) instead of the argument.
HTTP_GET_ON_SOCK = HTTP_GET.replace("s.connect(socket_path)", "s.connect(SOCK)") + PING_STATUS

ANSWERS = [
    # -- 1: http_get and ping_status ---------------------------------------------------------
    Answer(1, "http10-no-host-makefile", r'''
import socket


def http_get(socket_path, path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")   # HTTP/1.0 needs no Host header
        return s.makefile("rb").read()


def ping_status(socket_path):
    status_line, _, _ = http_get(socket_path, "/_ping").partition(b"\r\n")
    return str(status_line, "ascii")
'''),
    Answer(1, "http11-keep-alive-content-length", r'''
import socket


def http_get(socket_path, path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(socket_path)
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(1024)
    head = data.split(b"\r\n\r\n")[0]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, value = line.split(b":", 1)
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(data) - len(head) - 4 < length:
        data += s.recv(1024)
    s.close()
    return data


def ping_status(socket_path):
    return http_get(socket_path, "/_ping").decode().splitlines()[0]
'''),
    Answer(1, "socket-of-the-lessons-cell", HTTP_GET_ON_SOCK,
           feedback=r"never connected to the socket path it was given"),
    Answer(1, "returns-the-body", HTTP_GET + r'''

def ping_status(socket_path):
    return http_get(socket_path, "/_ping").split(b"\r\n\r\n")[1].decode()
''', feedback=r"does not start with the protocol.*not the body"),
    Answer(1, "keeps-the-carriage-return", HTTP_GET + r'''

def ping_status(socket_path):
    return http_get(socket_path, "/_ping").decode().split("\n")[0]
''', feedback=r"one line, without its line ending"),
    Answer(1, "http11-reads-until-close", HTTP_GET.replace("HTTP/1.0", "HTTP/1.1") + PING_STATUS,
           feedback=r"HTTP/1\.1 it keeps the connection open"),
    # -- 2: server_version -------------------------------------------------------------------
    Answer(2, "json-from-the-first-brace", r'''
import json


def server_version(socket_path):
    reply = http_get(socket_path, "/version")
    return json.loads(reply[reply.index(b"{"):])["Version"]
'''),
    Answer(2, "own-socket-code-no-helper", r'''
import json
import socket


def server_version(socket_path):
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(socket_path)
    conn.send(b"GET /v1.41/version HTTP/1.0\r\n\r\n")
    raw = b""
    while True:
        part = conn.recv(4096)
        if not part:
            break
        raw += part
    conn.close()
    return json.loads(raw.decode().split("\r\n\r\n", 1)[1])["Version"]
'''),
    Answer(2, "right-though-its-http_get-is-wrong", r'''
import json


def server_version(socket_path):
    body = http_get(socket_path, "/version").partition(b"\r\n\r\n")[2]
    return json.loads(body)["Version"]
''', other_cells={"ex1-solution": HTTP_GET_ON_SOCK}),
    Answer(2, "api-version", r'''
import json


def server_version(socket_path):
    return json.loads(http_get(socket_path, "/version").partition(b"\r\n\r\n")[2])["ApiVersion"]
''', feedback=r"is the API version, not the engine's version"),
    Answer(2, "sdk-on-the-given-socket", r'''
import docker as docker_sdk


def server_version(socket_path):
    return docker_sdk.APIClient(base_url="unix://" + socket_path, version="auto").version()["Version"]
''', feedback=r"asked through the docker SDK or CLI"),
    Answer(2, "sdk-package-version", r'''
import docker as docker_sdk


def server_version(socket_path):
    return docker_sdk.__version__
''', feedback=r"version of the Python docker SDK, not of the engine"),
    # -- 3: go_version -----------------------------------------------------------------------
    Answer(3, "without-the-go-prefix", r'''
def go_version(socket_path):
    body = http_get(socket_path, "/version").partition(b"\r\n\r\n")[2]
    return json.loads(body)["GoVersion"][2:]
'''),
    Answer(3, "engine-component-details", r'''
def go_version(socket_path):
    doc = json.loads(http_get(socket_path, "/version").split(b"\r\n\r\n", 1)[1])
    engine = next(c for c in doc["Components"] if c["Name"] == "Engine")
    return engine["Details"]["GoVersion"]
'''),
    Answer(3, "the-clis-go-version", r'''
import subprocess


def go_version(socket_path):
    out = subprocess.run(["docker", "version", "--format", "{{.Client.GoVersion}}"],
                         capture_output=True, text=True)
    return out.stdout.strip()
''', feedback=r"CLI"),
    Answer(3, "debian-clis-go-version-equal-to-the-engines", r'''
import subprocess


def go_version(socket_path):
    # Debian's docker CLI: one build with the engine, so its Go version is the engine's too.
    out = subprocess.run(["/usr/bin/docker", "version", "--format", "{{.Client.GoVersion}}"],
                         capture_output=True, text=True)
    return out.stdout.strip()
''', feedback=r"ran the docker CLI: the CLI is a Go program of its own \(the client\)"),
    Answer(3, "engine-version-not-go", r'''
def go_version(socket_path):
    return json.loads(http_get(socket_path, "/version").partition(b"\r\n\r\n")[2])["Version"]
''', feedback=r"is the engine's own version, not the Go version"),
    # -- 4: count_labelled -------------------------------------------------------------------
    Answer(4, "engine-filters-url-encoded", r'''
import urllib.parse


def count_labelled(socket_path, label):
    filters = urllib.parse.quote(json.dumps({"label": [label]}))
    reply = http_get(socket_path, f"/containers/json?all=true&filters={filters}")
    return len(json.loads(reply.partition(b"\r\n\r\n")[2]))
'''),
    Answer(4, "key-value-pairs", r'''
def count_labelled(socket_path, label):
    listed = json.loads(http_get(socket_path, "/containers/json?all=1").split(b"\r\n\r\n", 1)[1])
    n = 0
    for c in listed:
        if label in [f"{k}={v}" for k, v in (c["Labels"] or {}).items()]:
            n += 1
    return n
'''),
    Answer(4, "key-only", r'''
def count_labelled(socket_path, label):
    key = label.split("=")[0]
    listed = json.loads(http_get(socket_path, "/containers/json?all=1").partition(b"\r\n\r\n")[2])
    return sum(1 for c in listed if key in (c.get("Labels") or {}))
''', feedback=r"same key but another value"),
    Answer(4, "engine-filter-by-key", r'''
import urllib.parse


def count_labelled(socket_path, label):
    key = label.partition("=")[0]
    filters = urllib.parse.quote(json.dumps({"label": [key]}))
    reply = http_get(socket_path, f"/containers/json?all=1&filters={filters}")
    return len(json.loads(reply.partition(b"\r\n\r\n")[2]))
''', feedback=r"same key but another value"),
    Answer(4, "running-only", r'''
def count_labelled(socket_path, label):
    key, _, value = label.partition("=")
    listed = json.loads(http_get(socket_path, "/containers/json").partition(b"\r\n\r\n")[2])
    return sum(1 for c in listed if (c.get("Labels") or {}).get(key) == value)
''', feedback=r"only the running containers"),
    Answer(4, "the-list-not-its-length", r'''
def count_labelled(socket_path, label):
    key, _, value = label.partition("=")
    listed = json.loads(http_get(socket_path, "/containers/json?all=1").partition(b"\r\n\r\n")[2])
    return [c for c in listed if (c.get("Labels") or {}).get(key) == value]
''', feedback=r"not an int"),
    # -- 5: my_query -------------------------------------------------------------------------
    Answer(5, "urlencode-true-and-the-legacy-map-form", r'''
import urllib.parse

my_query = "/containers/json?" + urllib.parse.urlencode(
    {"all": "true", "filters": json.dumps({"label": {"{{team_label}}": True}})})
'''),
    Answer(5, "running-only", r'''
import urllib.parse

my_query = "/containers/json?filters=" + urllib.parse.quote(json.dumps({"label": ["{{team_label}}"]}))
''', feedback=r"lists running containers only"),
    Answer(5, "the-key-only", r'''
import urllib.parse

my_query = "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"label": ["team"]}))
''', feedback=r"your query filters on the label\(s\) \['team'\]; your exercise asks for team=\w+"),
]
