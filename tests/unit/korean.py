"""What the Korean edition's tests (``test_ko_<lesson>.py``) share: one reading of a notebook's prose,
one test of "this line is English", one markdown shape a translation keeps, one fence around ``common``.

Each lesson's file keeps what is its own: the seed note's terms it teaches, its cells, its feedback cases.
Written once so that the six lessons are held to the same standard, and a fix reaches all of them.

The lesson model writes headings and labels ("### Exercise 1 (4 points): ...", "**Time:**") from the
``common`` catalog, which its own translator owns: while a lesson is built here, every literal text
``common`` gives is put between markers and then taken out, so that only what the lesson's catalog says
(its exercise titles included) is judged.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Literal, NamedTuple

import pytest
from babel.messages.catalog import Message

from course import i18n
from course.checks.feedback import Feedback
from course.material import lesson as lesson_module
from course.material import lessons, translations

HANGUL = re.compile(r"[\uac00-\ud7a3]")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
SPAN = re.compile(r"`[^`\n]*`")
#: A link's target (``[text](target)``), and a whole link.
TARGET = re.compile(r"\]\(([^)]*)\)")
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
#: A run of ASCII letters, and one as a word is written ("don't", "well-known").
LETTERS = re.compile(r"[A-Za-z]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
#: Words an English sentence can hardly do without, and that no Korean sentence here needs.
GLUE = {"the", "a", "an", "is", "are", "was", "of", "to", "and", "in", "it", "its", "that", "with", "for",
        "on", "as", "by", "be", "this", "what", "how", "your", "you", "not", "from", "which", "each", "one",
        "runs", "has", "does", "can"}
_START, _END = "\x01", "\x02"
_COMMON = re.compile(f"{_START}[^{_END}]*{_END}")


# --- the notebook's prose ------------------------------------------------------------------------------

def _marked(message: str) -> str:
    """``message`` with each literal part between markers, its fields (filled in later) left out."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(message):
        if literal:
            parts.append(_START + literal.replace("{", "{{").replace("}", "}}") + _END)
        if name is not None:
            parts.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(parts)


@contextlib.contextmanager
def common_marked() -> Iterator[None]:
    """Inside the block, the lesson model's ``common`` texts come marked, in whatever language they are."""
    common = lesson_module._
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lesson_module, "_", lambda message: _marked(common(message)))
        patch.setattr(lesson_module, "_n", lambda one, many, n: _marked(common.plural(one, many, n)))
        yield


def cells(domain: str, lang: str) -> dict[str, str]:
    """Grade id -> source of the lesson's cells in ``lang`` (as the learner sees them: nothing marked)."""
    with i18n.using(lang):
        return {c.metadata.get("nbgrader", {}).get("grade_id", "?"): c.source for c in lessons.get(domain).cells()}


def markdown(domain: str, lang: str | None = None) -> list[str]:
    """The sources of the lesson's markdown cells in ``lang`` (none: the language of the moment), as the
    learner sees them."""
    with i18n.using(lang) if lang else contextlib.nullcontext():
        return [c.source for c in lessons.get(domain).cells() if c.cell_type == "markdown"]


def prose(text: str) -> list[str]:
    """The lines of a markdown text a learner reads as sentences: code blocks, code spans, link targets
    and ``common``'s marked texts taken out; a table holds values, not sentences."""
    text = TARGET.sub("]", SPAN.sub(" ", FENCE.sub("", _COMMON.sub(" ", text))))
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("|")]


def prose_lines(domain: str, lang: str) -> list[tuple[str, str]]:
    """(grade id, line) of every prose line of the lesson in ``lang``, without ``common``'s texts."""
    with i18n.using(lang), common_marked():
        built = lessons.get(domain).cells()
    return [(cell.metadata.get("nbgrader", {}).get("grade_id", "?"), line)
            for cell in built if cell.cell_type == "markdown" for line in prose(cell.source)]


def english(line: str, names: tuple[str, ...] = ()) -> bool:
    """A line that reads as English: two of English's function words, or three ASCII words or more and
    more Latin letters than Hangul, once the ``names`` the Korean keeps in Latin letters (VMware, runc)
    are set aside."""
    for name in sorted(names, key=len, reverse=True):
        line = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", line)
    words = [w.lower() for w in LETTERS.findall(line)]
    if sum(w in GLUE for w in words) >= 2:
        return True
    latin = sum(map(len, WORD.findall(line)))
    return len(words) >= 3 and latin > len(HANGUL.findall(line))


