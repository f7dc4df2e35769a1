"""Feed latency at scale: the For You page beside the Following page, on SQLite and on PostgreSQL.

Run: .venv/bin/python benchmarks/feed.py [--quick] [--backends sqlite,postgresql] [--clients 1,8,32]
                                        [--seconds 10] [--rebuild] [--build-only]
     .venv/bin/python benchmarks/feed.py --route me=/api/me  # any GET route instead of the two feeds

A synthetic community (benchmarks/feedgen.py: 100 k users, 1 M posts, 10 M likes by default; --quick: 10 k /
100 k / 1 M) is bulk-loaded into each backend's real tables, schema from Kinora's own migrations, and cached
under --data-dir, one folder per backend and scale (SQLite there, PostgreSQL in a database of its own named
after the scale, e.g. kinora_bench_100k_1m_10m; rebuilt with --rebuild or when the scale changes; a full build
takes about 5 minutes on 2 cores). Kinora is then started exactly as
`kinora serve` starts it (granian, 1 worker) on that data, and N keep-alive clients each act as a different
user (personal tokens; heavy and light followers alternating, half of them with plain-language steering),
walking --pages pages of `GET /api/feed/for-you?limit=20` or `GET /api/feed/following?limit=20` by their
next_cursor before starting again as the next user. The Following page is the baseline: the goal is For You
p99 <= 50 ms within 2x of the Following p99 measured in the same run, at each concurrency.

With 2+ CPUs the server is pinned to CPU 0 and the load generator to CPU 1 (benchmarks/api.py); PostgreSQL's
own processes are not pinned: the CPU of the backends serving the bench database shows as "db", and whatever
else ran on the machine meanwhile as "other" (a busy neighbour makes every latency worse).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg  # type: ignore[import-untyped]
import httpx
import orjson
from api import (
    HOST,
    Result,
    ServerProc,
    cpu_plan,
    free_port,
    machine,
    response_head,
    start_server,
    wait_idle,
    wait_ready,
)
from feedgen import BuildLog, Community, Scale, embed_texts, generate, load_postgres, load_sqlite
from rich.console import Console
from rich.table import Table
from sqlalchemy import URL, make_url

FULL = Scale(users=100_000, posts=1_000_000, likes=10_000_000)
QUICK = Scale(users=10_000, posts=100_000, likes=1_000_000)
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/kinora_bench"  # + the scale: kinora_bench_100k_1m_10m
FOR_YOU, FOLLOWING = "for-you", "following"
ROUTES = {FOLLOWING: "/api/feed/following?limit=20", FOR_YOU: "/api/feed/for-you?limit=20"}
READY = "/v1/videos?limit=1"  # answers as soon as the app is up, whatever /api routes exist yet
GOAL_P99_MS, GOAL_RATIO = 50.0, 2.0
console = Console(width=170)


# ---------------------------------------------------------------------------------------------------------------
# The cached databases: one folder per backend, a manifest.json written last (no manifest: not built).


@dataclass
class Built:
    backend: str
    folder: Path
    url: str
    manifest: dict[str, Any]

    @property
    def tokens(self) -> list[str]:
        tokens: list[str] = self.manifest["tokens"]
        return tokens


def asyncpg_dsn(url: str | URL) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def scale_tag(scale: Scale) -> str:
    """e.g. 100k-1m-10m: each scale has its own cached build (users-posts-likes)."""

    def short(n: int) -> str:
        for unit, size in (("m", 1_000_000), ("k", 1_000)):
            if n >= size and n % size == 0:
                return f"{n // size}{unit}"
        return str(n)

    return f"{short(scale.users)}-{short(scale.posts)}-{short(scale.likes)}"


def database_url(backend: str, folder: Path, pg_url: str, scale: Scale) -> str:
    """The SQLite file in `folder`, or the PostgreSQL database of --pg-url with the scale's tag appended."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{(folder / 'kinora.db').resolve()}"
    url = make_url(pg_url)
    return url.set(database=f"{url.database}_{scale_tag(scale).replace('-', '_')}").render_as_string(
        hide_password=False)


