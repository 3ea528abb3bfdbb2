"""Splice two byte streams both ways: hijacked attach/exec connections and published ports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

CHUNK = 256 * 1024


class Connections:
    """The tasks serving a server's open connections, held until each one ends.

    asyncio keeps a pending task alive only through what it waits on, and the protocol behind
    an ``open_connection`` stream holds its StreamReader weakly. Once a learner half-closed a
    hijacked stream (the docker CLI does at once when it has no stdin to send), its transport
    stopped reading, and the serving task, the learner's stream and the engine's stream were a
    cycle nothing outside referenced: a garbage collection before the container's output
    destroyed the task ("Task was destroyed but it is pending!") and the output was lost.
    """

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    def __len__(self) -> int:
        return len(self.tasks)

    def serving(self, handler: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """``handler`` as a server callback whose task is held here while it runs."""
        async def serve(*args) -> None:
            task = asyncio.current_task()
            self.tasks.add(task)
            try:
                await handler(*args)
            finally:
                self.tasks.discard(task)
        return serve

    async def close(self) -> None:
        """Cancel the connections still served, and wait until they have ended."""
        tasks = [t for t in self.tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


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
