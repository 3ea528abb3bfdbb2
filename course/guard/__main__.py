"""``python -m course.guard --owner alice --socket /run/course/alice.sock``: serve one owner's guard."""

from __future__ import annotations

import argparse
import asyncio

from course import config
from course.engine.connect import DEFAULT_SOCKET
from course.guard.proxy import Guard
from course.guard.settings import Limits, Settings
from course.system import process


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m course.guard", description=__doc__)
    p.add_argument("--owner", required=True, help="the owner id (a student or a submission)")
    p.add_argument("--socket", required=True, help="the unix socket to listen on (DOCKER_HOST=unix://...)")
    p.add_argument("--upstream", default=DEFAULT_SOCKET, help="the real engine socket")
    p.add_argument("--session", default=None, help="session label forced on created objects")
    p.add_argument("--memory", type=int, default=Limits.memory, help="memory cap per container, bytes")
    p.add_argument("--pids", type=int, default=Limits.pids, help="process cap per container")
    p.add_argument("--nano-cpus", type=int, default=Limits.nano_cpus, help="CPU cap, 1e9 = one CPU")
    p.add_argument("--registry", default=config.REGISTRY, help="the one registry allowed ('' for none)")
    p.add_argument("--registry-user", default=None,
                   help="the unix user whose registry namespace pushes and pulls use (default: the guard's)")
    p.add_argument("--mode", default="0o600", help="permissions of the socket file")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(owner=args.owner, session=args.session, registry=args.registry or None,
                        registry_user=args.registry_user,
                        limits=Limits(memory=args.memory, pids=args.pids, nano_cpus=args.nano_cpus))
    guard = Guard(settings, args.socket, args.upstream, int(args.mode, 8))
    await guard.start()
    print(f"course guard for {args.owner} on {args.socket} -> {args.upstream}", flush=True)
    await process.until_signalled()
    await guard.close()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse(argv)))


if __name__ == "__main__":
    main()