async def recreate_postgres(url: str) -> None:
    name = make_url(url).database
    if not name or name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"--pg-url must name a database of its own (it is dropped and rebuilt); got {name!r}")
    conn = await asyncpg.connect(asyncpg_dsn(make_url(url).set(database="postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def postgres_posts(url: str) -> int | None:
    """max(posts.id) of the cached database, or None when it is gone."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        value: int | None = await conn.fetchval("SELECT max(id) FROM posts")
        return value
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


def sqlite_posts(folder: Path) -> int | None:
    path = folder / "kinora.db"
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        try:
            value: int | None = con.execute("SELECT max(id) FROM posts").fetchone()[0]
            return value
        except sqlite3.Error:
            return None


def head_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    from kinora.app.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config(url)).get_current_head())


def cached(backend: str, folder: Path, url: str, scale: Scale) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("key") != scale.key():
        return None
    posts = sqlite_posts(folder) if backend == "sqlite" else asyncio.run(postgres_posts(url))
    return manifest if posts == scale.posts else None


def build(backend: str, folder: Path, url: str, community: Community, drawn_in: float) -> dict[str, Any]:
    """Migrate an empty database and bulk-load the community into it; returns the manifest."""
    from kinora.app.migrate import upgrade

    started = time.perf_counter()
    (folder / "manifest.json").unlink(missing_ok=True)
    log = BuildLog()
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (folder / f"kinora.db{suffix}").unlink(missing_ok=True)
    else:
        asyncio.run(recreate_postgres(url))
    step = time.perf_counter()
    upgrade(url)
    log.timed("migrations", 0, step)
    if backend == "sqlite":
        load_sqlite(str(folder / "kinora.db"), community, log)
    else:
        asyncio.run(load_postgres(asyncpg_dsn(url), community, log))
    manifest = {"key": community.scale.key(), "built_at": time.time(), "build_seconds": time.perf_counter() - started,
                "draw_seconds": drawn_in, "steps": log.steps, "counts": community.counts(),
                "tokens": community.tokens, "bench_users": community.bench_ids, "revision": head_revision(url),
                "bytes": database_bytes(backend, folder, url)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def database_bytes(backend: str, folder: Path, url: str) -> int:
    if backend == "sqlite":
        return sum(p.stat().st_size for p in folder.glob("kinora.db*"))

    async def size() -> int:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        finally:
            await conn.close()

    return asyncio.run(size())


def upgrade_cached(built: Built) -> None:
    """Bring a cached database to the newest migration, as `kinora serve` would at start, but here where it is
    timed and visible; new migrations may add indexes, so the statistics are refreshed after one."""
    from kinora.app.migrate import upgrade

    head = head_revision(built.url)
    if built.manifest.get("revision") == head:
        return
    with console.status(f"{built.backend}: migrating the cached database to {head}"):
        started = time.perf_counter()
        upgrade(built.url)
        analyze(built)
    console.log(f"{built.backend}: migrated from {built.manifest.get('revision')} to {head} and re-analyzed in "
                f"{time.perf_counter() - started:.1f} s")
    built.manifest["revision"] = head
    (built.folder / "manifest.json").write_text(json.dumps(built.manifest, indent=1))


def analyze(built: Built) -> None:
    if built.backend == "sqlite":
        with contextlib.closing(sqlite3.connect(built.folder / "kinora.db")) as con:
            con.execute("ANALYZE")
        return

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(built.url))
        try:
            await conn.execute("VACUUM (ANALYZE)")
        finally:
            await conn.close()

    asyncio.run(run())


def prepare(args: argparse.Namespace, scale: Scale) -> list[Built]:
    """The built databases for each backend: the cached ones, and the others built now."""
    todo: list[Built] = []
    ready: list[Built] = []
    for backend in args.backends:
        folder = args.data_dir / f"{backend}-{scale_tag(scale)}"
        folder.mkdir(parents=True, exist_ok=True)
        url = database_url(backend, folder, args.pg_url, scale)
        manifest = None if args.rebuild else cached(backend, folder, url, scale)
        (ready if manifest else todo).append(Built(backend, folder, url, manifest or {}))
    if todo:
        with console.status(f"drawing the community ({scale.users:,} users, {scale.posts:,} posts, "
                            f"{scale.likes:,} likes) and embedding its topic templates"):
            started = time.perf_counter()
            community = generate(scale, embed_texts)
        drawn_in = time.perf_counter() - started
        console.log(f"community drawn in {drawn_in:.1f} s: "
                    + ", ".join(f"{n:,} {what}" for what, n in community.counts().items()))
        for item in todo:
            with console.status(f"{item.backend}: loading"):
                item.manifest = build(item.backend, item.folder, item.url, community, drawn_in)
            show_build(item)
    for item in ready:
        upgrade_cached(item)
        built_at = datetime.datetime.fromtimestamp(item.manifest["built_at"]).isoformat(" ", "seconds")
        console.log(f"{item.backend}: cached data from {built_at} ({built_in(item)}, "
                    f"{item.manifest['bytes'] / 2**30:.2f} GiB); --rebuild to draw it again")
    return [item for backend in args.backends for item in [*todo, *ready] if item.backend == backend]


def built_in(built: Built) -> str:
    return (f"loaded in {built.manifest['build_seconds']:.0f} s after {built.manifest['draw_seconds']:.0f} s "
            "drawing the community")


def show_build(built: Built) -> None:
    table = Table(title=f"{built.backend}: build of the synthetic community", min_width=60,
                  caption=f"{built.manifest['build_seconds']:.1f} s in all, {built.manifest['bytes'] / 2**30:.2f} GiB "
                          f"(after {built.manifest['draw_seconds']:.1f} s drawing the community)")
    for col in ("step", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="left" if col == "step" else "right")
    for step, rows, seconds in built.manifest["steps"]:
        table.add_row(step, f"{rows:,}" if rows else "", f"{seconds:.1f}",
                      f"{rows / seconds:,.0f}" if rows and seconds else "")
    console.print(table)


# ---------------------------------------------------------------------------------------------------------------
# The load generator: each connection is one user walking pages by next_cursor (benchmarks/api.py's client
# sends one fixed request; a feed walk needs the cursor out of each body).


@dataclass
class FeedResult(Result):
    first_pages: list[float] = field(default_factory=list)  # seconds, sorted: the pages without a cursor
    items: int = 0
    pages_with_items: int = 0  # responses that had an "items" list
    empty: int = 0  # of those, how many were empty
    db_cpu: float = 0.0
    other_cpu: float = 0.0  # everything else on the machine (other users' jobs skew the latencies)

    def first_page_ms(self, q: float) -> float:
        return 1000 * self.first_pages[min(len(self.first_pages) - 1, int(q * len(self.first_pages)))] \
            if self.first_pages else float("nan")


@dataclass
class Walk:
    """What the connections of one run share: the route, the users, and what was measured."""

    route: str
    tokens: list[str]
    pages: int
    recording: bool = False
    running: bool = True
    latencies: list[float] = field(default_factory=list)
    first_pages: list[float] = field(default_factory=list)
    items: int = 0
    pages_with_items: int = 0
    empty: int = 0
    errors: int = 0
    first_error: str = ""

    def path(self, cursor: str | None) -> str:
        if cursor is None:
            return self.route
        return f"{self.route}{'&' if '?' in self.route else '?'}cursor={quote(cursor, safe='')}"

    def fail(self, why: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or why


class Walker(asyncio.Protocol):
    """One keep-alive connection acting as one user at a time: page after page along next_cursor, then again
    from the top as the next user (`step` on, so concurrent connections never share a user)."""

    def __init__(self, walk: Walk, user: int, step: int, closed: asyncio.Future[None]) -> None:
        self.walk, self.user, self.step, self.closed = walk, user, step, closed
        self.transport: asyncio.Transport | None = None
        self.cursor: str | None = None
        self.page = 0
        self.head = b""
        self.body: list[bytes] = []
        self.remaining = -1  # body bytes still due; -1 while the head is being read
        self.status = 0
        self.started = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        request = (f"GET {self.walk.path(self.cursor)} HTTP/1.1\r\nHost: {HOST}\r\n"
                   f"Authorization: Bearer {self.walk.tokens[self.user]}\r\n\r\n")
        self.started = time.perf_counter()
        self.transport.write(request.encode())

    def data_received(self, data: bytes) -> None:
        if self.remaining < 0:
            head = self.head + data
            parsed = response_head(head)
            if parsed is None:
                self.head = head
                return
            self.head = b""
            self.status, length, body_at = parsed
            if length < 0:
                self.walk.fail("a response without Content-Length")
                self.close()
                return
            self.body = [head[body_at:]]
            self.remaining = length - len(self.body[0])
        else:
            self.body.append(data)
            self.remaining -= len(data)
        if self.remaining > 0:
            return
        if self.remaining < 0:
            self.walk.fail("more bytes than the Content-Length")
            self.close()
            return
        self.remaining = -1
        self.done(time.perf_counter() - self.started, b"".join(self.body))
        if self.walk.running:
            self.send()
        else:
            self.close()

    def done(self, elapsed: float, body: bytes) -> None:
        walk = self.walk
        if self.status != 200:
            walk.fail(f"{self.status} on {walk.path(self.cursor)}: {body[:300].decode(errors='replace')}")
            self.next_user()
            return
        doc = orjson.loads(body)
        items = doc.get("items") if isinstance(doc, dict) else None
        if walk.recording:
            walk.latencies.append(elapsed)
            if self.page == 0:
                walk.first_pages.append(elapsed)
            if isinstance(items, list):
                walk.pages_with_items += 1
                walk.items += len(items)
                walk.empty += not items
        self.cursor = doc.get("next_cursor") if isinstance(doc, dict) else None
        self.page += 1
        if not self.cursor or self.page >= walk.pages:
            self.next_user()

    def next_user(self) -> None:
        self.page, self.cursor = 0, None
        self.user = (self.user + self.step) % len(self.walk.tokens)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.walk.running:
            self.walk.fail(f"the server closed a connection ({exc or 'EOF'})")
        if not self.closed.done():
            self.closed.set_result(None)


async def walk_load(port: int, route: str, tokens: list[str], *, connections: int, pages: int, warmup: float,
                    seconds: float, server_cpu: Callable[[], float] = lambda: 0.0,
                    db_cpu: Callable[[], float] = lambda: 0.0) -> FeedResult:
    loop = asyncio.get_running_loop()
    walk = Walk(route, tokens, pages)
    opened: list[Walker] = []
    closed: list[asyncio.Future[None]] = []

    def factory() -> Walker:
        closed.append(loop.create_future())
        opened.append(Walker(walk, len(opened) % len(tokens), connections, closed[-1]))
        return opened[-1]

    try:
        for _ in range(connections):  # one at a time: connection i starts as user i
            await loop.create_connection(factory, HOST, port)
        await asyncio.sleep(warmup)
        server_start, db_start, client_start = server_cpu(), db_cpu(), time.process_time()
        machine_start = machine_cpu()
        walk.recording, start = True, time.perf_counter()
        await asyncio.sleep(seconds)
        walk.recording, elapsed = False, time.perf_counter() - start
        server_used, db_used = server_cpu() - server_start, db_cpu() - db_start
        client_used = time.process_time() - client_start
        other = max(0.0, machine_cpu() - machine_start - server_used - db_used - client_used)
        walk.running = False
        await asyncio.wait(closed, timeout=30)  # each connection closes after its in-flight response
    finally:
        walk.running = False
        for conn in opened:
            conn.close()
    return FeedResult(len(walk.latencies), elapsed, sorted(walk.latencies), walk.errors, walk.first_error,
                      client_used / elapsed, server_used / elapsed, sorted(walk.first_pages), walk.items,
                      walk.pages_with_items, walk.empty, db_used / elapsed, other / elapsed)


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine, all cores, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class PostgresCpu:
    """User + system CPU seconds of the PostgreSQL backends serving one database (the server is local, and a
    backend's process title names its database; other sessions' databases are not counted)."""

    def __init__(self, database: str) -> None:
        self.database = f" {database} ".encode()
        self.seen: dict[str, int] = {}
        self.total = 0  # clock ticks: per-process increments, so a backend that exits never makes it go back

    def __call__(self) -> float:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                if self.database not in Path(entry.path, "cmdline").read_bytes():
                    continue
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if stat[stat.index("(") + 1:stat.rindex(")")] == "postgres":
                fields = stat[stat.rindex(")") + 2:].split()
                ticks = int(fields[11]) + int(fields[12])
                self.total += ticks - self.seen.get(entry.name, 0)
                self.seen[entry.name] = ticks
        return self.total / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------------------------
# The run.


def serve(built: Built, log: Path, cpus: set[int] | None) -> ServerProc:
    port = free_port()
    env = {"KINORA_DATA_DIR": str(built.folder), "KINORA_DATABASE_URL": built.url, "KINORA_HOST": HOST,
           "KINORA_PORT": str(port), "KINORA_SERVER": "granian", "KINORA_DEVICES": "cpu"}
    server = start_server(f"kinora ({built.backend})", [str(Path(sys.executable).with_name("kinora")), "serve"],
                          env, port, log, cpus)
    wait_ready(server, READY, {"Authorization": f"Bearer {built.tokens[0]}"}, timeout=300.0)
    wait_idle(server)
    return server


def probe(server: ServerProc, routes: dict[str, str], tokens: list[str]) -> dict[str, str]:
    """The routes that answer 200 for the first user; the others are reported and left out."""
    answering: dict[str, str] = {}
    with httpx.Client(base_url=f"http://{HOST}:{server.port}", timeout=120.0) as client:
        for name, path in routes.items():
            started = time.perf_counter()
            response = client.get(path, headers={"Authorization": f"Bearer {tokens[0]}"})
            ms = 1000 * (time.perf_counter() - started)
            if response.status_code != 200:
                console.print(f"[yellow]{server.name}: GET {path} answered {response.status_code} "
                              f"({response.text[:200]}); not measured[/yellow]")
                continue
            doc = response.json()
            shown = len(doc["items"]) if isinstance(doc, dict) and isinstance(doc.get("items"), list) else "-"
            console.log(f"{server.name}: GET {path}: {len(response.content):,} bytes, {shown} items, "
                        f"{ms:.0f} ms cold")
            answering[name] = path
    return answering


def measure(args: argparse.Namespace, built: Built, server_cpus: set[int] | None,
            client_cpus: set[int] | None) -> dict[tuple[int, str], FeedResult]:
    results: dict[tuple[int, str], FeedResult] = {}
    log = built.folder / "server.log"
    with console.status(f"{built.backend}: starting Kinora"):
        server = serve(built, log, server_cpus)
    affinity = os.sched_getaffinity(0)
    try:
        routes = probe(server, args.routes, built.tokens)
        if client_cpus is not None:
            os.sched_setaffinity(0, client_cpus)
        db_cpu = PostgresCpu(str(make_url(built.url).database)) if built.backend == "postgresql" else (lambda: 0.0)
        for clients in args.clients:
            for name, path in routes.items():  # interleaved, so noise on the VM hits both alike
                result = asyncio.run(walk_load(server.port, path, built.tokens, connections=clients,
                                               pages=args.pages, warmup=args.warmup, seconds=args.seconds,
                                               server_cpu=server.cpu_seconds, db_cpu=db_cpu))
                results[(clients, name)] = result
                console.log(f"{built.backend:10} {clients:3} clients {name:10} {result.rps:7.1f} req/s  "
                            f"p50 {result.percentile_ms(0.5):7.2f} ms  p99 {result.percentile_ms(0.99):7.2f} ms  "
                            f"CPU server {result.server_cpu:4.0%} db {result.db_cpu:4.0%} "
                            f"client {result.client_cpu:4.0%} other {result.other_cpu:4.0%}  errors {result.errors}")
                if result.errors:
                    console.print(f"[red]  first error: {result.first_error}[/red]")
    finally:
        os.sched_setaffinity(0, affinity)
        server.stop()
    return results


def report(args: argparse.Namespace, scale: Scale, built: list[Built],
           results: dict[tuple[str, int, str], FeedResult], cpu_note: str) -> None:
    table = Table(title=f"Kinora feeds at {scale.users:,} users / {scale.posts:,} posts / {scale.likes:,} likes: "
                        f"granian, 1 worker, {args.seconds:g} s per run, {args.pages} pages per walk",
                  caption=f"{machine('granian')}\n{cpu_note}\nCPU = share of one core while measuring: "
                          "server / PostgreSQL / load generator / anything else (other jobs skew latencies)\n"
                          + "\n".join(f"{b.backend}: {b.manifest['counts']['follows']:,} follows, "
                                      f"{b.manifest['counts']['views']:,} views, "
                                      f"{b.manifest['bytes'] / 2**30:.2f} GiB, {built_in(b)}" for b in built))
    for col in ("backend", "clients", "route", "req/s", "p50 ms", "p99 ms", "page 1 p99", "items/page", "empty",
                "CPU", "errors"):
        table.add_column(col, justify="left" if col in ("backend", "route") else "right")
    for (backend, clients, name), r in results.items():
        table.add_row(backend, str(clients), name, f"{r.rps:,.1f}", f"{r.percentile_ms(0.5):.2f}",
                      f"{r.percentile_ms(0.99):.2f}", f"{r.first_page_ms(0.99):.2f}",
                      f"{r.items / r.pages_with_items:.1f}" if r.pages_with_items else "-", str(r.empty),
                      f"{r.server_cpu:.0%}/{r.db_cpu:.0%}/{r.client_cpu:.0%}/{r.other_cpu:.0%}", str(r.errors))
    console.print(table)
    goal_table(args, results)


def goal_table(args: argparse.Namespace, results: dict[tuple[str, int, str], FeedResult]) -> None:
    rows = [(backend, clients) for backend, clients, name in results if name == FOR_YOU
            and (backend, clients, FOLLOWING) in results]
    if not rows:
        return
    table = Table(title=f"Goal: For You p99 <= {GOAL_P99_MS:g} ms and <= {GOAL_RATIO:g}x the Following p99")
    for col in ("backend", "clients", "For You p99 ms", "Following p99 ms", "ratio", "goal"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    notes: list[str] = []
    for backend, clients in rows:
        ours, base = results[(backend, clients, FOR_YOU)], results[(backend, clients, FOLLOWING)]
        p99, base_p99 = ours.percentile_ms(0.99), base.percentile_ms(0.99)
        ratio = p99 / base_p99 if base_p99 else float("nan")
        met = p99 <= GOAL_P99_MS and ratio <= GOAL_RATIO and not ours.errors
        goal = "[green]PASS[/green]" if met else "[red]FAIL[/red]"
        if not met and base_p99 > GOAL_P99_MS:
            goal += "*"
            notes.append(f"* {backend} at {clients} clients: the Following page misses {GOAL_P99_MS:g} ms too; "
                         f"{clients} busy clients need >= {clients / (GOAL_P99_MS / 1000):,.0f} req/s for a "
                         f"{GOAL_P99_MS:g} ms mean (Little's law)")
        table.add_row(backend, str(clients), f"{p99:.2f}", f"{base_p99:.2f}", f"{ratio:.2f}", goal)
    console.print(table)
    for note in notes:
        console.print(note)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 k users, 100 k posts, 1 M likes")
    parser.add_argument("--users", type=int, help=f"default {FULL.users:,} ({QUICK.users:,} with --quick)")
    parser.add_argument("--posts", type=int, help=f"default {FULL.posts:,} ({QUICK.posts:,} with --quick)")
    parser.add_argument("--likes", type=int, help=f"default {FULL.likes:,} ({QUICK.likes:,} with --quick)")
    parser.add_argument("--follows-mean", type=int, default=FULL.follows_mean, help="mean accounts followed")
    parser.add_argument("--bench-users", type=int, default=FULL.bench_users, help="users the clients act as")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma list of sqlite, postgresql")
    parser.add_argument("--pg-url", default=PG_URL, help="a database of its own, suffixed with the scale "
                        "(kinora_bench_100k_1m_10m): it is dropped and rebuilt")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/kinora-feed-bench"), help="cached builds")
    parser.add_argument("--rebuild", action="store_true", help="draw and load the community again")
    parser.add_argument("--build-only", action="store_true", help="build (or check the cache) and stop")
    parser.add_argument("--clients", default="1,8,32", help="comma list of concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    parser.add_argument("--pages", type=int, default=5, help="pages a client walks before the next user")
    parser.add_argument("--route", action="append", metavar="NAME=PATH",
                        help="measure this GET route instead of the two feeds (repeatable)")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if bad := [b for b in args.backends if b not in ("sqlite", "postgresql")]:
        parser.error(f"--backends must be sqlite and/or postgresql; got {', '.join(bad)}")
    args.clients = [int(c) for c in args.clients.split(",")]
    routes = dict(r.split("=", 1) for r in args.route) if args.route else ROUTES
    args.routes = routes
    return args


def scale_of(args: argparse.Namespace) -> Scale:
    base = QUICK if args.quick else FULL
    return Scale(users=args.users or base.users, posts=args.posts or base.posts, likes=args.likes or base.likes,
                 follows_mean=args.follows_mean, bench_users=args.bench_users)


def run(args: argparse.Namespace) -> dict[tuple[str, int, str], FeedResult]:
    scale = scale_of(args)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(args.data_dir).free < scale.posts * 6000:
        console.print(f"[yellow]less than {scale.posts * 6000 / 2**30:.0f} GiB free under {args.data_dir}; "
                      "the build may not fit[/yellow]")
    built = prepare(args, scale)
    if args.build_only:
        return {}
    server_cpus, client_cpus, cpu_note = cpu_plan()
    results: dict[tuple[str, int, str], FeedResult] = {}
    for item in built:
        for (clients, name), result in measure(args, item, server_cpus, client_cpus).items():
            results[(item.backend, clients, name)] = result
    report(args, scale, built, results, cpu_note)
    return results


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind like Ctrl-C: the server is stopped
    try:
        run(args)
    except KeyboardInterrupt:
        console.print("interrupted; the server is stopped (the cached data is kept)")
        sys.exit(130)


if __name__ == "__main__":
    main()
