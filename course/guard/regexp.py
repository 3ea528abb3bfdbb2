"""Learners' regular expressions (container name filters), evaluated where they cannot stall the guard.

dockerd evaluates ``name`` filters with Go's linear-time RE2; Python's backtracking
``re`` can take exponential time on a crafted pattern. Plain patterns (letters,
digits, ``_./-``, with ``^``/``$`` anchors) are matched here; any other pattern is
matched in a child process with a CPU limit and a deadline, and refused if it overruns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys

from course.guard.errors import Refused

#: Patterns without repetition or alternation: linear in Python's ``re`` too.
PLAIN = re.compile(r"\^?[A-Za-z0-9_./-]*\$?")
DEADLINE = 5.0
MATCHER = r"""
import json, re, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (2, 2))
patterns, sources = json.load(sys.stdin)
compiled = []
for p in patterns:
    try:
        compiled.append(re.compile(p))
    except (re.error, RecursionError, OverflowError):
        compiled.append(None)
json.dump([any(p == s or (c is not None and c.search(s) is not None)
               for s in names for p, c in zip(patterns, compiled)) for names in sources], sys.stdout)
"""


def _search(pattern: str, source: str) -> bool:
    return pattern == source or re.search(pattern, source) is not None


async def matching(patterns: list[str], sources: list[list[str]]) -> list[bool]:
    """For each list of names: does any pattern equal, or search-match, one of them (dockerd's ``Match``)?"""
    if all(PLAIN.fullmatch(p) for p in patterns):
        return [any(_search(p, s) for s in names for p in patterns) for names in sources]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", MATCHER, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(json.dumps([patterns, sources]).encode()), DEADLINE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise Refused("course guard could not evaluate the name filter in time: simplify the pattern", 400) from None
    try:
        result = json.loads(out) if proc.returncode == 0 else None
    except ValueError:
        result = None
    if not isinstance(result, list) or len(result) != len(sources):
        raise Refused("course guard could not evaluate the name filter: simplify the pattern", 400)
    return [bool(x) for x in result]
