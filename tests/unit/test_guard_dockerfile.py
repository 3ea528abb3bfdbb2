"""How the guard reads a build (course.guard.dockerfile, course.guard.archives): the Dockerfile in the
uploaded context, and every image it would build on or fetch. No engine: plain function calls."""

from __future__ import annotations

import io
import tarfile

import pytest

from course.guard import dockerfile as dockerfile_mod
from course.guard.archives import dockerfile_text
from course.guard.errors import Refused


@pytest.mark.parametrize("text", [
    "FROM alpine\nADD http://example.invalid/x /x\n",
    "FROM vmdocker/base\nADD $URL /x\n",
    "FROM vmdocker/base\nONBUILD ADD https://example.invalid/x /x\n",
    "ARG B\nFROM ${B}\n",
    "FROM --platform=linux/arm64 vmdocker/base\n",
    "# escape=`\nFROM vmdocker/base\nCOPY --from=$X / /\n",
])
def test_dockerfile_fetches_are_refused(text):
    with pytest.raises(Refused):
        dockerfile_mod.referenced_images(text, {})


def test_dockerfile_images_with_args_stages_and_continuations():
    text = ("# syntax=docker/dockerfile:1\nARG BASE=vmdocker/base\nFROM ${BASE} AS one\n"
            "RUN echo \\\n  # a comment inside\n  hi\nFROM one\nCOPY --from=other:1 /a /b\nfrom scratch\n")
    assert dockerfile_mod.referenced_images(text, {}) == {"vmdocker/base", "other:1"}
    assert dockerfile_mod.referenced_images(text, {"BASE": "mine:2"}) == {"mine:2", "other:1"}


# -- new: the reader, rule by rule ---------------------------------------------------------------
def test_instructions_handle_directives_escapes_comments_and_continuations():
    text = "# syntax=x\n# escape=`\nFROM a\nRUN echo `\n  hi\n# a comment\nrun x\n"
    assert dockerfile_mod.instructions(text) == [("FROM", "a"), ("RUN", "echo   hi"), ("RUN", "x")]
    text = "FROM a\nRUN a \\\n\n # inside\n  b\nENV X=1 \\"  # blank and comment lines inside; a dangling one
    assert dockerfile_mod.instructions(text) == [("FROM", "a"), ("RUN", "a   b"), ("ENV", "X=1")]
    assert dockerfile_mod.instructions("FROM a\n# escape=`\nRUN b `\n") == [("FROM", "a"), ("RUN", "b `")]


@pytest.mark.parametrize("text, env, expanded", [
    ("${A:-dflt}", {}, "dflt"),
    ("${A:-dflt}", {"A": "set"}, "set"),
    ("${A-dflt}", {}, "dflt"),
    ("${A:+alt}", {"A": "1"}, "alt"),
    ("${A:+alt}", {}, ""),
    ("$A/x:${T}", {"A": "reg", "T": "1"}, "reg/x:1"),
    ("plain", {}, "plain"),
])
def test_variables_expand_like_the_builder(text, env, expanded):
    assert dockerfile_mod.expand(text, env, "FROM") == expanded


@pytest.mark.parametrize("text", ["${A/x}", "${A:?err}", "$", "a\\$b"])
def test_what_cannot_be_expanded_for_sure_is_refused(text):
    with pytest.raises(Refused) as err:
        dockerfile_mod.expand(text, {"A": "1"}, "FROM")
    assert err.value.status == 403 and "the guard cannot tell which image that names" in err.value.message


@pytest.mark.parametrize("text, images", [
    ("FROM a AS one\nFROM one\n", {"a"}),
    ("FROM a as build\nFROM b\nCOPY --from=BUILD / /\n", {"a", "b"}),    # stage names ignore case
    ("FROM a\nCOPY --from=0 / /\nCOPY --from=Build / /\n", {"a", "Build"}),  # a stage index, an image
    ("FROM a\nONBUILD COPY --from=img:1 / /\n", {"a", "img:1"}),
    ("FROM a\nADD local.txt /x\nADD --chown=1 [\"b\", \"/b\"]\n", {"a"}),
    ('ARG B="vmdocker/base"\nFROM $B\n', {"vmdocker/base"}),
    ("ARG X\nFROM a\nARG B=late\nFROM a:${B:-1}\n", {"a", "a:1"}),  # ARG after FROM does not reach FROM
    ("FROM scratch\n", set()),
    ("from a\ncopy --FROM=img / /\n", {"a", "img"}),
])
def test_referenced_images(text, images):
    assert dockerfile_mod.referenced_images(text, {}) == images


