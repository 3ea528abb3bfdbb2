"""dockerd's multiplexed attach/logs stream, read by the tests that speak to it raw."""

from __future__ import annotations


def demux(stream: bytes) -> dict[int, bytes]:
    """dockerd's multiplexed stream (8-byte frame headers) as the bytes of each stream number."""
    out: dict[int, bytes] = {}
    while stream:
        kind, size = stream[0], int.from_bytes(stream[4:8], "big")
        out[kind] = out.get(kind, b"") + stream[8:8 + size]
        stream = stream[8 + size:]
    return out
