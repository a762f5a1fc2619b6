"""Flask's floor: a hello world served by gunicorn with the same settings as Cadre (bench/run.py)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
