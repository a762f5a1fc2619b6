"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi`` for the CLI."""

import gc
import os
import sys

from sqlalchemy.orm import configure_mappers

from app import create_app

# Under gunicorn we are serving real users: production rules apply unless said otherwise.
if "gunicorn" in sys.modules:
    os.environ.setdefault("CADRE_ENV", "production")

app = create_app()

# What is made by now (modules, the app, its routes, SQLAlchemy's mappers, configured here rather
# than at the first query: some 185,000 objects) lives as long as the process. Frozen, Python's
# collector no longer walks it at each full collection: a walk took 70 to 100 ms once every
# hundred or so requests of a heavier page (its p99), and under gunicorn --preload the workers
# share these pages of memory longer. The collection first drops the garbage of the imports,
# which would otherwise be kept for good.
configure_mappers()
gc.collect()
gc.freeze()
