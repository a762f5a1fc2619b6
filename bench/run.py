"""Cadre against Flask's floor: ``make bench`` (see bench/README.md).

Seeds a database (bench/seed.py), starts Cadre (wsgi:app), a Flask hello world (bench/hello.py) and
the signed-in floor (bench/floor.py) under gunicorn with the same settings, signs in through the
real login form, counts the SQL statements of each page, then drives the servers with wrk,
interleaved round by round, and
prints requests per second, p50/p99 latency, server CPU per request (the gunicorn processes' CPU
time from /proc, before and after each run, divided by the requests served), the ratio to hello
world (hello's CPU per request ÷ the page's) and SQL statements per request.

Environment: BENCH_SECONDS (10) per run, BENCH_ROUNDS (3), BENCH_COURSES (1000), BENCH_LEARNERS
(100000), BENCH_CONNECTIONS (2), BENCH_WORKERS (2), BENCH_QUICK=1 (50 courses, 1,000 learners,
2 s, 1 round; each can still be set), BENCH_DATABASE_URL (PostgreSQL, emptied first: its name must
contain "bench"; default: SQLite in a temporary folder), BENCH_KEEP=1 (keep that folder),
BENCH_PAGES (comma-separated page names, default all), BENCH_JSON (a file to write every figure to),
BENCH_PLANS_ONLY=1 (seed, count the statements and explain them, without measuring).
"""

import base64
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app.config import normalise_database_url  # noqa: E402 - after the repository is on the path

BIN = Path(sys.executable).parent
USER_AGENT = "cadre-bench/1"
BASE_URL = "https://cadre.bench.invalid"

# name, who asks for it (None: anonymous)
PAGES = [
    ("home", None),
    ("catalogue", None),
    ("course", None),
    ("search", "learner"),  # the catalogue searched, signed in: not from the visitors' page cache
    ("module", "learner"),
    ("quiz", "learner"),
    ("attempt", "learner"),
    ("dashboard", "learner"),
    ("class", "teacher"),
    ("class_csv", "teacher"),
]
TICKS = os.sysconf("SC_CLK_TCK")


def setting(name: str, default, quick=None):
    value = os.environ.get(name)
    if value:
        return type(default)(value)
    return quick if quick is not None and QUICK else default


QUICK = os.environ.get("BENCH_QUICK", os.environ.get("QUICK", "")) not in ("", "0")
SECONDS = setting("BENCH_SECONDS", 10.0, 2.0)
ROUNDS = setting("BENCH_ROUNDS", 3, 1)
COURSES = setting("BENCH_COURSES", 1000, 50)
LEARNERS = setting("BENCH_LEARNERS", 100_000, 1000)
CONNECTIONS = setting("BENCH_CONNECTIONS", 2)
PLANS_ONLY = os.environ.get("BENCH_PLANS_ONLY", "") not in ("", "0")  # seed, count, explain: no rounds
WORKERS = setting("BENCH_WORKERS", 2)


