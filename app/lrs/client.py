"""Talk to a Learning Record Store: post statements, check the connection. Standard library only.

Every request has a timeout, follows no redirect and ignores proxy variables; a guarded target
(a publisher's store in production) connects only to public addresses (app.lrs.addresses).
"""

import base64
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.lrs.addresses import public_connection

XAPI_VERSION = "1.0.3"


@dataclass(frozen=True)
class Target:
    endpoint: str  # the xAPI base, e.g. https://lrs.example.org/xAPI
    username: str
    password: str
    guarded: bool  # connect only to public addresses
    timeout: float = 15


class StoreError(Exception):
    """The store did not accept the request; str() says why, for the admin page (never a secret)."""


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = public_connection


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx becomes an HTTPError: a store that moved is an error to fix


def _opener(target: Target):
    handlers = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if target.guarded:
        handlers.append(_GuardedHTTPSHandler())
    return urllib.request.build_opener(*handlers)


def _request(target: Target, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """(status, first bytes of the body); StoreError when nothing came back."""
    if target.guarded and urlsplit(target.endpoint).scheme != "https":
        raise StoreError("only an https:// address may be used here")
    credentials = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
    headers = {"X-Experience-API-Version": XAPI_VERSION, "Authorization": f"Basic {credentials}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        request = urllib.request.Request(target.endpoint + path, data=body, headers=headers, method=method)  # noqa: S310 - https, or http to localhost outside production (addresses.py)
        with _opener(target).open(request, timeout=target.timeout) as response:
            return response.status, response.read(2000)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(2000)
    except urllib.error.URLError as exc:
        raise StoreError(_describe(exc.reason)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise StoreError(_describe(exc)) from exc
    except ValueError as exc:  # e.g. UnicodeEncodeError: a character http.client cannot send
        raise StoreError(f"invalid address: {_describe(exc)}") from exc


def _describe(reason) -> str:
    if isinstance(reason, TimeoutError):
        return "no answer (timed out)"
    return str(reason)[:300] or reason.__class__.__name__


def _answer(status: int, body: bytes) -> str:
    detail = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return f"HTTP {status}" + (f": {detail[:300]}" if detail else "")


def post_statements(target: Target, statements: list[dict]) -> None:
    """POST the statements in one request; StoreError unless the store answers 200 or 204.

    A store keeps one copy per statement id, so sending a batch again after a crash is harmless.
    """
    body = json.dumps(statements, ensure_ascii=False, separators=(",", ":")).encode()
    status, answer = _request(target, "POST", "/statements", body)
    if status not in (200, 204):
        raise StoreError(_answer(status, answer))


def check(target: Target) -> int:
    """Ask for one statement: 200 (may read), 403 (may not read, but the credentials are good).

    StoreError for anything else, such as 401 for a wrong user name or password.
    """
    status, answer = _request(target, "GET", "/statements?limit=1")
    if status in (200, 403):
        return status
    raise StoreError(_answer(status, answer))
