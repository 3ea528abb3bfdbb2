"""The Korean edition of `engine`: its prose is Korean, its catalog keeps the markdown, its checks speak Korean.

No engine: the lesson is built from its data, and the checks are given learners' answers that go wrong
before the engine would be asked anything (the visible tests' ``api`` is never reached, so it is ``None``).
What every lesson's Korean edition is held to (the prose, the English heuristic, the shape of a
translation, the ``common`` texts fenced off) is in ``korean.py``; here is what is `engine`'s own.
"""

from __future__ import annotations

import json

import korean as shared
import pytest

from course.checks import engine as check
from course.lab import variant

DOMAIN = "engine"
#: The seed note's terms (and this lesson's own) as the Korean edition writes them.
TERMS = ("도커 엔진", "컨테이너", "호스트", "커널", "클라이언트", "서버", "유닉스 소켓", "상태 줄")
#: What the Korean keeps in Latin letters: products and their parts, not English left over.
NAMES = ("CLI", "containerd", "runc", "Buildx", "Compose", "Model Runner")


def test_the_korean_catalog_is_complete_and_current():
    assert shared.problems(DOMAIN) == []


def test_the_korean_lesson_is_korean_with_the_seed_notes_terms():
    assert shared.missing_terms(DOMAIN, TERMS) == []
    assert shared.english_in(DOMAIN, "ko", NAMES) == []
    shown = shared.cells(DOMAIN, "ko")["ex5-values"]
    assert "'여러분의 쿼리가 찾는 레이블'" in shown  # the parameter's meaning, in the learner's table


def test_the_heuristic_finds_the_english_it_is_meant_to_find():
    """Without the catalog every prose cell is English, and each is caught: the test above can fail."""
    cells = {cell for cell, _ in shared.prose_lines(DOMAIN, "en")}
    caught = {cell for cell, _ in shared.english_in(DOMAIN, "en", NAMES)}
    assert cells - caught == set()
    assert {"intro", "s8-concept", "s2-socket-text", "ex1-text", "ex5-text", "q1-answer", "keypoints"} <= cells


def test_every_korean_message_is_translated_and_keeps_the_english_shape():
    shared.check_catalog(DOMAIN, NAMES)


def test_the_shape_check_can_fail():
    english = "## 1. Two\n\n- `docker version` prints `Client`\n- and `Server` {id}"
    assert shared.shape("## 1. 둘\n\n- `docker version`은 `Client`를\n- `Server`도 {id}") == shared.shape(english)
    for broken in ("## 1. 둘\n\n- `docker version`은 `Client`와 `Server` {id}",     # a list item lost
                   "### 1. 둘\n\n- `docker version`은 `Client`를\n- `Server`도 {id}",  # another heading level
                   "## 1. 둘\n\n- `docker 버전`은 `Client`를\n- `Server`도 {id}",      # code translated
                   "## 1. 둘\n\n- `docker version`은 `Client`를\n- `Server`도 {아이디}"):  # a placeholder lost
        assert shared.shape(broken) != shared.shape(english), broken


def _times_out(socket_path):
    raise TimeoutError("timed out")


