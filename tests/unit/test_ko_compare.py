"""The Korean edition of `compare`: the lesson reads in Korean with the seed note's terms, its catalog
keeps the markdown and the code of the English, and its checks' feedback is Korean under ``ko`` and
the unchanged English otherwise (no engine: the learner's functions are fakes on made-up rows)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from babel.messages.pofile import read_po
from tqdm.auto import tqdm

from course import i18n, lab
from course.checks import compare as check
from course.checks.feedback import Feedback
from course.lab import variant
from course.material import lessons
from course.material.translations import fields

#: The seed note's terms this lesson's Korean uses.
TERMS = ("가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "컨테이너", "격리", "커널 공유", "이미지", "도커 엔진")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CODE_SPAN = re.compile(r"`[^`\n]+`")


def _common_templates() -> list[re.Pattern]:
    """The lines the ``common`` domain writes (generated headings, labels): another translator's."""
    with i18n.using("ko"):
        with i18n.recording() as seen:
            lessons.get("compare").cells()
        common = i18n.translator("common")
        texts = {common(m) for domain, m in seen if domain == "common"}  # outside the recording: it grows
    return [re.compile(re.sub(r"\\\{[^}]*\\\}", ".*", re.escape(line)) + r"\Z")
            for text in texts for line in text.splitlines() if line.strip()]