def test_build_args_override_defaults_only_with_strings():
    assert dockerfile_mod.referenced_images("ARG B\nFROM $B\n", {"B": "mine:1"}) == {"mine:1"}
    assert dockerfile_mod.referenced_images("ARG B=x\nFROM $B\n", {"B": 5}) == {"x"}


@pytest.mark.parametrize("text, words", [
    ("RUN x\n", "a Dockerfile without FROM: there is nothing to build on"),
    ("", "a Dockerfile without FROM"),
    ("FROM\n", "it is not FROM image [AS name]"),
    ("FROM a b\n", "FROM a b: it is not FROM image [AS name]"),
    ("FROM a AS\n", "it is not FROM image [AS name]"),
    ("FROM ${NONE}\n", "it names no image once its variables are expanded"),
    ("FROM --platform=$BUILDPLATFORM a\n", "FROM --platform: a platform can make the engine fetch an image"),
    ("FROM a\nONBUILD FROM b\n", "ONBUILD FROM: it is not allowed as a trigger"),
    ("FROM a\nONBUILD ONBUILD RUN x\n", "ONBUILD ONBUILD"),
    ("FROM a\nONBUILD MAINTAINER me\n", "ONBUILD MAINTAINER"),
    ('FROM a\nADD ["http://x/y", "/y"]\n', "ADD http://x/y: the engine would download it"),
    ("FROM a\nADD git@github.com:x/y /y\n", "ADD git@github.com:x/y"),
    ("FROM a\nADD --chown=1 https://x/y /y\n", "ADD https://x/y"),
    ("FROM a\nCOPY --from=${IMG} / /\n", "COPY --from=${IMG}: the guard cannot tell"),
])
def test_referenced_images_refusals(text, words):
    with pytest.raises(Refused) as err:
        dockerfile_mod.referenced_images(text, {})
    assert err.value.status == 403 and words in err.value.message


def test_onbuild_triggers_of_a_base_image_are_checked_like_instructions():
    images: set[str] = set()
    dockerfile_mod.check_instruction("ONBUILD", "COPY --from=helper:1 /a /b", set(), images, "ONBUILD trigger")
    assert images == {"helper:1"}
    with pytest.raises(Refused):
        dockerfile_mod.check_instruction("ADD", "https://x/y /y", set(), set(), "ONBUILD trigger")


# -- the Dockerfile inside an uploaded build context ---------------------------------------------------
def context(files: dict[str, bytes], links: dict[str, str] | None = None) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return out


def test_the_dockerfile_the_builder_would_read():
    assert dockerfile_text(context({"Dockerfile": b"FROM a\n"}), "") == "FROM a\n"
    assert dockerfile_text(context({"dockerfile": b"FROM lower\n"}), "") == "FROM lower\n"  # dockerd's fallback
    assert dockerfile_text(context({"./sub/Web": b"FROM b\n"}), "sub/Web") == "FROM b\n"
    later = context({"Dockerfile": b"FROM first\n", "./Dockerfile": b"FROM second\n"})
    assert dockerfile_text(later, "") == "FROM second\n"  # the last member of a path wins, as in dockerd


@pytest.mark.parametrize("files, links, name, status, words", [
    ({"x": b""}, None, "", 400, "Cannot locate specified Dockerfile: Dockerfile"),
    ({"dockerfile": b"FROM a\n"}, None, "Web", 400, "Cannot locate specified Dockerfile: Web"),
    ({"Dockerfile": b"FROM a\n"}, None, "/etc/passwd", 403, "it must be a path inside the context"),
    ({"Dockerfile": b"FROM a\n"}, None, "https://x/Dockerfile", 403, "it must be a path inside the context"),
    ({"Dockerfile": b"FROM a\n"}, None, "../Dockerfile", 403, "it leaves the build context"),
    ({}, {"Dockerfile": "/etc/passwd"}, "", 403, "it is a link or not a regular file"),
    ({"Dockerfile": b"\xff\xfe"}, None, "", 400, "the Dockerfile: not UTF-8"),
])
def test_a_dockerfile_that_cannot_be_read_for_sure_is_refused(files, links, name, status, words):
    with pytest.raises(Refused) as err:
        dockerfile_text(context(files, links), name)
    assert err.value.status == status and words in err.value.message


def test_a_context_that_is_not_an_archive_is_a_400():
    with pytest.raises(Refused) as err:
        dockerfile_text(io.BytesIO(b"FROM a\n"), "")
    assert err.value.status == 400 and "could not read the build context" in err.value.message
