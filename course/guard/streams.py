"""Splice two byte streams both ways: hijacked attach/exec connections and published ports."""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 256 * 1024


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, half_close: bool) -> None:
    try:
        while data := await src.read(CHUNK):
            dst.write(data)
            await dst.drain()
        if half_close and dst.can_write_eof():
            dst.write_eof()  # the client closed stdin: tell the engine, keep reading its output
    except (ConnectionError, OSError):
        pass


async def splice(client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                 server: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    """Relay until the server side ends (as dockerd does when a hijacked stream finishes).

    The client's end-of-input is passed on as a half-close, so ``docker attach`` with
    stdin works; the server's end closes both, so the client never waits forever.
    """
    upward = asyncio.create_task(_pipe(client[0], server[1], half_close=True))
    try:
        await _pipe(server[0], client[1], half_close=False)
    finally:
        upward.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upward
        for writer in (client[1], server[1]):
            writer.close()