def _english_lines(markdown: str, skip: list[re.Pattern]) -> list[str]:
    """Lines of prose outside code that are mostly ASCII words: English left untranslated."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.lstrip().startswith("|") or any(p.match(line) for p in skip):
            continue
        prose = CODE_SPAN.sub("", line)
        words = re.findall(r"[A-Za-z]{2,}", prose)
        if len(words) >= 3 and sum(map(len, words)) > len(HANGUL.findall(prose)):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def korean_markdown() -> list[str]:
    with i18n.using("ko"):
        cells = lessons.get("compare").cells()
    return [c.source for c in cells if c.cell_type == "markdown"]


def test_the_korean_lesson_uses_the_seed_terms_and_leaves_no_english_prose(korean_markdown):
    text = "\n".join(korean_markdown)
    assert [term for term in TERMS if term not in text] == []
    skip = _common_templates()
    assert [line for md in korean_markdown for line in _english_lines(md, skip)] == []
    english = "\n".join(c.source for c in lessons.get("compare").cells() if c.cell_type == "markdown")
    assert "Two stacks" in english and "두 가지 스택" not in english  # English stays the default


def test_the_heuristic_catches_an_untranslated_line():
    line = "The shared kernel is also the price, so `uname -r` says it."
    assert _english_lines(f"커널 공유\n{line}\n```\nprint('some code here ok')\n```", []) == [line]


def _catalog():
    with i18n.catalog_path("compare", "ko").open("rb") as source:
        return [m for m in read_po(source, locale="ko", domain="compare") if m.id]


def _shape(text: str) -> tuple:
    """What a translation must keep of a markdown text: headings, list items, table columns, code blocks."""
    lines = text.splitlines()
    return ([ln.split(" ", 1)[0] for ln in lines if ln.startswith("#")],
            sum(bool(re.match(r"\s*(- |\d+\. )", ln)) for ln in lines),
            [ln.count("|") for ln in lines if ln.lstrip().startswith("|")],
            re.findall(r"```.*?```", text, re.DOTALL))


def test_every_translation_keeps_placeholders_markdown_and_code():
    catalog = _catalog()
    assert catalog and all(m.string and not m.fuzzy for m in catalog)
    for m in catalog:
        assert HANGUL.search(m.string), m.id
        assert fields(m.string) == fields(m.id), m.id
        assert _shape(m.string) == _shape(m.id), m.id
        assert set(CODE_SPAN.findall(m.id)) <= set(CODE_SPAN.findall(m.string)), m.id
        assert re.findall(r"\]\(([^)]*)\)", m.string) == re.findall(r"\]\(([^)]*)\)", m.id), m.id


# --- the checks' feedback, on made-up rows ---

def _rows(repeats: int) -> pd.DataFrame:
    rows = [{"kind": kind, "run": run, "start_s": start, "memory_mb": 10.0 + run, "disk_mb": 5.0,
             "kernel": "guest" if kind == "vm" else "host",
             "boot_id": f"vm-{run}" if kind == "vm" else lab.host_boot_id()}
            for run in range(repeats)
            for kind, start in (("vm", (1.0, 2.0, 9.0, 4.0)[run]), ("container", 0.5))]
    return pd.DataFrame(rows, columns=check.COLUMNS)


def _no_bar(repeats):
    return _rows(repeats)


def _kinds_in_turn(repeats):
    for _run in tqdm(range(repeats)):
        pass
    return _rows(repeats).sort_values("kind", kind="stable")  # every container, then every VM


def _mean(df):
    return df.groupby("kind")[check.NUMBERS].mean()


def _conclusions(**over) -> dict:
    data = _rows(3)
    med = data.groupby("kind")[check.NUMBERS].median()
    ns = {"data": data, "container_kernel_is_host": True, "vm_kernel_is_host": False,
          "start_ratio": med.loc["vm", "start_s"] / med.loc["container", "start_s"],
          "memory_ratio": med.loc["vm", "memory_mb"] / med.loc["container", "memory_mb"]}
    return {**ns, **over}


@pytest.fixture
def three_repeats(monkeypatch):
    """The learner's variant asks for 3 runs of each (as the notebook's values cell declares it)."""
    monkeypatch.setitem(variant._declared, "compare", {"repeats": ("how many runs", 3)})


#: A wrong answer (the check and its arguments, made when called) -> its (problem, hint) in English, in Korean.
FAILURES = {
    "no progress bar": (
        lambda: (check.collected, _no_bar, 1),
        ("`collect` showed no progress bar.", "loop over tqdm(range(repeats)) (from tqdm.auto import tqdm)."),
        ("`collect`가 진행 표시줄을 보여 주지 않았습니다.",
         "tqdm(range(repeats))로 반복해 보세요(from tqdm.auto import tqdm).")),
    "not alternating": (
        lambda: (check.collected, _kinds_in_turn, 2),
        (("the measurements were taken in the order container, container, vm, vm: not alternating, so a "
          "change in the machine's load during the loop weighs on one kind more than on the other."),
         "in one loop over the runs, measure a VM and then a container."),
        (("측정 순서가 container, container, vm, vm입니다. 번갈아 재지 않았으므로, 반복하는 동안 기계의 "
          "부하가 바뀌면 한쪽 종류가 다른 쪽보다 더 큰 영향을 받습니다."),
         "run을 도는 반복문 하나 안에서 가상 머신을 잰 다음 컨테이너를 재 보세요.")),
    "mean, not median": (
        lambda: (check.summarised, _mean, _rows(3)),
        ("start_s for vm is 4: that is the mean; the median is 2.", "use .median(), not .mean()."),
        ("vm의 start_s 값이 4입니다. 이것은 평균이고, 중앙값은 2입니다.", ".mean() 대신 .median()을 써 보세요.")),
    "inverse ratio": (
        lambda: (check.conclusions, _conclusions(start_ratio=0.25)),
        ("start_ratio is 0.25: that is container / VM, the inverse.", "divide the VM's median by the container's."),
        ("start_ratio 값이 0.25입니다. 컨테이너 / 가상 머신으로, 거꾸로 나누었습니다.",
         "가상 머신의 중앙값을 컨테이너의 중앙값으로 나누어 보세요.")),
    "wrong kernel answer": (
        lambda: (check.conclusions, _conclusions(vm_kernel_is_host=True)),
        ("vm_kernel_is_host is True; your data says False.",
         "compare the VM rows' boot_id column with lab.host_boot_id(): a VM boots its own kernel."),
        ("vm_kernel_is_host가 True입니다. 여러분의 데이터로는 False입니다.",
         "가상 머신 행의 boot_id 열을 lab.host_boot_id()와 비교해 보세요. 가상 머신은 자기 커널을 부팅합니다.")),
    "not your repeats": (
        lambda: (check.your_data, _rows(2)),
        ("your data has 2 VM run(s) and 2 container run(s); your exercise asks for 3 of each.",
         "set data = collect(3), your own number of repeats."),
        ("데이터에 가상 머신 실행이 2번, 컨테이너 실행이 2번 들어 있습니다. 여러분의 연습 문제는 각각 3번씩을 요구합니다.",
         "여러분의 반복 횟수를 넣어 보세요: data = collect(3).")),
}


def _feedback(call) -> tuple[str, str]:
    """The (problem, hint) of a wrong answer, in the language of the moment."""
    fn, *args = call()
    with pytest.raises(Feedback) as caught:
        fn(*args)
    return caught.value.problem, caught.value.hint


@pytest.mark.parametrize("case", FAILURES)
def test_feedback_is_korean_under_ko_and_the_same_english_otherwise(case, three_repeats, monkeypatch):
    call, english, korean = FAILURES[case]
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert _feedback(call) == english
    with i18n.using("ko"):
        assert _feedback(call) == korean
    with i18n.using("en"):
        assert _feedback(call) == english
    monkeypatch.setenv(i18n.ENV, "ko")  # a graded kernel's language comes from COURSE_LANG
    assert _feedback(call) == korean
