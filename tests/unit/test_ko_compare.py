"""The Korean edition of `compare`: the lesson reads in Korean with the seed note's terms, its catalog
keeps the markdown and the code of the English, and its checks' feedback is Korean under ``ko`` and
the unchanged English otherwise (no engine: the learner's functions are fakes on made-up rows).

What every lesson's Korean edition is held to (the prose, the English heuristic, the shape of a
translation, the ``common`` texts fenced off) is in ``korean.py``; here is what is `compare`'s own."""

from __future__ import annotations

import korean as shared
import pandas as pd
import pytest
from tqdm.auto import tqdm

from course import lab
from course.checks import compare as check
from course.lab import variant

DOMAIN = "compare"
#: The seed note's terms this lesson's Korean uses.
TERMS = ("가상 머신", "하이퍼바이저", "게스트 OS", "호스트 OS", "컨테이너", "격리", "커널 공유", "이미지", "도커 엔진")


def test_the_korean_lesson_uses_the_seed_terms_and_leaves_no_english_prose():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    assert shared.english_in(DOMAIN, "ko") == []
    english = "\n".join(shared.markdown(DOMAIN))  # no language chosen
    assert "Two stacks" in english and "두 가지 스택" not in english  # English stays the default


def test_the_heuristic_catches_an_untranslated_line():
    line = "The shared kernel is also the price, so `uname -r` says it."
    lines = shared.prose(f"커널 공유\n{line}\n```\nprint('some code here ok')\n```")
    assert [shared.english(prose) for prose in lines] == [False, True]


def test_every_translation_keeps_placeholders_markdown_and_code():
    """A Korean sentence may name a code span the English does not ("`data`를 만듭니다")."""
    shared.check_catalog(DOMAIN, spans="added")


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


def _called(call) -> None:
    """Run a wrong answer: ``call`` gives the check and its arguments, made when called."""
    fn, *args = call()
    fn(*args)


@pytest.mark.parametrize("case", FAILURES)
def test_feedback_is_korean_under_ko_and_the_same_english_otherwise(case, three_repeats, monkeypatch):
    call, english, korean = FAILURES[case]
    shared.assert_speaks_both(lambda: _called(call), english, korean, monkeypatch)