def say(message: str = "") -> None:
    print(message, flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def server_env(database_url: str, work: Path) -> dict:
    env = dict(os.environ)
    env.update(
        CADRE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        SERVER_BASE_URL=BASE_URL,
        CADRE_OB3_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        DATABASE_URL=database_url,
        CADRE_UNTRUSTED_WORK_DIR=str(work / "untrusted-slots"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI"):  # each process counts in memory, as documented
        env.pop(name, None)
    return env


def control_socket_off() -> list[str]:
    """Since 25.1 every gunicorn master also serves a control socket, by default at one path per
    user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl) that each new master deletes and takes over,
    from a thread it stops and restarts around every fork. The benchmark's two servers (and any
    other gunicorn on the machine) would share it: it is turned off, as nothing here uses it."""
    found = re.match(r"(\d+)\.(\d+)", version("gunicorn"))  # 25.1, 26.0b1...
    return ["--no-control-socket"] if found and tuple(map(int, found.groups())) >= (25, 1) else []


class Server:
    """A gunicorn master and its workers; CPU time read from /proc."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, work: Path):
        # The listening socket is made here and handed down, so that no other process can take its
        # port between our choosing it and gunicorn binding it (as a port picked, closed and passed
        # on by number could be).
        with socket.create_server(("127.0.0.1", 0), backlog=128) as listener:  # gunicorn keeps a copy
            self.name, self.port = name, listener.getsockname()[1]
            self.log = open(work / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
            self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, arguments built here
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    str(WORKERS),
                    "--worker-class",
                    "sync",
                    "--bind",
                    f"fd://{listener.fileno()}",
                    "--chdir",
                    str(chdir),
                    "--log-level",
                    "warning",
                    *control_socket_off(),
                    app,
                ],
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} stopped at start:\n{self.head()}")
            try:
                requests.get(self.url + "/", timeout=10)  # the socket listens before a worker answers
                if len(self.pids()) > WORKERS:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start in 60 s:\n{self.head()}")

    def head(self, lines: int = 40) -> str:
        """The start of the server's log (a worker's error comes first, before the master's), which
        the work folder's removal would otherwise take away."""
        self.log.flush()
        rows = Path(self.log.name).read_text(errors="replace").splitlines()[:lines]
        return "\n".join(row[:200] for row in rows)

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def cpu_seconds(self) -> float:
        """utime + stime of the master and its workers (workers are never replaced here)."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / TICKS

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def sign_in(base: str, email: str, password: str) -> str:
    """Log in through the real form; return the session cookie's value.

    Production cookies are Secure, which a client keeps off plain http: they are carried by hand.
    """
    headers = {"User-Agent": USER_AGENT}
    page = requests.get(base + "/account/login", headers=headers, timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if token is None:
        token = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    cookie = page.cookies.get("session")
    answer = requests.post(
        base + "/account/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        headers={**headers, "Cookie": f"session={cookie}"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "session" not in answer.cookies:
        raise SystemExit(f"login of {email} failed: {answer.status_code}")
    cookie = answer.cookies["session"]
    # The first page after signing in makes the account's own form token (app.accounts.routes):
    # the session it sets is the one every later page keeps, and the one the rounds send.
    settled = requests.get(
        urljoin(base + "/account/login", answer.headers["Location"]),
        headers={**headers, "Cookie": f"session={cookie}"},
        allow_redirects=False,
        timeout=30,
    )
    return settled.cookies.get("session", cookie)


def floor_sign_in(base: str, email: str) -> str:
    """The signed-in floor's session cookie for this person (bench/floor.py)."""
    answer = requests.get(
        base + "/sign-in",
        params={"email": email},
        headers={"User-Agent": USER_AGENT},  # as wrk's: Flask-Login's session protection reads it
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "session" not in answer.cookies:
        raise SystemExit(f"signing in to the floor failed: {answer.status_code}")
    return answer.cookies["session"]


def count_sql(env: dict, targets: dict, cookies: dict, pages) -> tuple[dict, dict]:
    """SQL statements per page: the same requests through Flask's test client, in a child process
    with the servers' settings, counting every statement but transaction control (SQLite's BEGIN);
    and, per page, the tables its SELECTs read whole (bench/plans.py), asked of the database with
    the values the page sent."""
    script = r"""
import json, sys
from sqlalchemy import event
from app import create_app
from app.extensions import db
from bench.plans import whole_reads
work = json.loads(sys.stdin.read())
app = create_app()
counted = []
with app.app_context():
    @event.listens_for(db.engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            counted.append((statement, parameters))
client = app.test_client(use_cookies=False)  # a jar would replace the Cookie header
result, plans = {}, {}
for name, path, cookie in work:
    headers = {"User-Agent": "USER_AGENT"}
    if cookie:
        headers["Cookie"] = "session=" + cookie
    statuses = []
    for _ in range(2):  # the second: what every later request costs
        counted.clear()
        statuses.append(client.get(path, headers=headers, base_url="http://127.0.0.1").status_code)
    result[name] = [len(counted), statuses[-1]]
    selects = [(s, p) for s, p in counted if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    with app.app_context(), db.engine.connect() as connection:
        plans[name] = sorted({
            f"{read}: {' '.join(statement.split())[:160]}"
            for statement, parameters in selects
            for read in whole_reads(connection, statement, parameters)
        })
        connection.rollback()
print(json.dumps({"sql": result, "plans": plans}))
""".replace("USER_AGENT", USER_AGENT)
    work = [(name, targets["pages"][name], cookies.get(who)) for name, who in pages]
    child = subprocess.run(  # noqa: S603 - this interpreter, a script written here
        [sys.executable, "-c", script],
        input=json.dumps(work),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if child.returncode != 0:
        say(child.stderr[-3000:])
        raise SystemExit("counting SQL statements failed")
    found = json.loads(child.stdout.strip().splitlines()[-1])
    return found["sql"], found["plans"]


def milliseconds(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if found is None:
        print(f"wrk latency not understood: {value!r}", file=sys.stderr)
        return float("nan")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}[unit]


def wrk(url: str, cookie: str | None, seconds: float) -> dict:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["--timeout", "30s"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    if not re.search(r"^\s*50%\s+\S+", out, re.M):
        raise SystemExit(f"wrk's output was not understood:\n{out}")
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(done.group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": milliseconds(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
        "p99": milliseconds(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
        "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0),
    }


def measure(server: Server, path: str, cookie: str | None) -> dict:
    before = server.cpu_seconds()
    result = wrk(server.url + path, cookie, SECONDS)
    used = server.cpu_seconds() - before
    result["cpu_ms"] = used * 1000 / max(1, result["requests"])
    return result


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    wanted = os.environ.get("BENCH_PAGES")
    pages = [p for p in PAGES if not wanted or p[0] in wanted.split(",")]
    work = Path(tempfile.mkdtemp(prefix="cadre-bench-"))
    # Normalised once here (psycopg 3 for postgresql://): the floor (bench/floor.py) takes it as given.
    database_url = normalise_database_url(
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite'}"
    )
    env = server_env(database_url, work)
    servers: list[Server] = []
    try:
        say(f"machine: {os.cpu_count()} CPUs, load {load()}; database {database_url.split('@')[-1]}")
        say(f"seeding {COURSES} generated courses, {LEARNERS} learners...")
        sizes = {"BENCH_COURSES": str(COURSES), "BENCH_LEARNERS": str(LEARNERS)}
        subprocess.run(  # noqa: S603 - this interpreter and bench/seed.py
            [sys.executable, str(ROOT / "bench" / "seed.py"), str(work / "targets.json")],
            env={**env, "CADRE_ENV": "development", **sizes},
            cwd=ROOT,
            check=True,
        )
        targets = json.loads((work / "targets.json").read_text())
        servers.append(cadre := Server("cadre", "wsgi:app", ROOT, env, work))
        servers.append(hello := Server("hello", "hello:app", ROOT / "bench", env, work))
        servers.append(floor := Server("floor", "floor:app", ROOT / "bench", env, work))
        for server in servers:
            server.wait()
        cookies = {
            "learner": sign_in(cadre.url, targets["learner"], targets["password"]),
            "teacher": sign_in(cadre.url, targets["teacher"], targets["password"]),
        }
        # Each page answers 200 to every worker (templates compiled, the quiz's draw made once),
        # and sets no cookie (wrk would not carry it): what wrk then asks is what it is measured on.
        for name, who in pages:
            headers = {"User-Agent": USER_AGENT}
            if who:
                headers["Cookie"] = f"session={cookies[who]}"
            for _ in range(3 * WORKERS):
                answer = requests.get(
                    cadre.url + targets["pages"][name], headers=headers, timeout=60, allow_redirects=False
                )
                if answer.status_code != 200:
                    raise SystemExit(f"{name} {targets['pages'][name]}: {answer.status_code}")
                if who and "session" in answer.cookies:
                    raise SystemExit(f"{name} {targets['pages'][name]} changed the session cookie")
        floor_cookie = floor_sign_in(floor.url, targets["learner"])
        for _ in range(3 * WORKERS):
            requests.get(hello.url + "/", timeout=10)
            headers = {"User-Agent": USER_AGENT, "Cookie": f"session={floor_cookie}"}
            answer = requests.get(floor.url + "/", headers=headers, timeout=10)
            if answer.status_code != 200 or "session" in answer.cookies:
                raise SystemExit(f"the signed-in floor answered {answer.status_code} or changed its cookie")
        say("counting SQL statements per page (Flask test client, same database and settings)...")
        sql, plans = count_sql(env, targets, cookies, pages)
        results: dict[str, list[dict]] = {"hello": [], "floor": []}
        results.update({name: [] for name, _who in pages})
        rounds = 0 if PLANS_ONLY else ROUNDS
        say(
            f"{rounds} round(s) of {SECONDS:g} s per page, wrk -t1 -c{CONNECTIONS}, "
            f"gunicorn {WORKERS} sync workers"
        )
        for number in range(1, rounds + 1):
            say(f"round {number}: load before {load()}")
            for name, who in [("hello", None), ("floor", None), *pages]:
                server, path = {"hello": (hello, "/"), "floor": (floor, "/")}.get(name) or (
                    cadre,
                    targets["pages"][name],
                )
                cookie = floor_cookie if name == "floor" else cookies.get(who) if who else None
                before = load()
                row = measure(server, path, cookie)
                results[name].append(row)
                say(
                    f"  {name:10} load {before}  {row['rps']:8.1f} req/s  p50 {row['p50']:7.2f} ms  "
                    f"p99 {row['p99']:8.2f} ms  CPU {row['cpu_ms']:7.2f} ms/req"
                    + (f"  errors {row['errors']}" if row["errors"] else "")
                )
        if rounds:
            report(targets, results, sql, pages)
        report_plans(plans)
        if os.environ.get("BENCH_JSON"):  # every round's figures, for a test or a comparison
            Path(os.environ["BENCH_JSON"]).write_text(
                json.dumps({"targets": targets, "sql": sql, "plans": plans, "rounds": results}, indent=2)
            )
    finally:
        for server in servers:
            server.stop()
        if os.environ.get("BENCH_KEEP"):
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(targets: dict, results: dict, sql: dict, pages) -> None:
    def median(name: str, key: str) -> float:
        return statistics.median(row[key] for row in results[name])

    hello_cpu = median("hello", "cpu_ms")
    say()
    say(
        f"Seed: {targets['courses']} generated courses (+ the bundled ones), {targets['learners']} learners, "
        f"class {targets['class_students']} × {targets['class_items']}; seeded in {targets['seconds']} s. "
        f"Medians of {ROUNDS} round(s) of {SECONDS:g} s."
    )
    say("Ratio = hello world's CPU per request ÷ the page's (1.0: as cheap as hello world).")
    say()
    say("| page | path | req/s | p50 ms | p99 ms | CPU ms/req | ratio to hello | SQL/req |")
    say("|---|---|---:|---:|---:|---:|---:|---:|")
    say(
        f"| hello world | / | {median('hello', 'rps'):.1f} | {median('hello', 'p50'):.2f} | "
        f"{median('hello', 'p99'):.2f} | {hello_cpu:.2f} | 1.000 | 0 |"
    )
    floor_cpu = median("floor", "cpu_ms")
    say(
        f"| signed-in floor | / (bench/floor.py) | {median('floor', 'rps'):.1f} | "
        f"{median('floor', 'p50'):.2f} | {median('floor', 'p99'):.2f} | {floor_cpu:.2f} | "
        f"{hello_cpu / floor_cpu:.3f} | 3 (by design) |"
    )
    for name, _who in pages:
        cpu = median(name, "cpu_ms")
        errors = sum(row["errors"] for row in results[name])
        count, status = sql[name]
        note = f" ({errors} errors)" if errors else ""
        note += f" (test client: {status})" if status != 200 else ""
        say(
            f"| {name} | {targets['pages'][name]} | {median(name, 'rps'):.1f} | {median(name, 'p50'):.2f} | "
            f"{median(name, 'p99'):.2f} | {cpu:.2f} | {hello_cpu / cpu:.3f} | {count}{note} |"
        )
    say(f"\nload after: {load()}")


def report_plans(plans: dict[str, list[str]]) -> None:
    """The tables each page's SELECTs read whole (bench/plans.py); none is what a page should read."""
    say()
    if not any(plans.values()):
        say(f"Query plans: every SELECT of the {len(plans)} pages looks its rows up by an index.")
        return
    say("Query plans: tables read whole (bench/plans.py):")
    for name, reads in plans.items():
        for read in reads:
            say(f"  {name}: {read}")


if __name__ == "__main__":
    main()
