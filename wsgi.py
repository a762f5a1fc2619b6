"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi`` for the CLI."""

import os
import sys

from app import create_app

# Under gunicorn we are serving real users: production rules apply unless said otherwise.
if "gunicorn" in sys.modules:
    os.environ.setdefault("CADRE_ENV", "production")

app = create_app()
