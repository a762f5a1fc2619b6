"""A school's Moodle frames Cadre after a real LTI launch in the browser; another site cannot.

The platform (lti1p3platform) serves its course page from another origin of this machine: the
page frames its own login initiation, which goes to Cadre, back to the platform's auth step, and
posts the signed launch to Cadre, all inside the frame, as Moodle does with « embed ».
"""

import threading
from types import SimpleNamespace

import pytest
from flask import Flask, redirect, request
from werkzeug.serving import make_server

from tests.lti.conftest import LEARNER, Platform, _Launch, _Login, _pem_pair, register

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _serve(web: Flask):
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _framing_page(cadre_url: str) -> Flask:
    web = Flask("framing")

    @web.get("/course")
    def course():
        src = request.args.get("src", "/start")
        frame = f'<iframe src="{src}" width="900" height="600"></iframe>'
        return f"<!doctype html><title>Moodle</title><h1>Moodle</h1>{frame}"

    return web


def test_a_registered_platform_frames_the_launch_and_another_site_cannot(live_server, page, tmp_path):
    cadre, app = live_server
    keys = _pem_pair()
    holder = {}
    web = _framing_page(cadre)

    @web.get("/start")
    def start():
        login = _Login(None, holder["platform"].conf())
        login.set_lti_message_hint()
        return redirect(login.initiate_login("student-7"))

    @web.get("/jwks")
    def jwks():
        return {"keys": holder["platform"].registration().get_jwks()}

    @web.get("/auth")
    def auth():
        launch = _Launch(
            SimpleNamespace(get_data=request.args.to_dict(), form_data={}), holder["platform"].conf()
        )
        launch.set_user_data("student-7", [LEARNER], full_name="Léa Cadreuse")
        launch.set_resource_link_claim("resource-1")
        launch.set_custom_parameters_claim({"course": "voix-et-ia"})
        data = launch.lti_launch()
        return (
            f'<form method="post" action="{data["launch_url"]}">'
            f'<input type="hidden" name="id_token" value="{data["id_token"]}">'
            f'<input type="hidden" name="state" value="{data["state"]}"></form>'
            "<script>document.forms[0].submit()</script>"
        )

    server, base = _serve(web)
    intruder, elsewhere = _serve(_framing_page(cadre))
    platform = Platform(base, keys, {"keys": []})
    registration = platform.registration
    platform.registration = lambda private=None: (
        registration(private).set_oidc_login_url(cadre + "/lti/login").set_launch_url(cadre + "/lti/launch")
    )
    holder["platform"] = platform
    with app.app_context():
        register(base)
    try:
        page.goto(base + "/course")
        frame = page.frame_locator("iframe")
        # Launched and signed in, inside the platform's page: the course's title and no login link.
        frame.locator("h1").wait_for(timeout=15000)
        assert "voix" in frame.locator("h1").inner_text().lower()
        framed = next(f for f in page.frames if f.url.startswith(cadre))
        assert "/courses/voix-et-ia" in framed.url
        page.screenshot(path=str(tmp_path / "lti-framed.png"))

        # Another site frames the same page, in the same browser: refused.
        page.goto(elsewhere + "/course?src=" + cadre + "/courses/voix-et-ia")
        page.wait_for_timeout(1000)
        blocked = page.frames[1]
        assert not blocked.url.startswith(cadre) or blocked.evaluate("document.querySelector('h1') === null")
    finally:
        server.shutdown()
        intruder.shutdown()