#: (what the learner handed in, the English feedback, the Korean feedback): each fails before the engine is asked.
CASES = [
    pytest.param(lambda: check.ping_status(lambda path: b"HTTP/1.0 200 OK", None),
                 ("`<lambda>` returned bytes (b'HTTP/1.0 200 OK'), not a str.", "decode it: data.decode()."),
                 ("`<lambda>` 함수의 반환값이 str이 아니라 bytes(b'HTTP/1.0 200 OK')입니다.",
                  "data.decode()로 디코딩해 보세요."), id="bytes"),
    pytest.param(lambda: check.ping_status(lambda path: "OK", None),
                 ("'OK' does not start with the protocol (HTTP/1.0 or HTTP/1.1).",
                  "return the reply's first line, e.g. 'HTTP/1.0 200 OK'; not the body ('OK')."),
                 ("상태 줄이 프로토콜(HTTP/1.0 또는 HTTP/1.1)로 시작하지 않습니다. 받은 값은 'OK'입니다.",
                  "본문('OK')이 아니라 응답의 첫 줄(예: 'HTTP/1.0 200 OK')을 반환해 보세요."), id="body"),
    pytest.param(lambda: check.server_version(lambda path: 42, None),
                 ("`<lambda>` returned int, not a str.", "return the engine's Version as a str."),
                 ("`<lambda>` 함수의 반환값이 str이 아니라 int입니다.", "엔진의 Version 값을 str로 반환해 보세요."),
                 id="not-a-str"),
    pytest.param(lambda: check.ping_status(_times_out, None),
                 (("`_times_out` waited 20 s for more data and gave up: the engine had answered, but with HTTP/1.1 "
                   "it keeps the connection open for the next request, so reading until the connection closes never "
                   "ends."),
                  ('send "HTTP/1.0" in the request line (the engine then closes the connection after its reply), or '
                   "stop reading once you have Content-Length bytes of body.")),
                 (("`_times_out` 함수가 데이터를 더 기다리다가 20초 만에 포기했습니다. 엔진은 이미 응답했지만, "
                   "HTTP/1.1에서는 다음 요청을 받으려고 연결을 열어 두기 때문에 연결이 닫힐 때까지 읽으면 영영 끝나지 "
                   "않습니다."),
                  ('요청 줄에 "HTTP/1.0"을 보내거나(그러면 엔진이 응답을 보낸 뒤 연결을 닫습니다), 본문을 '
                   "Content-Length 바이트만큼 받았으면 읽기를 멈춰 보세요.")), id="keep-alive"),
    pytest.param(lambda: check.my_query("/images/json"),
                 ("`my_query` is '/images/json', not a path of GET /containers/json.",
                  'start it with "/containers/json?all=1&filters=".'),
                 ("`my_query`가 GET /containers/json의 경로가 아닙니다. 지금 값은 '/images/json'입니다.",
                  '"/containers/json?all=1&filters="로 시작해 보세요.'), id="not-containers"),
    pytest.param(lambda: check.my_query("/containers/json?all=1&filters=%7B%22label%22%3A%5B%22team%3Dblue%22%5D%7D"),
                 ("your query filters on the label(s) ['team=blue']; your exercise asks for team=red.",
                  'filter on your own label: {"label": ["team=red"]}, URL-encoded.'),
                 (("여러분의 쿼리가 거르는 레이블은 ['team=blue']입니다. 여러분의 연습 문제가 요구하는 레이블은 "
                   "team=red입니다."),
                  '여러분의 레이블로 걸러 보세요: {"label": ["team=red"]} (URL 인코딩해서).'), id="someone-elses-label"),
    pytest.param(lambda: check.my_query("/containers/json?filters=%7B%22label%22%3A%5B%22team%3Dred%22%5D%7D"),
                 ("your query lists running containers only: /containers/json leaves out the others.",
                  "add all=1 to the query string."),
                 (("여러분의 쿼리는 실행 중인 컨테이너만 보여 줍니다. /containers/json은 기본적으로 나머지를 빼고 "
                   "보여 줍니다."), "쿼리 문자열에 all=1을 추가해 보세요."), id="running-only"),
]


@pytest.fixture
def red_team(monkeypatch):
    """The learner's variant: their own label is team=red (the default is team=blue)."""
    monkeypatch.setenv(variant.ENV, json.dumps({"student": "s1", "values": {DOMAIN: {"team_label": "team=red"}}}))


@pytest.mark.parametrize(("run", "english", "korean"), CASES)
def test_the_checks_feedback_is_korean_under_ko_and_unchanged_english_otherwise(run, english, korean, red_team,
                                                                                monkeypatch):
    shared.assert_speaks_both(run, english, korean, monkeypatch)
