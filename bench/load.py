"""Mixed load against a real gunicorn: 90 % page reads, 5 % searches, 5 % contact submissions.

Starts gunicorn (production settings, DEBUG off) on a scratch database that it migrates and seeds,
drives it with N concurrent keep-alive connections for a fixed time, then checks:
  - no response was a 5xx;
  - every accepted submission (302) is a stored message with a queued notification task;
  - no simulated address got more than the limit accepted;
and prints throughput, latency percentiles and the peak RSS of each worker. Everything it starts
(the server, the scratch database) is stopped or dropped on the way out, whatever happens.

Not part of CI: run `bench/load --help`.
"""

import argparse
import asyncio
import contextlib
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portfolio.tests import services  # noqa: E402

SEARCH_WORDS = ["raft", "consensus", "agents", "queue", "storage", "latency", "python", "distributed", "zzzz"]
TOPICS = ["distributed-systems", "agentic-architecture", "collaboration", "other"]


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method, path, headers=None, body=b""):
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
                lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
                self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
                await self.writer.drain()
                return await self._read_response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _read_response(self):
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers = defaultdict(list)
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()].append(value.strip())
        if "chunked" in ",".join(headers.get("transfer-encoding", [])):
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", ["0"])[0]))
        if "close" in ",".join(headers.get("connection", [])).lower():
            await self.close()
        return status, headers, body.decode("utf-8", "replace")

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class Results:
    def __init__(self):
        self.statuses = Counter()
        self.latencies = defaultdict(list)
        self.accepted_by_address = Counter()
        self.posted_by_address = Counter()
        self.limited_by_address = Counter()
        self.errors = Counter()

    def record(self, kind, status, seconds):
        self.statuses[(kind, status)] += 1
        self.latencies[kind].append(seconds)


async def timed(results, kind, coro):
    start = time.perf_counter()
    try:
        status, headers, body = await coro
    except Exception as error:  # a dropped connection is a failure worth seeing, not a crash of the bench
        results.errors[f"{kind}: {type(error).__name__}"] += 1
        return None, None, None
    results.record(kind, status, time.perf_counter() - start)
    return status, headers, body


