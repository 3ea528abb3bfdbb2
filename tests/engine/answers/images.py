"""Other correct answers and plausible mistakes for `images`, graded like submissions."""

from answers import Answer

# Every exercise's tests call only its own function or dictionary.
DEPENDS: dict[int, tuple[int, ...]] = {}
#: Exercise -> what its feedback says to a student who submitted another's solution (variant-bound exercises).
COPIED = {1: r"the image's working directory is \S+; your exercise asks for \S+"}

ANSWERS = [
    # -- ex1: greeter_dockerfile(name) --------------------------------------------------------
    Answer(1, "legacy ENV form, WORKDIR with a trailing slash, absolute paths", '''
def greeter_dockerfile(name):
    return "\\n".join([
        "FROM vmdocker/base",
        f"LABEL org.opencontainers.image.title={name}",
        f"ENV GREETING Hello, {name}",
        "WORKDIR {{workdir}}/",
        "COPY greet.sh {{workdir}}/greet.sh",
        'CMD ["/bin/sh", "{{workdir}}/greet.sh"]',
    ]) + "\\n"
'''),
    Answer(1, "COPY into the workdir first, WORKDIR after it", '''
def greeter_dockerfile(name):
    return (f'FROM vmdocker/base\\nCOPY greet.sh {{workdir}}/\\nWORKDIR {{workdir}}\\n'
            f'ENV GREETING="Hello, {name}"\\nLABEL "org.opencontainers.image.title"="{name}"\\n'
            'CMD ["sh", "greet.sh"]\\n')
'''),
    Answer(1, "CMD in shell form", '''
def greeter_dockerfile(name):
    return f"""FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, {name}"
WORKDIR {{workdir}}
COPY greet.sh .
CMD sh greet.sh
"""
''', feedback=r"CMD is in shell form"),
    Answer(1, "no WORKDIR: greet.sh lands in /", '''
def greeter_dockerfile(name):
    return f"""FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, {name}"
COPY greet.sh .
CMD ["sh", "greet.sh"]
"""
''', feedback=r"working directory is not set"),
    Answer(1, "the greeting typed for Ada, not built from name", '''
def greeter_dockerfile(name):
    return f"""FROM vmdocker/base
LABEL org.opencontainers.image.title="{name}"
ENV GREETING="Hello, Ada"
WORKDIR {{workdir}}
COPY greet.sh .
CMD ["sh", "greet.sh"]
"""
''', feedback=r"GREETING is 'Hello, Ada' in the image, expected 'Hello, Grace'"),

    # -- ex2: read a Dockerfile ---------------------------------------------------------------
    Answer(2, "trailing slash on the directory, a tuple, the port as 8080/tcp, output with its newline", '''
ANSWERS = {
    "workdir": "/srv/app/",
    "cmd": ("./app.sh", "--serve"),
    "mode": "production",
    "port": "8080/tcp",
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with --serve\\n",
}
'''),
    Answer(2, "the variable instead of its value", '''
ANSWERS = {
    "workdir": "$APP_HOME",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": 8080,
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with --serve",
}
''', feedback=r"the variable, not its value"),
    Answer(2, "a relative working directory", '''
ANSWERS = {
    "workdir": "srv/app",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": 8080,
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with --serve",
}
''', feedback=r"relative path.*absolute path"),
    Answer(2, "CMD's arguments forgotten in the output", '''
ANSWERS = {
    "workdir": "/srv/app",
    "cmd": ["./app.sh", "--serve"],
    "mode": "production",
    "port": 8080,
    "script": "/srv/app/app.sh",
    "output": "app in production mode, serving from /srv/app with",
}
''', feedback=r"output .* is not what the container prints"),

    # -- ex3: publish(api, image, repository, tag) --------------------------------------------
    Answer(3, "the low-level API, the digest from the push output's aux", '''
def publish(api, image, repository, tag):
    digest = None
    for name in (tag, "latest"):
        api.api.tag(image.id, repository, name)
    for name in (tag, "latest"):
        for line in api.api.push(repository, tag=name, stream=True, decode=True, auth_config={}):
            if "error" in line:
                raise RuntimeError(line["error"])
            digest = line.get("aux", {}).get("Digest", digest)
    return digest
'''),
    Answer(3, "the image ID returned, not the manifest digest", '''
def publish(api, image, repository, tag):
    image.tag(repository, tag)
    image.tag(repository, "latest")
    api.images.push(repository, auth_config={})
    return image.id
''', feedback=r"that is the image's ID"),
    Answer(3, "only one tag pushed", '''
def publish(api, image, repository, tag):
    image.tag(repository, tag)
    for line in api.images.push(repository, tag=tag, stream=True, decode=True, auth_config={}):
        if "aux" in line:
            return line["aux"]["Digest"]
''', feedback=r"no tag 'latest'"),

    # -- ex4: save_image / load_image ---------------------------------------------------------
    Answer(4, "the low-level get_image, pathlib, and the name from load's message", '''
from pathlib import Path


def save_image(api, name, path):
    Path(path).write_bytes(b"".join(api.api.get_image(name)))


def load_image(api, path):
    for message in api.api.load_image(Path(path).read_bytes()):
        if "Loaded image" in message.get("stream", ""):
            return api.images.get(message["stream"].split(": ", 1)[1].strip())
'''),
    Answer(4, "saved by ID: the archive has no name", '''
def save_image(api, name, path):
    with open(path, "wb") as out:
        for chunk in api.images.get(name).save(named=False):
            out.write(chunk)


def load_image(api, path):
    with open(path, "rb") as archive:
        return api.images.load(archive.read())[0]
''', feedback=r"records no name"),
    Answer(4, "load's list returned as it is", '''
def save_image(api, name, path):
    with open(path, "wb") as out:
        for chunk in api.images.get(name).save(named=True):
            out.write(chunk)


def load_image(api, path):
    with open(path, "rb") as archive:
        return api.images.load(archive.read())
''', feedback=r"returned a list"),
]
