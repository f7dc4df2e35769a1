"""Read-path API throughput: Kinora's hot GETs beside a bare Starlette app serving the very same bytes.

Run: .venv/bin/python benchmarks/api.py [--seconds 5] [--connections 32] [--server granian|uvicorn] [--rounds 2]

Three requests are measured: `GET /v1/videos/{id}`, a 20-item `GET /v1/videos?limit=20` and a 1 MiB range read
of `GET /v1/videos/{id}/content`. The ceiling is a bare Starlette app under the same ASGI server, started the
same way as `kinora serve` starts Kinora (1 worker), whose routes return exactly the bytes Kinora returned
(pre-rendered JSON, and a FileResponse of the same MP4 for the same Range): "ratio" is Kinora's req/s over the
ceiling's, so it prices auth, the database and serialisation, not the server or the network stack. The goal
per row is ratio >= 0.5 and p99 <= 20 ms at 32 connections.

The load generator is a small asyncio HTTP/1.1 keep-alive client in this process (wrk is not assumed to be
installed; httpx costs more CPU per request than the servers do). With 2+ CPUs the servers are pinned to
CPU 0 and the client to CPU 1; the table reports both sides' CPU use so a client-bound run shows as such.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
CEILING_ENV = "KINORA_BENCH_CEILING_DIR"  # where the ceiling app finds the bytes to serve
RANGE = "bytes=0-1048575"  # 1 MiB: a player's first read of a video
RANGE_LENGTH = 1 << 20
VIDEOS = 25
LIST_LIMIT = 20
MIN_MP4_BYTES = 4 << 20  # large enough that the range read never covers the whole file
GOAL_RATIO, GOAL_P99_MS = 0.5, 20.0
PROMPT = "three red rubber balls and a blue cube drop onto a wooden floor next to a row of ten dominoes"
console = Console(width=170)


# ---------------------------------------------------------------------------------------------------------------
# The ceiling: a bare Starlette app returning what Kinora returned, without auth, database or serialisation.


def create_ceiling() -> Starlette:
    """The ceiling app (a factory: granian builds it in its worker process from the environment)."""
    folder = Path(os.environ[CEILING_ENV])
    one, page = (folder / "video.json").read_bytes(), (folder / "list.json").read_bytes()
    mp4 = Path((folder / "mp4_path").read_text())

    async def video(_request: Request) -> Response:
        return Response(one, media_type="application/json")

    async def videos(_request: Request) -> Response:
        return Response(page, media_type="application/json")

    async def content(_request: Request) -> Response:
        return FileResponse(mp4, media_type="video/mp4")

    return Starlette(routes=[Route("/v1/videos", videos), Route("/v1/videos/{video_id}", video),
                             Route("/v1/videos/{video_id}/content", content)])


def serve_ceiling(server: str, port: int) -> None:
    """Mirror kinora.app.server.run_server exactly (workers, logging), with the ceiling app as the target."""
    if server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server

        Server("api:create_ceiling", address=HOST, port=port, interface=Interfaces.ASGI, factory=True, workers=1,
               log_access=False, working_dir=HERE).serve()
        return
    import uvicorn

    uvicorn.run(create_ceiling(), host=HOST, port=port, log_level="info")


# ---------------------------------------------------------------------------------------------------------------
# Test data: one user with a key and VIDEOS completed videos, all pointing at one real MP4 (hard links).


def make_mp4(path: Path) -> Path:
    """A real H.264 MP4 of at least MIN_MP4_BYTES: noise over a gradient at 1280x720 defeats compression, so two
    seconds are enough and it encodes in a few seconds."""
    from kinora.engines.base import Clip
    from kinora.media.encode import write_mp4

    rng = np.random.default_rng(1)
    ramp = np.linspace(0, 200, 1280, dtype=np.float32)[None, None, :, None]
    frames = (ramp + rng.integers(0, 48, (48, 720, 1280, 3), dtype=np.uint8)).astype(np.uint8)
    write_mp4(Clip(frames=frames, fps=24, audio=None, sample_rate=48_000), path)
    if path.stat().st_size < MIN_MP4_BYTES:
        raise RuntimeError(f"the test MP4 is only {path.stat().st_size} bytes; the range read needs a bigger one")
    return path


async def seed(data_dir: Path, mp4: Path) -> tuple[str, list[str]]:
    """Create the user, its API key and the videos; returns the key and the video ids, oldest first."""
    from kinora.app.bootstrap import bootstrap
    from kinora.app.generations.models import COMPLETED, Generation
    from kinora.app.generations.service import new_id
    from kinora.app.users import service as users
    from kinora.app.users.admin import create_key
    from kinora.config import Settings

    settings = Settings(data_dir=data_dir)
    _lines, key = await create_key(settings, name="bench", handle="bench")
    services = await bootstrap(settings)
    ids: list[str] = []
    try:
        async with services.db.write() as session:
            user = await users.get_by_handle(session, "bench")
            assert user is not None
            now = time.time()
            for i in range(VIDEOS):
                created = now - 60.0 * (VIDEOS - i)
                gen = Generation(
                    id=new_id(), owner_id=user.id, kind="create", model="sora-2", engine="world",
                    prompt=f"{PROMPT} (take {i})", seconds=2, total_seconds=2, width=1280, height=720, fps=24,
                    seed=i, characters=[], options={}, status=COMPLETED, progress=100, attempt=1,
                    created_at=created, started_at=created + 1, completed_at=created + 40)
                gen.output_key = f"videos/{gen.id}/1"
                # The shape the worker records (kinora/jobs/worker.py), so the JSON column costs what it will.
                gen.output = {"files": {"video": "video.mp4", "thumbnail": "thumbnail.webp",
                                        "spritesheet": "spritesheet.jpg"},
                              "seconds": 2.0, "has_audio": False, "bytes": mp4.stat().st_size,
                              "spritesheet": {"columns": 2, "rows": 1, "tile_width": 160, "tile_height": 90,
                                              "interval": 1.0, "count": 2}, "seed": i}
                session.add(gen)
                target = services.storage.path(f"{gen.output_key}/video.mp4")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(mp4, target)
                ids.append(gen.id)
    finally:
        await services.db.dispose()
    return key, ids


# ---------------------------------------------------------------------------------------------------------------
# Server processes: pinned, in their own process group (so Ctrl-C reaches only us and we stop them in order).


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class ServerProc:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of every process in the server's group (granian's worker, Kinora's job worker)."""
        total = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces
            if int(fields[2]) == self.proc.pid:  # field 5, pgrp
                total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)  # both servers shut down cleanly on SIGINT
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def start_server(name: str, argv: list[str], env: dict[str, str], port: int, log: Path,
                 cpus: set[int] | None) -> ServerProc:
    def pin() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    with log.open("wb") as out:  # a file, never a pipe: uvicorn's access log would fill a pipe and stall
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=pin)
    return ServerProc(name, proc, port, log)


