"""Cadre: an application factory and nothing else worth importing from here."""

import os

from flask import Flask

from app.config import (
    check_production_config,
    defaults,
    ensure_local_secret,
    ensure_local_signing_key,
    from_environment,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the Cadre application."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        from_environment(app.config)
    else:
        app.config.from_mapping(test_config)
    check_production_config(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    ensure_local_secret(app.config, app.instance_path)
    ensure_local_signing_key(app.config, app.instance_path)

    from app import errors, i18n, security, templating
    from app.extensions import csrf, db, forget_reading_request, login_manager, migrate, note_reading_request

    # First of all: whether this request only reads decides how its SQLite transactions begin.
    app.before_request(note_reading_request)
    app.teardown_request(forget_reading_request)
    db.init_app(app)
    # Batch mode lets later migrations alter tables on SQLite, which copies tables to change them.
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)

    from app import cli, help_pages, legal, nav
    from app.accounts import routes as accounts
    from app.catalog import routes as catalog
    from app.certificates import routes as certificates
    from app.learning import routes as learning
    from app.publishing import routes as publishing
    from app.publishing import statistics_routes as publishing_statistics
    from app.schools import routes as schools

    for module in (accounts, catalog, learning, certificates, schools, publishing, publishing_statistics):
        app.register_blueprint(module.bp)
    # Addresses people type for these pages, which live under /account.
    for address, endpoint in (("/login", "accounts.login"), ("/register", "accounts.register")):
        app.add_url_rule(address, f"typed{address}", accounts.typed(endpoint))
    app.register_blueprint(legal.bp)
    app.register_blueprint(help_pages.bp)
    from app.credentials import routes as credentials  # Open Badges: issuer keys, revocation list

    app.register_blueprint(credentials.bp)
    nav.init_app(app)  # the header's links to Teaching and the workspaces
    from app.publishing import guide

    app.register_blueprint(guide.bp)
    from app.publishing import image_routes

    app.register_blueprint(image_routes.bp)
    from app.accounts import me
    from app.admin import routes as admin

    app.register_blueprint(me.bp)
    app.register_blueprint(admin.bp)
    from app.notifications import routes as notifications
    from app.notifications.cli import notifications as notifications_cli

    app.register_blueprint(notifications.bp)
    app.cli.add_command(notifications_cli)
    from app.record import routes as learning_record
    from app.record.cli import record as record_cli

    app.register_blueprint(learning_record.bp)
    app.cli.add_command(record_cli)
    from app.lrs import routes as record_stores

    app.register_blueprint(record_stores.bp)  # also `flask lrs send`
    from app.attestation import routes as attestation  # training bodies' certificates of completion

    app.register_blueprint(attestation.bp)
    from app.lti import cookies as lti_cookies
    from app.lti import routes as lti  # LTI 1.3: Cadre inside a school's own platform

    app.register_blueprint(lti.bp)
    from app.lti.cli import lti as lti_cli

    app.cli.add_command(lti_cli)
    app.session_interface = lti_cookies.SessionInterface()
    from app import limits

    limits.init_app(app)  # after the blueprints: it wraps the views marked @throttled
    from app import page_cache

    page_cache.init_app(app)
    cli.init_app(app)
    from app import jobs

    app.wsgi_app = jobs.RunAfterResponse(app.wsgi_app)  # jobs queued without Redis: once the page is sent
    return app
