"""The signed-in floor: the least a signed-in page costs on Cadre's stack (bench/run.py).

Issue 16 measured "a page that renders Jinja with a signed session and three ORM queries" at about
a quarter of hello world's speed. This is that page, on the same extensions as Cadre (Flask-Login,
Flask-WTF's CSRF token, Flask-Babel's gettext with Cadre's French catalogue, Flask-SQLAlchemy,
Jinja) and the benchmark's own database: the user loaded from the signed session, two more ORM
queries (the learner's latest progress, a course), and a template extending a small layout with a
header (links, the person's name, a form with its token), translated strings and a footer.
Nothing else: no throttling, security headers, notifications, page cache or time zones. A Cadre
page does all of this and more.

``GET /sign-in?email=…`` signs anyone in without a password: this app exists only for the
benchmark, served on 127.0.0.1 against the database it has just seeded.
"""

import os
from pathlib import Path

from flask import Flask, abort, redirect, render_template, request
from flask_babel import Babel
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from flask_wtf.csrf import generate_csrf
from jinja2 import DictLoader
from sqlalchemy import String, bindparam, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(UserMixin, db.Model):
    """A few columns of Cadre's users."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(120))


class Progress(db.Model):
    __tablename__ = "module_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int]
    module_id: Mapped[int]
    last_activity_at: Mapped[str]  # as stored; the floor does not format dates


class Course(db.Model):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))


LAYOUT = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>{% block title %}{% endblock %} · Cadre</title>
<link rel="stylesheet" href="{{ url_for('static', filename='app.css') }}"></head>
<body>
<header>
  <a href="{{ url_for('page') }}">{{ _("Skip to content") }}</a>
  <nav aria-label="{{ _('Main') }}">
    <a href="{{ url_for('page') }}">{{ _("Courses") }}</a>
    <a href="{{ url_for('page') }}">{{ _("Dashboard") }}</a>
    <a href="{{ url_for('page') }}">{{ _("Notifications") }}</a>
    <a href="{{ url_for('page') }}">{{ current_user.full_name }}</a>
  </nav>
  <form method="post" action="{{ url_for('page') }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <button>{{ _("Sign out") }}</button>
  </form>
</header>
<main id="content">{% block content %}{% endblock %}</main>
<footer><a href="{{ url_for('page') }}">{{ _("Legal notice") }}</a>
  <a href="{{ url_for('page') }}">{{ _("Privacy") }}</a>
  <a href="{{ url_for('page') }}">{{ _("Accessibility") }}</a></footer>
</body></html>
"""
PAGE = """{% extends "layout.html" %}
{% block title %}{{ course.title }}{% endblock %}
{% block content %}
<h1>{{ course.title }}</h1>
<p>{{ _("Your latest activity") }}</p>
<ul>{% for row in progress %}<li>{{ row.module_id }} · {{ row.last_activity_at }}</li>{% endfor %}</ul>
{% endblock %}
"""

_USER = select(User).where(User.id == bindparam("id"))
_PROGRESS = (
    select(Progress)
    .where(Progress.user_id == bindparam("user"))
    .order_by(Progress.last_activity_at.desc())
    .limit(5)
)
_COURSE = select(Course).where(Course.slug.is_not(None)).order_by(Course.id).limit(1)

# Cadre's own catalogue, so that each _() looks a French translation up as Cadre's pages do.
TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


app = Flask(__name__, static_folder=None)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],  # normalised by bench/run.py
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
)
app.jinja_loader = DictLoader({"layout.html": LAYOUT, "page.html": PAGE})
db.init_app(app)
CSRFProtect(app)
Babel(app, locale_selector=lambda: "fr", default_translation_directories=str(TRANSLATIONS))
login = LoginManager(app)
app.add_url_rule("/static/<path:filename>", "static", lambda filename: abort(404))


@login.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.scalar(_USER, {"id": int(user_id)})


@app.get("/sign-in")
def sign_in():
    user = db.session.scalar(select(User).where(User.email == request.args.get("email", "")))
    if user is None:
        abort(404)
    login_user(user)
    generate_csrf()  # the session keeps its token now, as Cadre's does from its login form
    return redirect("/")


@app.get("/")
@login_required
def page():
    progress = db.session.scalars(_PROGRESS, {"user": current_user.id}).all()
    return render_template("page.html", course=db.session.scalar(_COURSE), progress=progress)