def hidden(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match[1] if match else ""


async def submit_contact(connection, results, address, fill_seconds):
    forwarded = {"X-Forwarded-For": address}
    status, headers, html = await timed(results, "contact-form", connection.request("GET", "/contact/", forwarded))
    if status != 200:
        return
    cookie = next((value.split(";")[0] for value in headers["set-cookie"] if value.startswith("csrftoken=")), "")
    await asyncio.sleep(fill_seconds)  # a person takes a moment; the time trap holds anything faster
    body = urlencode(
        {
            "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken"),
            "started": hidden(html, "started"),
            "website": "",
            "name": "Load Tester",
            "email": "load@example.org",
            "topic": random.choice(TOPICS),
            "message": f"Load test message from {address}.",
        }
    ).encode()
    post_headers = forwarded | {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = await timed(results, "contact-post", connection.request("POST", "/contact/", post_headers, body))
    if status is not None and status < 500:
        results.posted_by_address[address] += 1
    if status == 302:
        results.accepted_by_address[address] += 1
    elif status == 429:
        results.limited_by_address[address] += 1


async def client(port, pages, addresses, deadline, results, fill_seconds):
    connection = Connection(port)
    try:
        while time.monotonic() < deadline:
            roll = random.random()
            if roll < 0.90:
                await timed(results, "page", connection.request("GET", random.choice(pages)))
            elif roll < 0.95:
                query = urlencode({"q": " ".join(random.sample(SEARCH_WORDS, random.randint(1, 3)))})
                await timed(results, "search", connection.request("GET", f"/search/?{query}"))
            else:
                await submit_contact(connection, results, random.choice(addresses), fill_seconds)
    finally:
        await connection.close()


def sample_rss(server, peaks, stop):
    """Peak resident memory per worker pid, sampled from /proc every 200 ms."""
    while not stop.is_set():
        for pid in server.worker_pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                kib = int(re.search(r"VmRSS:\s+(\d+) kB", status)[1])
                peaks[pid] = max(peaks.get(pid, 0), kib)
        stop.wait(0.2)


def sitemap_locations(port, path):
    status, _, xml = services.request(port, "GET", path)
    assert status == 200, f"{path} answered {status}"
    return [urlsplit(loc) for loc in re.findall(r"<loc>([^<]+)</loc>", xml)]


def page_paths(port):
    """Every page the sitemaps list: /sitemap.xml is an index, so each sitemap (and page of one) it names."""
    paths = set()
    for sitemap in sitemap_locations(port, "/sitemap.xml"):
        sitemap_path = sitemap.path + (f"?{sitemap.query}" if sitemap.query else "")
        paths |= {loc.path for loc in sitemap_locations(port, sitemap_path)}
    return sorted(paths | {"/", "/blog/", "/projects/", "/feeds/rss/", "/robots.txt", "/blog/archive/"})


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def run(args):
    limit, cap = args.limit, args.spam_cap
    with tempfile.TemporaryDirectory() as tmp, services.scratch_database(args.database, Path(tmp)) as database_url:
        env_overrides = {
            "CONTACT_RATE_LIMIT": limit,
            "CONTACT_RATE_SPAM_CAP": cap,
            "CONTACT_MIN_FILL_SECONDS": args.fill_seconds,
            "TASKS_BACKEND": "django_tasks_db.backend.DatabaseBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_MEDIA_ROOT": str(Path(tmp) / "media"),
        }
        # The simulated addresses arrive the way a proxy passes them on: one trusted hop (portfolio/clientip.py).
        env_overrides["TRUSTED_PROXY_HOPS"] = 1
        if args.redis_url:
            env_overrides["REDIS_URL"] = args.redis_url
        env_overrides |= dict(item.split("=", 1) for item in args.env)
        env = services.server_env(database_url, **env_overrides)
        seed = services.subprocess.run(
            [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if seed.returncode:
            raise SystemExit(f"seed_demo failed:\n{seed.stderr}")
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
        log_path = Path(tmp) / "gunicorn.log"
        server = services.AppServer(env, workers=args.workers, threads=args.threads, log_path=log_path)
        with server:
            pages = page_paths(server.port)
            addresses = [f"198.51.100.{n}" for n in range(1, args.addresses + 1)]
            results, peaks, stop = Results(), {}, threading.Event()
            sampler = threading.Thread(target=sample_rss, args=(server, peaks, stop), daemon=True)
            sampler.start()
            started = time.monotonic()

            async def drive():
                deadline = time.monotonic() + args.seconds
                await asyncio.gather(
                    *(
                        client(server.port, pages, addresses, deadline, results, args.fill_seconds)
                        for _ in range(args.connections)
                    )
                )

            asyncio.run(asyncio.wait_for(drive(), timeout=args.seconds + 120))
            elapsed = time.monotonic() - started
            stop.set()
            sampler.join()
        rows = services.query(
            database_url, "SELECT ip_hash, status, COUNT(*) FROM contact_contactmessage GROUP BY ip_hash, status"
        )
        queued = services.query(
            database_url,
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
            ["contact.tasks.notify_owner"],
        )[0][0]
        counters = counted(args, database_url, results.posted_by_address)
        if args.redis_url:
            redis.Redis.from_url(args.redis_url).flushdb()
        server_errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line]
    return report(args, results, elapsed, peaks, rows, queued, server_errors, limit, cap, counters)


def counted(args, database_url, posted):
    """What the server's counters say each address sent, to tell a broken limit from a counter wiped from outside."""
    from django.utils.crypto import salted_hmac

    counts = {}
    for address in posted:
        sender = salted_hmac("contact.ip", address, secret=services.SERVER_SECRET_KEY).hexdigest()[:32]
        if args.redis_url:
            import redis

            value = redis.Redis.from_url(args.redis_url).get(f"ratelimit:1:message:{sender}")
            counts[address] = int(value or 0)
        else:
            found = services.query(
                database_url, "SELECT count FROM contact_ratecounter WHERE key = ?", [f"message:{sender}"]
            )
            counts[address] = found[0][0] if found else 0
    return counts


def report(args, results, elapsed, peaks, rows, queued, server_errors, limit, cap, counters):
    total = sum(results.statuses.values())
    print(f"\n{total} responses in {elapsed:.1f} s ({total / elapsed:.0f}/s) over {args.connections} connections")
    print(
        f"database: {args.database}; cache/limits: {'Redis' if args.redis_url else 'database'}; "
        f"gunicorn: {args.workers} workers x {args.threads} threads"
    )
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        codes = {status: n for (k, status), n in sorted(results.statuses.items()) if k == kind}
        print(
            f"  {kind:13} {len(values):7}  p50 {percentile(values, 0.5) * 1000:7.1f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:7.1f} ms  p99 {percentile(values, 0.99) * 1000:7.1f} ms  {codes}"
        )
    for pid, kib in sorted(peaks.items()):
        print(f"  worker {pid}: peak RSS {kib / 1024:.1f} MiB")

    failures = []
    fives = sum(n for (_, status), n in results.statuses.items() if status >= 500)
    if fives:
        failures.append(f"{fives} responses were 5xx")
    if results.errors:
        failures.append(f"connection errors: {dict(results.errors)}")
    if server_errors:
        failures.append(f"{len(server_errors)} tracebacks in the server log")
    accepted = sum(results.accepted_by_address.values())
    stored = sum(n for _, status, n in rows if status == "new")
    print(
        f"contact: {accepted} accepted, {sum(results.limited_by_address.values())} limited (429), "
        f"{stored} stored as new, {queued} notifications queued, "
        f"{sum(n for _, status, n in rows if status == 'spam')} kept as spam"
    )
    if not accepted:
        failures.append("no contact submission was accepted")
    if stored != accepted:
        failures.append(f"{accepted} submissions were accepted but {stored} are stored")
    if queued != accepted:
        failures.append(f"{accepted} submissions were accepted but {queued} notifications are queued")
    over = {address: n for address, n in results.accepted_by_address.items() if n > limit}
    if over:
        failures.append(f"addresses got more than {limit} accepted: {over}")
    wiped = {
        address: (n, counters.get(address))
        for address, n in results.posted_by_address.items()
        if counters.get(address) != n
    }
    if wiped:
        # Fewer counted than sent: something outside the run (a FLUSHDB, another test) reset a counter.
        failures.append(f"counters disagree with what was sent (sent, counted): {wiped}")
    per_address_new = Counter()
    per_address_spam = Counter()
    for ip_hash, status, n in rows:
        (per_address_new if status == "new" else per_address_spam)[ip_hash] += n
    if any(n > limit for n in per_address_new.values()):
        failures.append("the database holds more accepted messages for one address than the limit")
    if any(n > cap + limit for n in per_address_spam.values()):
        failures.append("the database holds more over-limit rows for one address than the cap")
    print("limits: at most", max(per_address_new.values(), default=0), f"accepted per address (limit {limit})")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nOK: no 5xx, every accepted submission stored and queued, limits held.")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (compose runs 3)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--redis-url", default="", help="e.g. redis://127.0.0.1:6379/4 (flushed before and after)")
    parser.add_argument("--addresses", type=int, default=20, help="simulated client addresses")
    parser.add_argument("--limit", type=int, default=5, help="CONTACT_RATE_LIMIT for the run")
    parser.add_argument("--spam-cap", type=int, default=5, help="CONTACT_RATE_SPAM_CAP for the run")
    parser.add_argument("--fill-seconds", type=float, default=3, help="how long a simulated visitor takes")
    parser.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for the server")
    args = parser.parse_args()
    if args.database == "postgres" and not services.postgres_reachable():
        raise SystemExit(f"Postgres is not reachable at {services.postgres_server_url()}; try --database sqlite")
    raise SystemExit(run(args))


if __name__ == "__main__":
    main()