def wait_ready(server: ServerProc, path: str, headers: dict[str, str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=f"http://{HOST}:{server.port}", headers=headers, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.proc.returncode}:\n{server.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(path).status_code == 200:
                    return
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:g} s:\n{server.log_tail()}")


def wait_idle(server: ServerProc, timeout: float = 30.0) -> None:
    """Wait until the server's start-up work (Kinora's job worker imports the engine) stops using the CPU that
    the measurement will use."""
    deadline = time.monotonic() + timeout
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_seconds()
        if now - before < 0.05:
            return
        before = now


# ---------------------------------------------------------------------------------------------------------------
# The load generator: N keep-alive connections, each sending the next request as soon as a response ends.


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]  # seconds, sorted
    errors: int
    first_error: str
    client_cpu: float  # fraction of one CPU used by this process while measuring
    server_cpu: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        return 1000 * self.latencies[min(len(self.latencies) - 1, int(q * len(self.latencies)))]


@dataclass
class Load:
    request: bytes
    status: int
    length: int
    recording: bool = False
    running: bool = True
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def done(self, started: float, status: int, length: int, exact: bool) -> None:
        if status != self.status or length != self.length or not exact:
            self.fail(f"got {status} with {length} bytes{'' if exact else ' (and more)'}; "
                      f"expected {self.status} with {self.length}")
        elif self.recording:
            self.latencies.append(time.perf_counter() - started)

    def fail(self, why: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or why


def response_head(received: bytes) -> tuple[int, int, int] | None:
    """(status, Content-Length or -1 when absent, where the body starts) once `received` holds a whole response
    head; None while it does not yet."""
    end = received.find(b"\r\n\r\n")
    if end < 0:
        return None
    lowered = received[:end].lower()
    at = lowered.find(b"\r\ncontent-length:")
    stop = lowered.find(b"\r\n", at + 2)
    length = -1 if at < 0 else int(lowered[at + 17:stop if stop > 0 else end])
    return int(received[9:12]), length, end + 4


class Connection(asyncio.Protocol):
    """One keep-alive connection. Parsing is the minimum that checks a response: the status, Content-Length and
    exactly that many body bytes (the servers never send chunked responses for these routes)."""

    def __init__(self, load: Load, closed: asyncio.Future[None]) -> None:
        self.load, self.closed = load, closed
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.remaining = -1  # body bytes still due; -1 while the head is being read
        self.status = self.length = 0
        self.started = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.started = time.perf_counter()
        self.transport.write(self.load.request)

    def data_received(self, data: bytes) -> None:
        if self.remaining < 0:
            head = self.head + data if self.head else data
            parsed = response_head(head)
            if parsed is None:
                self.head = head
                return
            self.head = b""
            self.status, self.length, body_at = parsed
            if self.length < 0:
                self.load.fail("a response without Content-Length")
                self.close()
                return
            self.remaining = self.length - (len(head) - body_at)
        else:
            self.remaining -= len(data)
        if self.remaining > 0:
            return
        self.load.done(self.started, self.status, self.length, self.remaining == 0)
        self.remaining = -1
        if self.load.running:
            self.send()
        else:
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.load.running:
            self.load.fail(f"the server closed a connection ({exc or 'EOF'})")
        if not self.closed.done():
            self.closed.set_result(None)


async def run_load(port: int, path: str, headers: dict[str, str], status: int, length: int, *, connections: int,
                   warmup: float, seconds: float, server_cpu: Callable[[], float] = lambda: 0.0) -> Result:
    """Keep `connections` requests in flight for `warmup` + `seconds`; only the last `seconds` are recorded.
    Every response must have `status` and a body of exactly `length` bytes, or it counts as an error."""
    loop = asyncio.get_running_loop()
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    load = Load(("\r\n".join(lines) + "\r\n\r\n").encode(), status, length)
    opened: list[Connection] = []
    closed: list[asyncio.Future[None]] = []

    def factory() -> Connection:
        closed.append(loop.create_future())
        opened.append(Connection(load, closed[-1]))
        return opened[-1]

    try:
        await asyncio.gather(*(loop.create_connection(factory, HOST, port) for _ in range(connections)))
        await asyncio.sleep(warmup)
        server_start, client_start = server_cpu(), time.process_time()
        load.recording, start = True, time.perf_counter()
        await asyncio.sleep(seconds)
        load.recording, elapsed = False, time.perf_counter() - start
        server_used, client_used = server_cpu() - server_start, time.process_time() - client_start
        load.running = False
        await asyncio.wait(closed, timeout=10)  # each connection closes after its in-flight response
    finally:
        # On Ctrl-C too: a server shuts down gracefully only once its keep-alive connections are gone.
        load.running = False
        for conn in opened:
            conn.close()
    return Result(len(load.latencies), elapsed, sorted(load.latencies), load.errors, load.first_error,
                  client_used / elapsed, server_used / elapsed)


# ---------------------------------------------------------------------------------------------------------------
# The run.


@dataclass
class Endpoint:
    name: str
    path: str
    range: bool
    status: int
    length: int = 0  # filled in from Kinora's response


def check_same_bytes(kinora: ServerProc, ceiling: ServerProc, endpoints: list[Endpoint],
                     headers: Callable[[Endpoint], dict[str, str]]) -> None:
    """The ceiling must return what Kinora returns, or the ratio compares different work."""
    with httpx.Client(timeout=30.0) as client:
        for ep in endpoints:
            ours = client.get(f"http://{HOST}:{kinora.port}{ep.path}", headers=headers(ep))
            theirs = client.get(f"http://{HOST}:{ceiling.port}{ep.path}", headers=headers(ep))
            if (ours.status_code, theirs.status_code) != (ep.status, ep.status) or ours.content != theirs.content:
                raise RuntimeError(f"{ep.name}: Kinora answered {ours.status_code} ({len(ours.content)} bytes), "
                                   f"the ceiling {theirs.status_code} ({len(theirs.content)} bytes)")
            ep.length = len(ours.content)
    if endpoints[-1].length != RANGE_LENGTH:
        raise RuntimeError(f"the range read returned {endpoints[-1].length} bytes, not {RANGE_LENGTH}")


def cpu_plan() -> tuple[set[int] | None, set[int] | None, str]:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None, f"{len(cpus)} CPU: servers and load generator share it (not pinned)"
    return ({cpus[0]}, {cpus[1]},
            f"{os.cpu_count()} CPUs: servers pinned to CPU {cpus[0]}, load generator to CPU {cpus[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian", help="ASGI server for both")
    parser.add_argument("--rounds", type=int, default=2, help="runs per endpoint and app, interleaved; best reported")
    parser.add_argument("--serve-ceiling", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the subprocess
    args = parser.parse_args()
    if args.serve_ceiling is not None:
        serve_ceiling(args.server, args.serve_ceiling)
        return
    # SIGTERM unwinds like Ctrl-C, so the servers and the temp dir are cleaned up either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with contextlib.ExitStack() as stack:
            run(args, stack)
    except KeyboardInterrupt:
        console.print("interrupted; the servers are stopped and the temporary data removed")
        sys.exit(130)


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
    server_cpus, client_cpus, cpu_note = cpu_plan()
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kinora-bench-api-")))
    data_dir, ceiling_dir = tmp / "data", tmp / "ceiling"
    data_dir.mkdir()
    ceiling_dir.mkdir()
    with console.status("encoding a test MP4 and seeding the database"):
        mp4 = make_mp4(tmp / "video.mp4")
        key, ids = asyncio.run(seed(data_dir, mp4))
    auth = {"Authorization": f"Bearer {key}"}
    video_id = ids[len(ids) // 2]
    endpoints = [Endpoint("GET /v1/videos/{id}", f"/v1/videos/{video_id}", False, 200),
                 Endpoint(f"GET /v1/videos?limit={LIST_LIMIT}", f"/v1/videos?limit={LIST_LIMIT}", False, 200),
                 Endpoint("1 MiB range of /content", f"/v1/videos/{video_id}/content", True, 206)]

    def headers(ep: Endpoint) -> dict[str, str]:
        return {**auth, "Range": RANGE} if ep.range else auth

    # Kinora exactly as `kinora serve` runs it, in a fresh data dir; the job runner idles (nothing is queued).
    kinora_port = free_port()
    kinora_env = {"KINORA_DATA_DIR": str(data_dir), "KINORA_HOST": HOST, "KINORA_PORT": str(kinora_port),
                  "KINORA_SERVER": args.server, "KINORA_DEVICES": "cpu"}
    kinora = start_server("kinora", [str(Path(sys.executable).with_name("kinora")), "serve"], kinora_env,
                          kinora_port, tmp / "kinora.log", server_cpus)
    stack.callback(kinora.stop)
    with console.status(f"starting Kinora under {args.server}"):
        wait_ready(kinora, endpoints[1].path, auth)
        wait_idle(kinora)
    with httpx.Client(base_url=f"http://{HOST}:{kinora_port}", headers=auth, timeout=30.0) as client:
        (ceiling_dir / "video.json").write_bytes(client.get(endpoints[0].path).raise_for_status().content)
        page = client.get(endpoints[1].path).raise_for_status()
        if len(page.json()["data"]) != LIST_LIMIT:
            raise RuntimeError(f"the list returned {len(page.json()['data'])} videos, not {LIST_LIMIT}")
        (ceiling_dir / "list.json").write_bytes(page.content)
    (ceiling_dir / "mp4_path").write_text(str(data_dir.resolve() / "media" / f"videos/{video_id}/1/video.mp4"))

    ceiling_port = free_port()
    ceiling = start_server("ceiling", [sys.executable, str(Path(__file__).resolve()), "--server", args.server,
                                       "--serve-ceiling", str(ceiling_port)],
                           {CEILING_ENV: str(ceiling_dir)}, ceiling_port, tmp / "ceiling.log", server_cpus)
    stack.callback(ceiling.stop)
    with console.status(f"starting the ceiling under {args.server}"):
        wait_ready(ceiling, endpoints[1].path, {})
        wait_idle(ceiling)
    check_same_bytes(kinora, ceiling, endpoints, headers)

    if client_cpus is not None:
        os.sched_setaffinity(0, client_cpus)
    best: dict[tuple[str, str], Result] = {}
    for round_ in range(1, args.rounds + 1):
        for ep in endpoints:
            # Interleaved, so a noisy neighbour on the VM hits both sides of a ratio alike.
            for server in (kinora, ceiling):
                result = asyncio.run(run_load(server.port, ep.path, headers(ep), ep.status, ep.length,
                                              connections=args.connections, warmup=args.warmup,
                                              seconds=args.seconds, server_cpu=server.cpu_seconds))
                if result.errors:
                    console.print(f"[red]{server.name} {ep.name}: {result.errors} errors; the first: "
                                  f"{result.first_error}[/red]")
                console.log(f"round {round_} {server.name:8} {ep.name:26} {result.rps:8.0f} req/s  "
                            f"p50 {result.percentile_ms(0.5):6.2f} ms  p99 {result.percentile_ms(0.99):6.2f} ms  "
                            f"server CPU {result.server_cpu:4.0%}  client CPU {result.client_cpu:4.0%}  "
                            f"errors {result.errors}")
                kept = best.get((ep.name, server.name))
                if kept is None or result.rps > kept.rps:
                    best[(ep.name, server.name)] = result
    report(args, endpoints, best, cpu_note)


def machine(server: str) -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{model}; Python {platform.python_version()}, {server} {metadata.version(server)}, "
            f"starlette {metadata.version('starlette')}, fastapi {metadata.version('fastapi')}")


def report(args: argparse.Namespace, endpoints: list[Endpoint], best: dict[tuple[str, str], Result],
           cpu_note: str) -> None:
    table = Table(title=f"Kinora read API vs a bare Starlette ceiling: {args.server}, 1 worker, "
                        f"{args.connections} connections, {args.seconds:g} s runs (best of {args.rounds})",
                  caption=f"{machine(args.server)}\n{cpu_note}\n"
                          f"goal: ratio >= {GOAL_RATIO:g} and Kinora p99 <= {GOAL_P99_MS:g} ms; "
                          "CPU = share of one core while measuring, server / load generator")
    for col in ("endpoint", "bytes", "kinora req/s", "p50 ms", "p99 ms", "CPU", "ceiling req/s", "p50 ms",
                "p99 ms", "CPU", "ratio", "goal", "errors"):
        table.add_column(col, justify="left" if col == "endpoint" else "right")
    notes: list[str] = []
    for ep in endpoints:
        ours, ceiling = best[(ep.name, "kinora")], best[(ep.name, "ceiling")]
        ratio = ours.rps / ceiling.rps if ceiling.rps else float("nan")
        met = ratio >= GOAL_RATIO and ours.percentile_ms(0.99) <= GOAL_P99_MS and not ours.errors
        goal = "[green]yes[/green]" if met else "[red]no[/red]"
        if not met and ceiling.percentile_ms(0.99) > GOAL_P99_MS:
            # Little's law: with every connection busy, mean latency = connections / throughput.
            goal += "*"
            notes.append(f"* {ep.name}: the ceiling misses the p99 goal too; {args.connections} busy connections "
                         f"need >= {args.connections / (GOAL_P99_MS / 1000):,.0f} req/s for a 20 ms mean latency")
        if max(ours.client_cpu, ceiling.client_cpu) > 0.9:
            notes.append(f"{ep.name}: the load generator used > 90 % of its CPU; the req/s are lower bounds")
        table.add_row(
            ep.name, f"{ep.length:,}", f"{ours.rps:,.0f}", f"{ours.percentile_ms(0.5):.2f}",
            f"{ours.percentile_ms(0.99):.2f}", f"{ours.server_cpu:.0%}/{ours.client_cpu:.0%}",
            f"{ceiling.rps:,.0f}", f"{ceiling.percentile_ms(0.5):.2f}", f"{ceiling.percentile_ms(0.99):.2f}",
            f"{ceiling.server_cpu:.0%}/{ceiling.client_cpu:.0%}", f"{ratio:.2f}", goal,
            f"{ours.errors}/{ceiling.errors}",
        )
    console.print(table)
    for note in notes:
        console.print(note)


if __name__ == "__main__":
    main()