def english_in(domain: str, lang: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(grade id, line) of the lesson's prose lines in ``lang`` that read as English."""
    return [(cell, line) for cell, line in prose_lines(domain, lang) if english(line, names)]


def missing_terms(domain: str, terms: tuple[str, ...]) -> list[str]:
    """Those of ``terms`` the Korean lesson's own prose (no code, no ``common`` texts) never writes."""
    text = "\n".join(line for _, line in prose_lines(domain, "ko"))
    return [term for term in terms if term not in text]


# --- the catalog ---------------------------------------------------------------------------------------

def shape(text: str) -> dict[str, object]:
    """What a translation must keep of a markdown text: its outline (headings by level, list items, table
    rows' columns and code blocks, in order), its code (blocks, spans), its links and its placeholders."""
    outline = []
    for part in re.split(f"({FENCE.pattern})", text, flags=FENCE.flags):
        if FENCE.fullmatch(part):
            outline.append("```")
            continue
        for line in part.splitlines():
            if line.startswith("#"):
                outline.append(line.split(" ", 1)[0])
            elif item := re.match(r"\s*([-*]|\d+\.) ", line):
                outline.append(item.group(1))
            elif line.lstrip().startswith("|"):
                outline.append(f"|{line.count('|')}")
    return {
        "outline": outline,
        "code blocks": FENCE.findall(text),
        "code spans": sorted(SPAN.findall(FENCE.sub("", text))),
        "link targets": TARGET.findall(text),
        "links": [target for _, target in LINK.findall(text)],  # a lost "[" unmakes a link, its target kept
        "placeholders": translations.fields(text),
    }


#: How a lesson's translations may treat the English's code spans: keep them exactly (``same``), name one
#: again (``repeated``: Korean repeats a subject where English says "it"), or add one (``added``).
Spans = Literal["same", "repeated", "added"]


def lost(source: str, translation: str, spans: Spans = "same") -> list[str]:
    """What of the English ``source``'s shape its ``translation`` does not keep (empty: all of it)."""
    want, have = shape(source), shape(translation)
    out = [k for k in want if k != "code spans" and want[k] != have[k]]
    need, got = Counter(want["code spans"]), Counter(have["code spans"])
    kept = {"same": got == need, "repeated": not need - got and set(got) == set(need), "added": not need - got}
    if not kept[spans] or got["``"] != need["``"]:  # an empty pair is no span: never one "added"
        out.append("code spans")
    return out


def catalog(domain: str) -> list[Message]:
    """The messages of the lesson's Korean catalog (its header left out)."""
    return [m for m in translations._read(i18n.catalog_path(domain, "ko"), "ko", domain) if m.id]


def has_words(message: str) -> bool:
    """Whether ``message`` has English to translate once its placeholders are set aside ("{said}." has not)."""
    for field in translations.fields(message):
        message = message.replace(field, "")
    return bool(LETTERS.search(message))


def check_catalog(domain: str, names: tuple[str, ...] = (), spans: Spans = "same",
                  wordless: tuple[str, ...] = ()) -> list[Message]:
    """Every English text of the lesson (its notebook's and its checks') is translated and current, written
    in Korean (no line of it left wholly in English), and keeps its shape; the messages, for more checks.

    ``wordless``: the lesson's messages with nothing to translate ("{said}."), kept as they are.
    """
    messages = catalog(domain)
    assert messages and len(messages) == len(translations.template(domain))
    assert [m.id for m in messages if not has_words(m.id)] == list(wordless)
    for m in messages:
        assert m.string and not m.fuzzy, m.id
        assert lost(m.id, m.string, spans) == [], m.id
        assert HANGUL.search(m.string) if has_words(m.id) else m.string == m.id, m.id
        assert [line for line in prose(m.string) if english(line, names) and not HANGUL.search(line)] == [], m.id
    return messages


def problems(domain: str) -> list[str]:
    """What ``course i18n check ko`` finds wrong with the lesson's catalog."""
    return [p for p in translations.problems("ko") if p.startswith(f"{domain}:")]


# --- the checks' feedback ------------------------------------------------------------------------------

class Said(NamedTuple):
    """A failure's feedback: what went wrong, and what to try."""

    problem: str
    hint: str


def failure(run: Callable[[], object]) -> Feedback:
    """The feedback ``run`` raises, in the language of the moment."""
    with pytest.raises(Feedback) as caught:
        run()
    return caught.value


def said(run: Callable[[], object]) -> Said:
    """The (problem, hint) ``run`` raises, in the language of the moment."""
    found = failure(run)
    return Said(found.problem, found.hint)


def both(run: Callable[[], object]) -> tuple[Said, Said]:
    """What ``run`` says in English (the default) and in Korean."""
    english = said(run)
    with i18n.using("ko"):
        return english, said(run)


def assert_speaks_both(run: Callable[[], object], english: tuple[str, str], korean: tuple[str, str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``run``'s feedback is ``korean`` under ``ko`` and ``english`` otherwise: chosen in the notebook
    (``using``), by a graded kernel's ``COURSE_LANG`` (a language or a locale), or not at all."""
    for lang, expected in (("en", english), ("ko", korean)):
        with i18n.using(lang):
            assert said(run) == expected
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert said(run) == english
    for value in ("ko", "ko_KR.UTF-8"):
        monkeypatch.setenv(i18n.ENV, value)
        assert said(run) == korean
