"""The browser tests' live server (tests/e2e/conftest.py ``serve``) closes every response."""

import socket
import struct
import time

from flask import Flask

from tests.e2e.conftest import serve


def test_a_response_is_closed_even_when_the_browser_resets_the_connection():
    """Werkzeug's server skips closing a response when the connection is reset while it reads what
    the client left (a browser leaving a page as its scripts arrive): a static file stayed open,
    and the warning of its collection failed whichever browser test was running then."""
    closed = []

    class Body:
        def __iter__(self):
            yield b"x" * 2000

        def close(self):
            closed.append(True)

    web = Flask("reset")
    web.get("/")(lambda: web.response_class(Body()))
    with serve(web) as base:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(10):
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"z" * 100)
            client.recv(1000)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # a reset, not a polite close
        deadline = time.monotonic() + 5
        while len(closed) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(closed) == 10
