"""A publisher's record store page: only its administrators, CSRF, the password never shown back
and sealed in the database, addresses Cadre refuses to send to."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.lrs import addresses, services
from app.lrs.models import RecordStore
from app.lrs.sealing import Unreadable, seal, unseal
from app.orgs import services as orgs
from tests.conftest import csrf_token_from, signed_in_with_csrf, text_of

PAGE = "/workspace/syndicat/settings/record-store"
SETTINGS = {"endpoint": "http://127.0.0.1:9/xAPI", "username": "cadre", "password": "s3cret-Passw0rd"}


def saved_store() -> RecordStore | None:
    db.session.expire_all()
    return db.session.scalar(select(RecordStore))


ENDPOINTS = [("get", ""), ("post", ""), ("post", "/test"), ("post", "/clear")]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("outsider", 404),
        ("other_admin", 404),
        ("member", 403),
        ("reviewer", 403),
        ("editor", 403),
        ("admin", 200),
    ],
)
def test_only_the_publishers_administrators_may(client, auth, publisher, role, expected):
    _, people = publisher
    auth.login(people[role].email)
    for method, path in ENDPOINTS:
        response = getattr(client, method)(PAGE + path, data={})
        if expected == 200:  # an empty form is refused; the buttons go back to the page
            assert response.status_code in (200, 302, 400), (method, path)
        else:
            assert response.status_code == expected, (method, path)


def test_anonymous_visitors_are_asked_to_log_in(client, publisher):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/account/login" in response.location


def test_the_workspace_links_to_the_page_for_administrators_only(client, auth, publisher):
    _, people = publisher
    auth.login(people["admin"].email)
    assert PAGE in client.get("/workspace/syndicat").get_data(as_text=True)
    auth.logout()
    auth.login(people["editor"].email)
    assert PAGE not in client.get("/workspace/syndicat").get_data(as_text=True)


def test_saving_seals_the_password_and_never_shows_it_back(client, auth, publisher):
    org, people = publisher
    auth.login(people["admin"].email)
    response = client.post(PAGE, data=SETTINGS, follow_redirects=True)
    assert "Saved." in text_of(response)
    store = saved_store()
    assert store.organisation_id == org.id and store.endpoint == SETTINGS["endpoint"]
    assert SETTINGS["password"].encode() not in store.password_sealed
    assert unseal(store.password_sealed) == SETTINGS["password"]
    page = text_of(client.get(PAGE))
    assert SETTINGS["password"] not in page and SETTINGS["endpoint"] in page
    assert "Leave empty to keep the saved password." in page

    # An empty password keeps the saved one; the cursor stays for the same endpoint...
    store.last_event_id = 7
    db.session.commit()
    client.post(PAGE, data={**SETTINGS, "username": "cadre2", "password": ""})
    store = saved_store()
    assert store.username == "cadre2" and unseal(store.password_sealed) == SETTINGS["password"]
    assert store.last_event_id == 7
    # ...and a new endpoint is a new store, which gets the whole record from the start.
    client.post(PAGE, data={**SETTINGS, "endpoint": "http://localhost:9/xAPI/"})
    store = saved_store()
    assert store.endpoint == "http://localhost:9/xAPI" and store.last_event_id == 0

    client.post(f"{PAGE}/clear", follow_redirects=True)
    assert saved_store() is None


def test_a_new_address_needs_the_password_again(client, auth, publisher):
    """Else an administrator could send another's saved password to a server of their own."""
    org, people = publisher
    auth.login(people["admin"].email)
    client.post(PAGE, data=SETTINGS)
    response = client.post(PAGE, data={**SETTINGS, "endpoint": "http://localhost:9/other", "password": ""})
    assert response.status_code == 400
    assert "The address has changed: give the password again." in text_of(response)
    store = saved_store()
    assert store.endpoint == SETTINGS["endpoint"] and unseal(store.password_sealed) == SETTINGS["password"]
    with pytest.raises(ValueError, match="password"):
        services.save_store(org, "http://localhost:9/other", "cadre", "")


def test_a_first_store_needs_a_password(client, auth, publisher):
    _, people = publisher
    auth.login(people["admin"].email)
    response = client.post(PAGE, data={**SETTINGS, "password": ""})
    assert response.status_code == 400 and "Give the password the store gave you." in text_of(response)
    assert saved_store() is None


REFUSED = [
    ("http://lrs.example.org/xAPI", "must start with https://"),
    ("ftp://lrs.example.org", "starting with https://"),
    ("lrs.example.org/xAPI", "starting with https://"),
    ("https://cadre:pw@lrs.example.org/xAPI", "Give the address alone"),
    ("https://lrs.example.org/xAPI?x=1", "Give the address alone"),
    ("https://lrs.example.org/xAPI/é", "non-ASCII"),  # http.client could not send it
    ("https://lrs.exämple.org/xAPI", "non-ASCII"),
    ("https://lrs.example.org/x API", "no spaces"),
    ("https://lrs.example.org/x\tAPI", "no spaces"),
]


