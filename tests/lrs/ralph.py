# ruff: noqa: S603 - runs the programs of the environment it builds itself
"""A real Learning Record Store for tests: Ralph 5.1.0 (FUN's LRS), in a virtual environment of
its own, with its file backend, on a free port of this machine, with Basic auth.

The environment is built once (about 25 s from the local package index, more from PyPI) under
``$CADRE_TEST_CACHE`` (default ~/.cache/cadre-test)/ralph-5.1.0 and reused by every later run;
a lock lets two runs share it. It is never one of Cadre's dependencies. See ../shared/INTEROP.md,
appendix C, for the two pitfalls handled here: ``requests`` missing from Ralph's extras, and the
file backend refusing every write after the first unless it appends.
"""

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from pathlib import Path

VERSION = "5.1.0"
REQUIREMENTS = [f"ralph-malph[lrs,cli]=={VERSION}", "requests"]  # fs is built in; cli needs requests
CACHE = Path(os.environ.get("CADRE_TEST_CACHE") or Path.home() / ".cache" / "cadre-test") / f"ralph-{VERSION}"
LAUNCHER = """\
import os, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND  # the default refuses a 2nd write
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(os.environ["PORT"]), workers=1,
            log_level="warning")
"""
USERNAME, PASSWORD = "cadre", "ralph-test-secret"


class Unavailable(Exception):
    """Ralph's environment could not be built here (no package index, say)."""


def environment() -> Path:
    """The path of Ralph's virtual environment, built on first use."""
    ready = CACHE / ".ready"
    if ready.exists():
        return CACHE
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / f"ralph-{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be building it: wait for it
        if ready.exists():
            return CACHE
        shutil.rmtree(CACHE, ignore_errors=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(CACHE)], check=True, capture_output=True)
            subprocess.run(
                [str(CACHE / "bin" / "pip"), "install", "--quiet", *REQUIREMENTS],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            shutil.rmtree(CACHE, ignore_errors=True)
            detail = getattr(exc, "stderr", None) or str(exc)
            raise Unavailable(
                f"could not build Ralph's environment in {CACHE}: {str(detail)[-600:]}"
            ) from exc
        ready.write_text(" ".join(REQUIREMENTS) + "\n")
    return CACHE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphLRS:
    """One Ralph server: start, stop, start again on the same port and data; read, validate."""

    def __init__(self, venv: Path, workdir: Path):
        self.venv, self.workdir = venv, workdir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI"
        self.process: subprocess.Popen | None = None
        (workdir / "app").mkdir(parents=True, exist_ok=True)
        (workdir / "data").mkdir(exist_ok=True)
        (workdir / "launch.py").write_text(LAUNCHER)
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(workdir / "app"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
            "PORT": str(self.port),
        }
        # The auth file (bcrypt: a second or two).
        self._ralph(
            "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "statements/write", "-s", "statements/read",
            "-M", "mailto:lrs@cadre.example.org", "-w",
        )  # fmt: skip

    def _ralph(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.venv / "bin" / "ralph"), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

    def start(self) -> None:
        log = open(self.workdir / "server.log", "a")  # noqa: SIM115 - the server keeps it
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "python"), str(self.workdir / "launch.py")],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Ralph did not start:\n" + (self.workdir / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def statements(self, **params: str) -> list[dict]:
        """Every statement the store returns for these filters (registration=...), following "more"."""
        query = "&".join(f"{k}={v}" for k, v in {"limit": "100", **params}.items())
        url, found = f"{self.endpoint}/statements?{query}", []
        credentials = b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        while url:
            request = urllib.request.Request(  # noqa: S310 - our own local server
                url, headers={"Authorization": f"Basic {credentials}", "X-Experience-API-Version": "1.0.3"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                page = json.load(response)
            found += page["statements"]
            more = page.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return found

    def validate(self, statements: list[dict]) -> tuple[int, int, str]:
        """``ralph validate -f xapi`` on these statements: (total, invalid, its log)."""
        run = self._ralph("validate", "-f", "xapi", stdin="\n".join(json.dumps(s) for s in statements) + "\n")
        log = run.stderr + run.stdout
        counts = log.rsplit("Total events:", 1)[-1]
        total, _, invalid = counts.partition("Invalid events:")
        return int(total.strip(" ,\n")), int(invalid.split()[0]), log
