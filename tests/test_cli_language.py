"""Every command of Cadre's command line speaks French or English (app.cli_language): --lang, else
the locale variables (LC_ALL, LC_MESSAGES, LANG), else English; output for scripts stays as it is.

Like tests/test_cli_errors.py these tests use ``cli_app`` (an app context, no request), as under a
real ``flask --app wsgi …``. The French expected here is the catalogue's: most of these tests need
the French of the command line's messages in messages.po and compiled (``make translations``).
"""

import re

import click
import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.accounts.models import User
from app.cli_language import command_language, confirm, environment_language, localised
from app.extensions import db
from app.models_base import utcnow
from tests.admin.test_cli import certificate  # noqa: F401 - a fixture
from tests.conftest import PASSWORD
from tests.learning.test_statistics import answer, quizzes  # noqa: F401 - quizzes: a fixture

NBSP, NNBSP = "\u00a0", "\u202f"  # before « : » and inside « »; before ; ? ! and %
NO_LANGUAGE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
FRENCH_SYSTEM = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_FR.UTF-8"}
NOT_CADRE = {"db"}  # Flask-Migrate's: not ours to translate


@pytest.fixture
def run(cli_app):
    """``run(("user", "list"), "--admins", lang="fr", env=FRENCH_SYSTEM)``: --lang goes right after
    the command's name (before a ``--`` that may follow)."""
    runner = cli_app.test_cli_runner()

    def invoke(command: tuple[str, ...], *args: str, lang: str | None = None, env=None, input=None):
        chosen = ["--lang", lang] if lang else []
        result = runner.invoke(args=[*command, *chosen, *args], env=env or NO_LANGUAGE, input=input)
        db.session.expire_all()  # the command committed in a session of its own
        return result

    return invoke


def leaves(group: click.Group, path: str = ""):
    """Every command under group, with its full name (``user create``)."""
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            yield from leaves(command, f"{path}{name} ")
        else:
            yield f"{path}{name}", command


def test_every_command_has_the_lang_option(cli_app):
    """@localised on every command of Cadre, those added later included."""
    found = dict(leaves(cli_app.cli))
    assert {"content stats", "user create", "org create", "certificate revoke", "audit purge"} <= set(found)
    assert {"jobs worker", "notifications tick", "backup", "restore"} <= set(found)
    for name, command in found.items():
        if name.split()[0] in NOT_CADRE:
            continue
        lang = [p for p in command.params if p.name == "lang"]
        assert len(lang) == 1, f"flask {name}: no --lang (app.cli_language.localised)"
        assert lang[0].is_eager and list(lang[0].type.choices) == ["fr", "en"], name