def test_endpoints_cadre_will_not_send_to(client, auth, publisher):
    _, people = publisher
    auth.login(people["admin"].email)
    for endpoint, message in REFUSED:
        response = client.post(PAGE, data={**SETTINGS, "endpoint": endpoint})
        assert response.status_code == 400 and message in text_of(response), endpoint
    assert saved_store() is None


def test_csrf_protects_the_form(database_url):
    with signed_in_with_csrf(database_url) as (_app, client, user):
        org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
        db.session.commit()
        orgs.set_role(org, user, "admin")
        db.session.commit()
        assert client.post(PAGE, data=SETTINGS).status_code == 400
        assert saved_store() is None
        token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
        assert client.post(PAGE, data={**SETTINGS, "csrf_token": token}).status_code == 302
        assert saved_store() is not None


def test_a_password_sealed_under_another_key_cannot_be_read_until_the_key_is_a_fallback(app):
    sealed = seal("s3cret")
    app.config["SECRET_KEY"] = "another-key-of-at-least-32-characters!!"
    with pytest.raises(Unreadable):
        unseal(sealed)
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key"]
    assert unseal(sealed) == "s3cret"


def fake_dns(monkeypatch, *ips: str) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        return [(2 if ":" not in ip else 10, 1, 6, "", (ip, port)) for ip in ips]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "ip",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254
        "64:ff9b::808:808",  # NAT64, even to a public address: the gateway is the operator's
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
        "2002:a9fe:a9fe::",  # 6to4
        "2002:0a00:0001::1",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",
    ],
)
def test_ipv6_addresses_that_carry_an_ipv4_one_are_refused(monkeypatch, ip):
    assert not addresses.is_public(ip)
    fake_dns(monkeypatch, ip)
    assert addresses.endpoint_problem("https://lrs.example.org/xAPI", production=True) is not None


def test_public_ipv6_addresses_are_still_accepted():
    assert addresses.is_public("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert addresses.is_public("::ffff:93.184.215.14")


@pytest.mark.parametrize(
    "ips",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("192.168.1.10",),
        ("172.16.0.1",),
        ("169.254.169.254",),  # a cloud's metadata service
        ("100.64.0.1",),  # carrier-grade NAT
        ("0.0.0.0",),  # noqa: S104 - an address refused, not bound to
        ("::1",),
        ("fe80::1",),
        ("fd00::1",),
        ("::ffff:10.0.0.1",),
        ("93.184.215.14", "10.0.0.1"),  # one private address is enough to refuse
    ],
)
def test_in_production_only_public_addresses_are_allowed(monkeypatch, ips):
    fake_dns(monkeypatch, *ips)
    assert addresses.endpoint_problem("https://lrs.example.org/xAPI", production=True) is not None
    with pytest.raises(addresses.RefusedAddress):
        addresses.public_connection(("lrs.example.org", 443), timeout=1)


def test_in_production_a_public_https_endpoint_is_accepted(monkeypatch):
    fake_dns(monkeypatch, "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert addresses.endpoint_problem("https://lrs.example.org/xAPI", production=True) is None
    assert "https://" in str(addresses.endpoint_problem("http://localhost:8100/xAPI", production=True))


def test_in_production_a_publisher_store_on_this_machine_is_not_even_connected_to(app, publisher):
    """The check is made again at each connection (a name may later resolve elsewhere)."""
    org, _ = publisher
    store = services.save_store(org, "https://127.0.0.1:9/xAPI", "cadre", "pw")
    db.session.commit()
    with pytest.raises(services.client.StoreError, match="non-public"):
        services.check_store(store, production=True)


def test_in_production_a_publisher_store_over_plain_http_is_not_even_connected_to(app, publisher):
    org, _ = publisher
    store = services.save_store(org, "http://lrs.example.org/xAPI", "cadre", "pw")
    db.session.commit()
    with pytest.raises(services.client.StoreError, match="https"):
        services.check_store(store, production=True)


def test_a_saved_address_http_client_cannot_send_is_an_error_not_a_crash(client, auth, publisher):
    """An address saved before it was refused (or written to the database by hand)."""
    org, people = publisher
    services.save_store(org, "http://127.0.0.1:9/xAPI/é", "cadre", "pw")
    db.session.commit()
    auth.login(people["admin"].email)
    response = client.post(f"{PAGE}/test", follow_redirects=True)
    assert response.status_code == 200
    assert "The store could not be reached or refused the connection: invalid address" in text_of(response)
