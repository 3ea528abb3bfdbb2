"""The Korean edition of `why_docker`: its catalog complete, its notebook in Korean, its feedback too.

The lesson's texts and its checks' messages share the domain ``why_docker``
(``course/locale/ko/LC_MESSAGES/why_docker.po``). English stays byte-identical: the feedback
tests below pin the English of the same failures they read in Korean. What every lesson's Korean
edition is held to (the prose, the English heuristic, the shape of a translation, the ``common``
texts fenced off) is in ``korean.py``; here is what is `why_docker`'s own.
"""

from __future__ import annotations

import korean as shared
import pandas as pd

from course import i18n
from course.checks import why_docker as check

DOMAIN = "why_docker"
#: The seed note's terms (and the lesson's own) that the Korean notebook must use.
TERMS = ("가상 머신", "컨테이너", "이미지", "도커 엔진", "도커 허브", "스케일 아웃", "커널 공유",
         "호스트 커널", "게스트 커널", "복제본", "처리량", "이식성")


def test_the_korean_catalog_is_complete_and_current():
    assert shared.problems(DOMAIN) == []


def test_the_korean_notebook_is_korean_with_the_seed_terms():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    assert shared.english_in(DOMAIN, "ko") == []
    # The heuristic sees English where there is English (it is not vacuous).
    assert len(shared.english_in(DOMAIN, "en")) > 30


def test_every_translation_keeps_the_markdown_and_the_placeholders():
    """A Korean sentence may name a code span again where the English says "it"."""
    assert len(shared.check_catalog(DOMAIN, spans="repeated")) > 100


def test_the_structure_check_can_fail():
    english = "## Title\n\n- a `x`\n- b\n\n```\ncode\n```\n[the docs](https://example.org) {n}"
    assert shared.shape("## 제목\n\n- 가 `x`\n- 나\n\n```\ncode\n```\n[문서](https://example.org) {n}") == \
        shared.shape(english)
    for broken in ("# 제목\n- 가 `x`\n- 나\n```\ncode\n```\n[문서](https://example.org) {n}",
                   "## 제목\n- 가 `y`\n- 나\n```\ncode\n```\n[문서](https://example.org) {n}",
                   "## 제목\n- 가 `x` 나\n```\ncode\n```\n[문서](https://example.org) {n}",
                   "## 제목\n- 가 `x`\n- 나\n```\n코드\n```\n[문서](https://example.org) {n}",
                   "## 제목\n- 가 `x`\n- 나\n```\ncode\n```\n[문서](https://example.com) {n}",
                   "## 제목\n- 가 `x`\n- 나\n```\ncode\n```\n[문서](https://example.org) {m}"):
        assert shared.shape(broken) != shared.shape(english), broken


# -- the checks' feedback, in the learner's language ------------------------------------------------

def _namespace(**overrides) -> dict:
    """A learner's namespace after the measurements: 4 replicas serve 4 times as much as 1."""
    scaling = pd.DataFrame([{"replicas": n, "requests": 300, "seconds": 1 / n, "requests_per_s": 300.0 * n}
                            for n in (1, 2, 4)])
    io = pd.DataFrame({"write_mib_s": [500.0, 100.0]}, index=["container/tmpfs", "vm/ram"])
    cpu = pd.DataFrame({"loop_ms": [10.0, 12.0]}, index=["container", "vm"])
    return {"scaling": scaling, "io": io, "cpu": cpu, "speedup_4": 4.0, "scaled_out": True, "io_ratio": 5.0,
            "cpu_ratio": 1.2, **overrides}


def test_a_ratio_upside_down_is_explained_in_korean_and_unchanged_in_english():
    upside_down = _namespace(speedup_4=0.25)
    english = shared.failure(lambda: check.conclusions(upside_down))
    assert english.problem == "speedup_4 is 0.25, but your `scaling` table gives 4: that is the ratio upside down."
    assert english.hint == "compute the requests_per_s of 4 replicas over that of 1 (from `scaling`)."
    with i18n.using("ko"):
        korean = shared.failure(lambda: check.conclusions(upside_down))
    assert korean.problem == ("speedup_4은(는) 0.25인데, `scaling` 표에서 나오는 값은 4입니다. "
                              "분자와 분모가 뒤바뀌었습니다.")
    assert korean.hint == "다음을 계산하세요: `scaling`에서 복제본 4개일 때의 requests_per_s를 1개일 때의 값으로 나눈 값."


def test_a_scaling_table_that_is_no_dataframe_in_both_languages():
    assert (shared.failure(lambda: check.scaling_table([1, 2, 4], object())).problem
            == "`scaling` is a list, not a DataFrame.")
    with i18n.using("ko"):
        korean = shared.failure(lambda: check.scaling_table([1, 2, 4], object()))
    assert korean.problem == "`scaling`이 DataFrame이 아니라 list 타입입니다."
    assert korean.hint == "N마다 dict 하나씩 모아 pd.DataFrame(rows)로 만드세요."


def test_a_row_out_of_step_in_both_languages():
    wrong = _namespace()["scaling"].assign(requests_per_s=[1.0, 600.0, 1200.0])
    english = shared.failure(lambda: check.scaling_table(wrong, object()))
    assert english.problem == "for 1 replica(s), requests_per_s is 1 but 300 requests in 1 s is 300/s."
    assert english.hint == "fill requests, seconds and requests_per_s from the same measurement."
    with i18n.using("ko"):
        korean = shared.failure(lambda: check.scaling_table(wrong, object()))
    assert korean.problem == "복제본 1개에서 requests_per_s는 1인데, 1초 동안 요청 300개를 처리했다면 초당 300개입니다."
    assert korean.hint == "requests, seconds, requests_per_s는 같은 측정에서 채우세요."


def test_a_graded_kernel_reads_its_language_from_course_lang(monkeypatch):
    """The grader sets COURSE_LANG for a Korean submission; no ``using`` is involved there."""
    def never(image_ref, other_api):
        raise AssertionError("not called without a second engine")

    assert shared.failure(lambda: check.run_elsewhere(never, None, None)).hint == (
        "run the first cell of section 1 (portability.second_engine()); if it fails, tell your instructor.")
    monkeypatch.setenv(i18n.ENV, "ko")
    korean = shared.failure(lambda: check.run_elsewhere(never, None, None))
    assert korean.problem == "이 노트북에 두 번째 엔진이 없습니다(`other`가 정의되지 않았습니다)."
    assert korean.hint == ("1절의 첫 번째 셀(portability.second_engine())을 실행해 보세요. "
                           "그래도 실패하면 담당 교수자에게 알려 주세요.")
    assert str(korean).startswith(korean.problem)
