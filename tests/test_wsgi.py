"""The entry point gunicorn and the command line load (wsgi.py), as a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # where wsgi.py is


def test_what_the_app_is_made_of_is_frozen_out_of_the_collectors_walks(tmp_path):
    """A full collection walked every object of the process, 70 to 100 ms once every hundred or so
    requests of a heavier page; the objects made by loading the app are frozen once loaded."""
    environment = {
        **os.environ,
        "CADRE_ENV": "production",  # as under gunicorn; nothing written to instance/
        "SECRET_KEY": "a-test-secret-key-long-enough-0123456789",
        "SERVER_BASE_URL": "https://cadre.example",
        "CADRE_OB3_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cadre.sqlite'}",
    }
    environment.pop("REDIS_URL", None)
    shown = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count(), gc.isenabled())"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    frozen, enabled = shown.stdout.split()
    assert int(frozen) > 50_000  # some 180,000: the modules, the app, its routes, the mappers
    assert enabled == "True"  # the collector still runs, on what requests make
