"""Measure the site's pages under gunicorn against a bare WSGI baseline, and write bench/results.md.

One run:
1. makes a fresh database (a SQLite file in a temporary folder, or a new Postgres database beside
   DATABASE_URL's), migrates it and fills it with bench/generate.py;
2. starts gunicorn (2 sync workers on loopback, production settings) for the site, and the baseline
   app (bench/baseline.py: the measured post's bytes from memory) under the same gunicorn;
3. for each page, cache state (warm, and cold: PAGE_CACHE_SECONDS=0) and connection count, runs wrk
   against the baseline and the page in turns (baseline, page, baseline, page…), because this
   machine's speed drifts within minutes, and reports the median of each round's page/baseline ratio;
4. repeats the warm pages with Redis as the cache when BENCH_REDIS_URL is set;
5. measures the cold post, list and tag pages again on a 100-post archive, for the flat-cost target;
6. records each gunicorn worker's peak RSS (VmHWM), and stops everything it started.

Every wrk run has a fixed duration and a long timeout (wrk's 2 s default silently drops slow
answers); the whole run stops at --max-minutes.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
NOTES_MARKER = "<!-- notes: kept between runs -->"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# sitemap is the index (/sitemap.xml); sitemap-posts the first page of the posts' sitemap, the largest one.
PAGES = ["home", "list", "post", "tag", "rss", "sitemap", "sitemap-posts", "search"]
# Search is never page-cached, so it is measured once, with the cold pages.
UNCACHED = {"search"}
FLAT_PAGES = ["post", "list", "tag"]
FLAT_POSTS = 100


@dataclass
class Wrk:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass
class Row:
    leg: str
    page: str
    mode: str
    connections: int
    runs: list = field(default_factory=list)
    baselines: list = field(default_factory=list)

    @property
    def ratio(self):
        return statistics.median(run.rps / base.rps for run, base in zip(self.runs, self.baselines, strict=True))

    def median(self, name, runs=None):
        return statistics.median(getattr(run, name) for run in (runs or self.runs))


class Deadline(Exception):
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
        self.processes = []
        self.created_databases = []
        self.started = time.monotonic()
        self.rows = []
        self.rss = {}
        self.flat = {}
        self.database_vendor = "sqlite"
        self.baseline_bytes = 0

    # --- time and processes ---------------------------------------------------------------

    def check_deadline(self):
        if time.monotonic() - self.started > self.args.max_minutes * 60:
            raise Deadline(f"stopped at the {self.args.max_minutes}-minute limit")

    def start(self, command, env, name):
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        process.log = log
        self.processes.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.log.close()
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self):
        for process in list(self.processes):
            self.stop(process)

    # --- databases -------------------------------------------------------------------------

    def database_url(self, name):
        configured = os.environ.get("DATABASE_URL", "")
        if not configured.startswith(("postgres://", "postgresql://")):
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        import psycopg

        self.database_vendor = "postgresql"
        parts = urlsplit(configured)
        database = f"{parts.path.lstrip('/') or 'postgres'}_{name}"
        with psycopg.connect(configured, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
            connection.execute(f'CREATE DATABASE "{database}"')
        self.created_databases.append((configured, database))
        return urlunsplit(parts._replace(path="/" + database))

    def drop_databases(self):
        import psycopg

        for configured, database in self.created_databases:
            with psycopg.connect(configured, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def site_env(self, database_url, port, *, cold=False, redis_url=""):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PAGE_CACHE"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="portfolio.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=self.secret_key,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_MANIFEST_STATIC="false",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_MEDIA_ROOT=str(self.tmp / "media"),
            SITE_URL=f"http://127.0.0.1:{port}",
            DATABASE_URL=database_url,
            PAGE_CACHE_SECONDS="0" if cold else "600",
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        return env

    def prepare_database(self, name, posts):
        url = self.database_url(name)
        env = self.site_env(url, self.args.port)
        for command in (["migrate", "--noinput"], ["createcachetable"]):
            subprocess.run([PYTHON, "manage.py", *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        started = time.monotonic()
        out = subprocess.run(
            [PYTHON, "bench/generate.py", "--posts", str(posts), "--tags", str(self.args.tags)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        print(f"  generated {posts} posts in {time.monotonic() - started:.0f} s", flush=True)
        return url, json.loads(out.strip().splitlines()[-1])

    # --- servers ---------------------------------------------------------------------------

    def gunicorn(self, app, port, env, name, *extra):
        command = [
            str(BIN / "gunicorn"),
            app,
            *extra,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        process = self.start(command, env, name)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {name} exited; see {self.tmp / (name + '.log')}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                return process
            except OSError as error:
                if getattr(error, "code", None):  # an HTTP answer (the baseline has no /healthz): it is up
                    return process
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn {name} did not answer in 60 s")

    def worker_peak_rss(self, process):
        """Peak resident memory (VmHWM) of each worker of a gunicorn master, in MB."""
        peaks = []
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match[1]) / 1024)
        return peaks

    # --- measuring -------------------------------------------------------------------------

    def wrk(self, url, connections, seconds):
        self.check_deadline()
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s", "--latency", url]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90, check=True).stdout
        if os.environ.get("BENCH_DEBUG"):
            print(out)
        return parse_wrk(out)

    def fetch(self, url, headers=None, timeout=120):
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()

    def measure(self, leg, mode, site_port, pages, connections_list, rounds, seconds):
        for page in pages:
            url = f"http://127.0.0.1:{site_port}{self.paths[page]}"
            status, _ = self.fetch(url, timeout=600)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            for connections in connections_list:
                row = Row(leg=leg, page=page, mode=mode, connections=connections)
                # A short warm-up: every worker fills its caches and connections before the clock runs.
                self.wrk(url, connections, 1)
                for _ in range(rounds):
                    row.baselines.append(self.wrk(self.baseline_url, connections, seconds))
                    row.runs.append(self.wrk(url, connections, seconds))
                self.rows.append(row)
                print(
                    f"  {leg:8} {mode:4} {page:8} c{connections:<3} {row.median('rps'):8.0f} req/s "
                    f"p50 {row.median('p50_ms'):7.2f} ms  p99 {row.median('p99_ms'):8.2f} ms  "
                    f"errors {sum(run.errors for run in row.runs)}  ratio {row.ratio:.3f}",
                    flush=True,
                )

    def run_leg(self, leg, database_url, mode, pages, connections_list, *, redis_url=""):
        cold = mode == "cold"
        env = self.site_env(database_url, self.args.port, cold=cold, redis_url=redis_url)
        peaks = self.rss.setdefault(f"{leg}, {mode}", [])
        # A fresh server for each page: a slow page measured at 64 connections leaves a queue of requests
        # behind in the listen backlog, which the next page must not wait behind.
        for page in pages:
            if redis_url:
                flush_redis(redis_url)
            site = self.gunicorn("portfolio.wsgi:application", self.args.port, env, f"site-{leg}-{mode}")
            try:
                self.measure(leg, mode, self.args.port, [page], connections_list, self.args.rounds, self.args.duration)
                new = self.worker_peak_rss(site)
                peaks[:] = [max(old, now) for old, now in zip(peaks, new, strict=False)] if peaks else new
            finally:
                self.stop(site)

    def flat_cost(self):
        """Cold post, list and tag pages at 100 posts, against the same pages at the full size."""
        url, paths = self.prepare_database("bench_small", FLAT_POSTS)
        small_paths = {"post": paths["post"], "list": "/blog/", "tag": paths["tag"]}
        env = self.site_env(url, self.args.port + 2, cold=True)
        site = self.gunicorn("portfolio.wsgi:application", self.args.port + 2, env, "site-small")
        connections = self.args.connections[0]
        try:
            for page in FLAT_PAGES:
                small_url = f"http://127.0.0.1:{self.args.port + 2}{small_paths[page]}"
                large = next(
                    row
                    for row in self.rows
                    if (row.leg, row.mode, row.page, row.connections) == ("database", "cold", page, connections)
                )
                row = Row(leg="small", page=page, mode="cold", connections=connections)
                self.wrk(small_url, connections, 1)
                for _ in range(self.args.rounds):
                    row.baselines.append(self.wrk(self.baseline_url, connections, self.args.duration))
                    row.runs.append(self.wrk(small_url, connections, self.args.duration))
                # Time per request at full size over time per request at 100 posts, both as baseline ratios.
                slowdown = row.ratio / large.ratio
                self.flat[page] = {"small": row, "large": large, "slowdown": slowdown}
                print(f"  flat     cold {page:8} {FLAT_POSTS} posts: ratio {row.ratio:.3f}, slowdown {slowdown:.2f}×")
        finally:
            self.stop(site)

    def run(self):
        args = self.args
        self.secret_key = secrets.token_urlsafe(50)
        print(f"Generating {args.posts} posts…", flush=True)
        database_url, generated = self.prepare_database("bench", args.posts)
        self.paths = {
            "home": "/",
            "list": "/blog/",
            "post": generated["post"],
            "tag": generated["tag"],
            "rss": "/feeds/rss/",
            "sitemap": "/sitemap.xml",
            "sitemap-posts": "/sitemap-posts.xml",
            "search": generated["search"],
        }
        pages = [page for page in PAGES if page in args.pages]

        # The baseline serves the measured post's own bytes.
        env = self.site_env(database_url, args.port, cold=True)
        site = self.gunicorn("portfolio.wsgi:application", args.port, env, "site-probe")
        _, body = self.fetch(f"http://127.0.0.1:{args.port}{self.paths['post']}")
        self.stop(site)
        baseline_file = self.tmp / "baseline.html"
        baseline_file.write_bytes(body)
        self.baseline_bytes = len(body)
        baseline_env = {**os.environ, "BENCH_BASELINE_FILE": str(baseline_file)}
        baseline = self.gunicorn(
            "baseline:application", args.port + 1, baseline_env, "baseline", "--pythonpath", str(ROOT / "bench")
        )
        self.baseline_url = f"http://127.0.0.1:{args.port + 1}/"
        try:
            print("Database cache:", flush=True)
            cached_pages = [page for page in pages if page not in UNCACHED]
            self.run_leg("database", database_url, "warm", cached_pages, args.connections)
            self.run_leg("database", database_url, "cold", pages, args.connections)
            if args.redis_url:
                print("Redis cache:", flush=True)
                flush_redis(args.redis_url)
                self.run_leg("redis", database_url, "warm", cached_pages, args.connections, redis_url=args.redis_url)
                flush_redis(args.redis_url)
            if not args.no_flat and set(FLAT_PAGES) <= set(pages):
                print(f"Flat cost ({FLAT_POSTS} posts):", flush=True)
                self.flat_cost()
            self.rss["baseline"] = self.worker_peak_rss(baseline)
        finally:
            self.stop(baseline)
        write_results(self)


def flush_redis(url):
    import redis

    redis.Redis.from_url(url).flushdb()


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match[1]) * UNITS_MS[match[2]]


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = parse_duration_ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)[1])
    p99 = parse_duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)[1])
    requests = int(re.search(r"(\d+) requests in", out)[1])
    errors = 0
    if socket := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(number) for number in socket.groups())
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(non_2xx[1])
    return Wrk(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=requests)


def machine_details(bench):
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    import django

    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return [
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at the end {os.getloadavg()[0]:.2f}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB; {platform.platform()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, {wrk_version.strip()}",
        f"- database: {bench.database_vendor}; {bench.args.posts} posts, {bench.args.tags} tags, 100 projects",
        "- gunicorn: 2 sync workers on 127.0.0.1; DEBUG off; cold = PAGE_CACHE_SECONDS=0",
        f"- wrk: 2 threads, {bench.args.duration} s a run, {bench.args.rounds} rounds a page, timeout 60 s; "
        f"baseline = the post's {bench.baseline_bytes:,} bytes from memory, measured before each page run",
    ]


def write_results(bench):
    lines = ["# Benchmark results", "", "Written by `bench/run` (see bench/bench.py); rerun it to refresh.", ""]
    lines += machine_details(bench)
    lines += [
        "",
        "Ratio = the page's req/s over the baseline's in the same round; the median over rounds.",
        "",
        "| cache | state | page | conns | req/s | p50 ms | p99 ms | errors | baseline req/s | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in bench.rows:
        lines.append(
            f"| {row.leg} | {row.mode} | {row.page} | {row.connections} | {row.median('rps'):.0f} | "
            f"{row.median('p50_ms'):.2f} | {row.median('p99_ms'):.2f} | {sum(run.errors for run in row.runs)} | "
            f"{row.median('rps', row.baselines):.0f} | {row.ratio:.3f} |"
        )
    if bench.flat:
        lines += [
            "",
            f"Flat cost: cold pages at {FLAT_POSTS} posts and at {bench.args.posts} (time per request, "
            "as a multiple of the small archive's; target ≤ 1.25).",
            "",
            f"| page | ratio at {FLAT_POSTS} | ratio at {bench.args.posts} | slowdown |",
            "|---|---|---|---|",
        ]
        for page, result in bench.flat.items():
            lines.append(
                f"| {page} | {result['small'].ratio:.3f} | {result['large'].ratio:.3f} | {result['slowdown']:.2f}× |"
            )
    lines += ["", "Peak RSS per gunicorn worker (VmHWM), MB:", ""]
    for name, peaks in bench.rss.items():
        lines.append(f"- {name}: {', '.join(f'{peak:.0f}' for peak in peaks)}")
    notes = ""
    if RESULTS.exists() and NOTES_MARKER in RESULTS.read_text():
        notes = RESULTS.read_text().split(NOTES_MARKER, 1)[1]
    RESULTS.write_text("\n".join(lines) + "\n\n" + NOTES_MARKER + notes)
    print(f"Wrote {RESULTS.relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000, help="posts to generate (default 10,000)")
    parser.add_argument("--tags", type=int, default=300)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/page rounds per page (default 3)")
    parser.add_argument("--connections", type=lambda text: [int(n) for n in text.split(",")], default=[16, 64])
    parser.add_argument("--pages", type=lambda text: text.split(","), default=PAGES, help=",".join(PAGES))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8110")))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="adds the Redis leg; this Redis database is emptied before and after (default: $BENCH_REDIS_URL)",
    )
    parser.add_argument("--no-flat", action="store_true", help=f"skip the {FLAT_POSTS}-post flat-cost comparison")
    parser.add_argument("--max-minutes", type=float, default=60, help="stop the whole run after this long")
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 round, 16 connections, 2,000 posts")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.connections = 2, 1, [16]
        if "--posts" not in sys.argv:
            args.posts = 2000
    bench = Bench(args)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        bench.run()
    except Deadline as error:
        print(error, file=sys.stderr)
        write_results(bench)
        return 1
    finally:
        bench.stop_all()
        if bench.created_databases:
            bench.drop_databases()
        shutil.rmtree(bench.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