@pytest.mark.parametrize(
    ("lang", "environ", "expected"),
    [
        ("fr", {"LANG": "en_GB.UTF-8"}, "fr"),
        ("en", {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"LC_MESSAGES": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_the_language_is_lang_then_the_locale_variables_then_english(monkeypatch, lang, environ, expected):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert command_language(lang) == expected
    if lang is None:
        assert environment_language(environ) == (None if expected == "en" else expected)


# One command of each group, with what it says in French and in English; each may run again and
# again with the same answer.
SAID = [
    pytest.param(
        ("content", "stats"),
        ("inconnu",),
        f"aucun cours «{NBSP}inconnu{NBSP}»",
        "no course 'inconnu'",
        id="stats",
    ),
    pytest.param(
        ("user", "enable"),
        ("nobody@example.org",),
        f"aucun compte avec l’adresse e-mail «{NBSP}nobody@example.org{NBSP}»",
        "no account with the e-mail 'nobody@example.org'",
        id="user",
    ),
    pytest.param(("user", "list"), (), "0 compte", "0 accounts", id="user-list"),
    pytest.param(
        ("org", "add-member"),
        ("nope", "zoe@example.org"),
        f"aucune organisation «{NBSP}nope{NBSP}»",
        "no organisation 'nope'",
        id="org",
    ),
    pytest.param(
        ("certificate", "reinstate"),
        ("--", "-nope"),
        f"aucun certificat avec le code «{NBSP}-nope{NBSP}»",
        "no certificate with the code '-nope'",
        id="certificate",
    ),
    pytest.param(
        ("audit", "purge"),
        (),
        "0 événement de plus de 365 jours supprimé",
        "0 events older than 365 days deleted",
        id="audit",
    ),
    pytest.param(
        ("audit", "export"),
        ("--since", "hier"),
        f"«{NBSP}hier{NBSP}» n’est pas une date comme 2026-12-01",  # an option's callback: translated too
        "'hier' is not a date like 2026-12-01",
        id="audit-export",
    ),
    pytest.param(
        ("jobs", "failed"),
        (),
        f"REDIS_URL n’est pas défini{NBSP}: les tâches s’exécutent dans le processus web",
        "REDIS_URL is not set: jobs run inside the web process",
        id="jobs",
    ),
    pytest.param(
        ("notifications", "tick"),
        (),
        "0 rappel d’échéance, 0 résumé hebdomadaire, 0 e-mail remis en file d’attente,"
        " 0 ancienne notification supprimée, 0 ancienne invitation à une classe supprimée.",
        "0 due-date reminders, 0 weekly digests, 0 e-mails queued again, 0 old notifications deleted,"
        " 0 old class invitations deleted.",
        id="notifications",
    ),
    pytest.param(
        ("backup",),
        ("--if-upgrade-pending",),
        f"Pas de sauvegarde nécessaire{NBSP}: aucune base de données existante n’a de migration en attente.",
        "No backup needed: no existing database has a migration pending.",
        id="backup",
    ),
    pytest.param(
        ("restore",),
        ("/nonexistent/cadre.sqlite",),
        f"/nonexistent/cadre.sqlite{NBSP}: fichier introuvable",
        "/nonexistent/cadre.sqlite: no such file",
        id="restore",
    ),
]


@pytest.mark.parametrize(("command", "args", "french", "english"), SAID)
def test_each_group_speaks_french_when_asked_and_english_by_default(run, command, args, french, english):
    if command == ("restore",) and db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("restore answers PostgreSQL with the pg_restore command, whatever the file")
    asked = run(command, *args, lang="fr")
    assert french in asked.output and english not in asked.output, asked.output
    from_terminal = run(command, *args, env=FRENCH_SYSTEM)  # LANG=fr_FR.UTF-8, no --lang
    assert (from_terminal.output, from_terminal.exit_code) == (asked.output, asked.exit_code)

    default = run(command, *args)  # no --lang, a terminal that asks for no language
    assert english in default.output and french not in default.output, default.output
    assert default.exit_code == asked.exit_code
    assert run(command, *args, lang="en", env=FRENCH_SYSTEM).output == default.output  # --lang wins


def find(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_user_commands_in_french(run):
    create = ("user", "create")
    result = run(
        create, "zoe@example.org", "--name", "Zoé Lefèvre", "--password-stdin", lang="fr", input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert f"zoe@example.org{NBSP}: compte créé pour Zoé Lefèvre\n" in result.output
    result = run(("user", "set-admin"), "zoe@example.org", env=FRENCH_SYSTEM)
    assert "zoe@example.org est désormais administrateur du site" in result.output
    result = run(("user", "disable"), "zoe@example.org", "--reason", "essai", lang="fr")
    assert f"zoe@example.org{NBSP}: compte désactivé{NNBSP}; il ne peut plus se connecter" in result.output

    listed = run(("user", "list"), lang="fr")  # the lines for scripts do not change with the language
    assert listed.stdout.startswith("zoe@example.org\tZoé Lefèvre\tadmin\tdisabled 20")
    assert listed.stderr == "1 compte\n"
    assert run(("user", "list")).stdout == listed.stdout


def test_user_create_asks_for_the_password_in_french(run):
    typed = f"{PASSWORD}\nautre chose entièrement\n{PASSWORD}\n{PASSWORD}\n"
    result = run(("user", "create"), "zoe@example.org", "--name", "Zoé Lefèvre", lang="fr", input=typed)
    assert result.exit_code == 0, result.output
    assert f"Mot de passe{NBSP}: \nRépétez le mot de passe{NBSP}: \n" in result.output
    assert f"Erreur{NBSP}: les deux mots de passe ne sont pas identiques." in result.output
    assert find("zoe@example.org").check_password(PASSWORD)


def test_the_rules_own_messages_follow_the_command_language(run):
    """The account and organisation rules' own messages (already in the catalogue) follow it too."""
    args = ("zoe@example.org", "--name", "Zoé Lefèvre", "--password-stdin")
    refused = run(("user", "create"), *args, lang="fr", input="court\n")
    assert "Choisissez un mot de passe d’au moins 10 caractères." in refused.output
    assert "Choose a password" in run(("user", "create"), *args, input="court\n").output

    assert run(("org", "create"), "ecole-a", "École A").exit_code == 0
    again = run(("org", "create"), "ecole-a", "Encore", env=FRENCH_SYSTEM)
    assert again.exit_code == 1 and "Une organisation porte déjà ce nom court." in again.output


def test_org_commands_in_french(run, make_user_in_cli):
    result = run(("org", "create"), "ecole-a", "École A", lang="fr")
    assert f"ecole-a{NBSP}: créée (school, École A)" in result.output  # the kind as --type spells it
    make_user_in_cli("olga@example.org")
    result = run(("org", "add-member"), "ecole-a", "olga@example.org", "--role", "teacher", env=FRENCH_SYSTEM)
    assert "olga@example.org a le rôle enseignant dans l’organisation ecole-a" in result.output
    result = run(("org", "add-member"), "ecole-a", "olga@example.org", "--role", "editor", lang="fr")
    assert f"le rôle doit être l’un de ceux-ci{NBSP}: admin, teacher" in result.output


@pytest.fixture
def make_user_in_cli(cli_app):
    def factory(email: str) -> User:
        user = User(full_name="Olga", email=email, email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


def test_certificate_commands_in_french(run, certificate):  # noqa: F811
    code = certificate.code
    result = run(("certificate", "revoke"), "--reason", "Erreur de saisie", "--", code, lang="fr")
    assert result.exit_code == 0, result.output
    assert f"{code}{NBSP}: révoqué (Erreur de saisie)" in result.output
    refused = run(("certificate", "revoke"), "--reason", "encore", "--", code, env=FRENCH_SYSTEM)
    assert refused.exit_code == 1 and "Ce certificat est déjà révoqué." in refused.output  # the rules' own
    result = run(("certificate", "reinstate"), "--", code, lang="fr")
    assert f"{code}{NBSP}: de nouveau valide" in result.output


def test_content_stats_in_french(quizzes, course, runner):  # noqa: F811
    answer(quizzes, 0, 40)
    result = runner.invoke(args=["content", "stats", "voix-et-ia", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"voix-et-ia{NBSP}: version 1 (actuelle{NBSP}: 1{NNBSP}; réponses dans les versions{NBSP}: 1)"
    )
    assert lines[1].startswith(f"Les lignes de question commencent par [clé]{NNBSP};")
    header = next(line for line in lines if line.startswith("#"))
    assert header.split() == ["#", "Question", "/", "option", "Posée", "Réussite", "Discr.", "Alertes"]
    row = next(line for line in lines if "[piege]" in line)
    assert re.search(f" 40 +45{NNBSP}% +-0,60  ", row), row  # French numbers
    assert row.index("-0,60") + len("-0,60") == header.index("Discr.") + len("Discr.")  # still aligned
    assert row.endswith(
        f"Discrimination négative{NBSP}: les apprenants qui réussissent ailleurs la manquent plus souvent"
    )
    assert any("C [ ] Une licence libre" in line and "presque jamais choisie" in line for line in lines)
    assert f"{course.title} (test final)" in lines
    english = runner.invoke(args=["content", "stats", "voix-et-ia"]).output
    assert "Discrimination négative" not in english and "45%" in english and "-0.60" in english


@click.command("ask")
@localised
def ask() -> None:
    confirm(
        gettext("Replace the content of %(live)s with %(backup)s?", live="live.sqlite", backup="copy.sqlite")
    )
    click.echo("replaced")


@pytest.mark.parametrize(
    ("lang", "answer_typed", "done"),
    [
        ("fr", "o", True),
        ("fr", "Oui", True),
        ("fr", "y", True),
        ("fr", "n", False),
        ("fr", "", False),
        ("en", "y", True),
        ("en", "o", False),
    ],
)
def test_restore_asks_in_the_command_language(cli_app, lang, answer_typed, done):
    result = cli_app.test_cli_runner().invoke(ask, ["--lang", lang], input=f"{answer_typed}\n")
    question = {
        "fr": f"Remplacer le contenu de live.sqlite par celui de copy.sqlite{NNBSP}? [o/N] ",
        "en": "Replace the content of live.sqlite with copy.sqlite? [y/N] ",
    }[lang]
    assert result.output.startswith(question)
    assert ("replaced" in result.output) is done and result.exit_code == (0 if done else 1)
