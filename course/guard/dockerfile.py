"""Read a Dockerfile as the classic builder does, to find what it would fetch from outside.

The classic builder fetches in three places: a ``FROM`` (or ``COPY --from``) image
that is not on the engine, an ``ADD`` of a URL, and the same two inside ``ONBUILD``
triggers. This module finds them; the proxy then checks that every image is a
local one the learner may see. Anything it cannot resolve for sure (a variable it
cannot expand, an ``ADD`` source built from variables) is refused.
"""

from __future__ import annotations

import json
import re

from course.guard.errors import refuse

DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?(?P<op>[-+])(?P<word>[^}]*))?\}|"
                      r"(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: directives, comments and line continuations handled."""
    escape = "\\"
    lines = text.splitlines()
    start = 0
    for start, line in enumerate(lines):  # parser directives come first, then never again
        m = DIRECTIVE.match(line)
        if not m:
            break
        if m[1].lower() == "escape":
            escape = m[2]
    else:
        start = len(lines)
    out: list[tuple[str, str]] = []
    pending = ""
    for line in lines[start:]:
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and (not stripped or stripped.startswith("#")):
            continue  # comments and blank lines inside a continuation are dropped
        body = line.rstrip()
        if body.endswith(escape):
            pending += body[: -len(escape)]
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, args = full.partition(" ")
        out.append((word.upper(), args.strip()))
    if pending.strip():
        word, _, args = pending.strip().partition(" ")
        out.append((word.upper(), args.strip()))
    return out


def expand(text: str, env: dict[str, str], where: str) -> str:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-x}``, ``${VAR:+x}``; refuse whatever is left unexpanded."""

    def one(m: re.Match) -> str:
        name = m["braced"] or m["plain"]
        value = env.get(name, "")
        if m["op"] == "-":
            return value or m["word"]
        if m["op"] == "+":
            return m["word"] if value else ""
        return value

    result = VARIABLE.sub(one, text)
    if "$" in result or "\\" in result:
        raise refuse(f"{where} {text!r}", "the guard cannot tell which image that names", "Write the image name out.")
    return result


def _flags(args: str) -> tuple[dict[str, str], list[str]]:
    """Split ``--flag=value`` options from the rest; JSON-array form is understood."""
    flags: dict[str, str] = {}
    words = args.split()
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key.lower()] = value
    rest = " ".join(words)
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
            if isinstance(parsed, list) and all(isinstance(w, str) for w in parsed):
                return flags, parsed
        except ValueError:
            pass
    return flags, rest.split()


def check_instruction(word: str, args: str, stages: set[str], images: set[str], where: str) -> None:
    """Record images a COPY/ADD needs and refuse ADD of URLs; ONBUILD is checked recursively."""
    if word == "ONBUILD":
        inner, _, rest = args.strip().partition(" ")
        if inner.upper() in ("FROM", "ONBUILD", "MAINTAINER"):
            raise refuse(f"ONBUILD {inner}", "it is not allowed as a trigger", "")
        check_instruction(inner.upper(), rest.strip(), stages, images, f"{where} ONBUILD")
    elif word in ("COPY", "ADD"):
        flags, words = _flags(args)
        source = flags.get("from", "")
        if "$" in source:
            raise refuse(f"{word} --from={source}", "the guard cannot tell which image that names", "")
        if source and source.lower() not in stages and not source.isdigit():
            images.add(source)
        if word == "ADD":
            for src in words[:-1]:
                if "://" in src or src.startswith("git@") or "$" in src:
                    raise refuse(f"ADD {src}", "the engine would download it from outside this machine "
                                 "(or the guard cannot tell)", "Put the file in the build context and COPY it.")


def referenced_images(text: str, buildargs: dict) -> set[str]:
    """Images the Dockerfile builds FROM or copies from (stages and ``scratch`` excluded)."""
    meta: dict[str, str] = {}
    stages: set[str] = set()
    images: set[str] = set()
    seen_from = False
    for word, args in instructions(text):
        if word == "ARG" and not seen_from:
            for item in args.split():
                name, eq, default = item.partition("=")
                value = buildargs.get(name)
                meta[name] = value if isinstance(value, str) else default.strip("\"'") if eq else ""
        elif word == "FROM":
            seen_from = True
            flags, words = _flags(args)
            if flags:
                raise refuse(f"FROM --{next(iter(flags))}", "a platform can make the engine fetch an image", "")
            if not words or len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
                raise refuse(f"FROM {args}", "it is not FROM image [AS name]", "")
            image = expand(words[0], meta, "FROM")
            if not image:
                raise refuse(f"FROM {args}", "it names no image once its variables are expanded", "")
            if image.lower() not in stages and image != "scratch":
                images.add(image)
            if len(words) == 3:
                stages.add(words[2].lower())
        else:
            check_instruction(word, args, stages, images, "")
    if not seen_from:
        raise refuse("a Dockerfile without FROM", "there is nothing to build on", "Start with FROM vmdocker/base.")
    return images
