"""Review comments on a draft's modules: written on the reading page, resolved (and reopened) by the
editors, listed with a send-back, and kept in the history of the version they led to."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.orgs import services as orgs
from app.publishing import services
from app.publishing.models import CourseDraft, ReviewComment
from tests.conftest import PASSWORD, counted_statements, csrf_token_from, fresh_schema, make_app, text_of
from tests.publishing.test_workflow import (  # noqa: F401
    WS,
    as_,
    publish,
    published,
    publisher,
    upload,
    valid_files,
)

READ = f"{WS}/voix-et-ia/read"
DRAFT = f"{WS}/voix-et-ia"
MODULE = "courses/voix-et-ia/03-bonnes-pratiques.md"


def comment(client, module: str, body: str, **kwargs):
    return client.post(f"{WS}/voix-et-ia/comments/{module}", data={"body": body}, **kwargs)


def comments() -> list[ReviewComment]:
    return list(db.session.scalars(select(ReviewComment).order_by(ReviewComment.id)))


def in_review(client, auth, people) -> None:
    """The fixture course uploaded by the editor and submitted; the reviewer signed in."""
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")


def test_a_reviewer_comments_on_a_module_and_everyone_reads_it(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    page = text_of(client.get(READ))
    assert "0 open comments." in page
    for slug in ("cadre-legal", "consentement", "bonnes-pratiques"):
        assert f'action="{WS}/voix-et-ia/comments/{slug}"' in page
        assert f'<label for="comment-body-{slug}">' in page
    response = comment(client, "consentement", "Première ligne <script>x</script>\nDeuxième ligne")
    assert response.status_code == 302 and response.location.endswith(f"{READ}#comments-consentement")
    as_(auth, people, "editor")
    page = client.get(READ).get_data(as_text=True)
    assert "1 open comment." in page and 'href="#comments-consentement"' in page
    assert "Reviewer Syndicat" in page and "<time datetime=" in page
    # Escaped, with its line break kept by the stylesheet (pre-wrap), never marked safe.
    assert "Première ligne &lt;script&gt;x&lt;/script&gt;\nDeuxième ligne" in page
    assert "<script>x" not in page
    assert "earlier version of the module" not in page


def test_empty_long_or_misplaced_comments_are_refused(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    page = text_of(comment(client, "consentement", "   ", follow_redirects=True))
    assert "Write a comment first." in page
    # The server says it, in the reader's language, not the browser's bubble (French walk).
    assert '<form method="post" novalidate action="/workspace/' in page
    too_long = text_of(comment(client, "consentement", "x" * 2001, follow_redirects=True))
    assert "A comment may hold at most 2,000 characters." in too_long
    gone = text_of(comment(client, "no-such-module", "Hello", follow_redirects=True))
    assert "This module is no longer in the draft." in gone
    assert comments() == []
    assert comment(client, "consentement", "x" * 2000).status_code == 302
    assert len(comments()) == 1


def test_a_comment_on_a_changed_module_says_so(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    comment(client, "bonnes-pratiques", "Ajouter un exemple de registre.")
    comment(client, "consentement", "Parfait.")
    files = valid_files()
    files[MODULE] = files[MODULE].replace("Tenez un registre", "Tenez à jour un registre")
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = text_of(client.get(READ))
    assert page.count("This comment is about an earlier version of the module.") == 1
    stale = page.index("This comment is about an earlier version")
    assert page.index('id="comments-bonnes-pratiques"') < stale < page.index("Ajouter un exemple")
    # Moving a module renames its file, but it is the same text: its comments stay current.
    client.post(f"{WS}/voix-et-ia/modules/consentement/up")
    assert text_of(client.get(READ)).count("earlier version of the module") == 1


def test_the_editor_or_the_author_resolves_and_resolved_ones_fold(client, auth, publisher, make_user):  # noqa: F811
    org, _, people = publisher
    second = make_user("Rose Relectrice", "rose@syndicat.example")
    orgs.set_role(org, second, "reviewer")
    db.session.commit()
    in_review(client, auth, people)
    comment(client, "consentement", "Un")
    comment(client, "cadre-legal", "Deux")
    first, other = comments()
    auth.logout()
    auth.login(second.email)
    page = text_of(client.get(READ))
    assert page.count("Mark as resolved") == 0  # not hers, and she does not edit
    assert client.post(f"{WS}/voix-et-ia/comments/{first.id}/resolve").status_code == 403
    as_(auth, people, "reviewer")
    assert text_of(client.get(READ)).count("Mark as resolved") == 2  # her own
    assert client.post(f"{WS}/voix-et-ia/comments/{first.id}/resolve").status_code == 302
    as_(auth, people, "editor")
    response = client.post(f"{WS}/voix-et-ia/comments/{other.id}/resolve", follow_redirects=True)
    assert "Comment resolved." in text_of(response)
    db.session.expire_all()
    assert [c.resolved_by_id for c in comments()] == [people["reviewer"].id, people["editor"].id]
    page = text_of(client.get(READ))
    assert "0 open comments." in page and "Mark as resolved" not in page
    assert page.count("1 resolved comment</summary>") == 2
    assert "Resolved by Editor Syndicat" in page
    # Resolving again (a second tab) changes nothing and refuses no one.
    assert client.post(f"{WS}/voix-et-ia/comments/{other.id}/resolve").status_code == 302


def reopen(client, comment_id: int, **kwargs):
    return client.post(f"{WS}/voix-et-ia/comments/{comment_id}/reopen", **kwargs)


def test_a_resolved_comment_is_reopened_and_is_open_again(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un")
    (written,) = comments()
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    page = text_of(client.get(READ))
    assert "0 open comments." in page and page.count(">Reopen</button>") == 1
    response = reopen(client, written.id)
    assert response.status_code == 302 and response.location.endswith(f"{READ}#comments-consentement")
    assert "Comment reopened." in text_of(client.get(response.location))
    db.session.expire_all()
    assert (written.resolved_at, written.resolved_by_id) == (None, None)
    page = text_of(client.get(READ))
    assert "1 open comment." in page and "Mark as resolved" in page
    assert "Reopen" not in page and "resolved comment" not in page
    # Reopening again (a second tab) changes nothing and refuses no one; it resolves again.
    assert reopen(client, written.id).status_code == 302
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    db.session.expire_all()
    assert written.resolved_by_id == people["reviewer"].id


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 302),
        ("editor", 302),
        ("reviewer", 302),  # who wrote it
        ("second_reviewer", 403),  # neither wrote it nor edits the course
        ("member", 403),
        ("outsider", 404),
        ("other_editor", 404),
    ],
)
def test_who_may_reopen_a_comment(client, auth, publisher, make_user, role, status):  # noqa: F811
    org, _, people = publisher
    people["second_reviewer"] = make_user("Rose Relectrice", "rose@syndicat.example")
    orgs.set_role(org, people["second_reviewer"], "reviewer")
    db.session.commit()
    in_review(client, auth, people)
    comment(client, "consentement", "Un")
    (written,) = comments()
    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    as_(auth, people, role)
    page = client.get(READ)
    if page.status_code == 200:  # the button is offered to those who may use it only
        assert text_of(page).count(">Reopen</button>") == (1 if status == 302 else 0)
    assert reopen(client, written.id).status_code == status
    db.session.expire_all()
    assert (written.resolved_at is None) == (status == 302)


def test_reopening_needs_an_account_and_the_comments_own_draft(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un")
    (written,) = comments()
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    as_(auth, people, "editor")
    other = {p.replace("voix-et-ia", "autre-cours"): t for p, t in valid_files().items()}
    services.save_files(org, "autre-cours", other, people["editor"])
    db.session.commit()
    assert client.post(f"{WS}/autre-cours/comments/{written.id}/reopen").status_code == 404
    assert reopen(client, 999).status_code == 404
    auth.logout()
    response = reopen(client, written.id)
    assert response.status_code == 302 and "/account/login" in response.location
    db.session.expire_all()
    assert written.resolved_at is not None


def test_a_published_versions_resolved_comments_stay_resolved(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Remarque du premier tour.")
    (written,) = comments()
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    publish(client)
    response = reopen(client, written.id, follow_redirects=True)
    assert "belongs to the review of a published version: it stays resolved." in text_of(response)
    db.session.expire_all()
    assert written.resolved_at is not None
    assert '<li class="comment comment-resolved">' in text_of(client.get(f"{WS}/voix-et-ia/versions/1"))


ROLES = [("admin", 302), ("editor", 302), ("reviewer", 302), ("member", 403), ("outsider", 404)]


@pytest.mark.parametrize(("role", "status"), [*ROLES, ("other_editor", 404)])
def test_who_may_comment(client, auth, publisher, role, status):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    as_(auth, people, role)
    assert comment(client, "consentement", "Un avis").status_code == status
    assert client.get(READ).status_code == (200 if status == 302 else status)
    assert len(comments()) == (1 if status == 302 else 0)


def test_signed_out_visitors_are_sent_to_log_in(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    auth.logout()
    assert comment(client, "consentement", "Anonyme").status_code == 302
    assert client.post(f"{WS}/voix-et-ia/comments/{comments()[0].id}/resolve").status_code == 302
    assert len(comments()) == 1 and comments()[0].resolved_at is None


def test_a_comment_is_resolved_only_through_its_own_draft(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    as_(auth, people, "editor")
    other = {p.replace("voix-et-ia", "autre-cours"): t for p, t in valid_files().items()}
    services.save_files(org, "autre-cours", other, people["editor"])
    db.session.commit()
    assert client.post(f"{WS}/autre-cours/comments/{comments()[0].id}/resolve").status_code == 404
    assert client.post(f"{WS}/voix-et-ia/comments/999/resolve").status_code == 404


def test_the_draft_and_module_pages_count_open_comments_and_a_send_back_lists_them(
    client,
    auth,
    publisher,  # noqa: F811
):
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Citer l’article 9 du Code civil.")
    comment(client, "cadre-legal", "La question 2 est ambiguë.")
    page = text_of(client.get(DRAFT))
    assert f'href="{READ}#open-comments">2 open review comments</a>' in page
    assert "2 open comments on the modules go with it." in page
    # Publishing anyway is asked with what is still open (the UX walk of session 40).
    asked = "Publish this version? Learners will see it at once. 2 comments are still open."
    assert f'data-confirm="{asked}' in page
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Voir mes remarques sur deux modules."})
    as_(auth, people, "editor")
    page = text_of(client.get(DRAFT))
    card = page.split("Sent back by the reviewer", 1)[1].split("</div>", 1)[0]
    assert "Voir mes remarques sur deux modules." in card  # the whole-draft comment stays
    # Submitting again while they are open is asked first (the UX walk of 6 December 2026).
    assert 'data-confirm="2 review comments are still open. Submit for review anyway?"' in page
    draft = db.session.scalar(select(CourseDraft))
    # Whose it is and when; each module comment names its module by the title editors gave it.
    when = draft.sent_back_at.isoformat(timespec="seconds")
    assert f'<strong>Reviewer Syndicat</strong> · <time datetime="{when}">' in card
    name = '<span lang="fr">Recueillir le consentement</span>'
    assert f'href="{READ}#comments-consentement">{name}</a>' in card
    assert "Citer l’article 9 du Code civil." in card and "La question 2 est ambiguë." in card
    module_page = text_of(client.get(f"{WS}/voix-et-ia/modules/consentement"))
    assert f'href="{READ}#comments-consentement">1 open review comment on this module</a>' in module_page
    client.post(f"{WS}/voix-et-ia/comments/{comments()[0].id}/resolve")
    assert "open review comment" not in text_of(client.get(f"{WS}/voix-et-ia/modules/consentement"))
    assert "1 open review comment</a>" in text_of(client.get(DRAFT))


def test_a_published_versions_comments_stay_in_its_history(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Remarque du premier tour.")
    publish(client)
    version = text_of(client.get(f"{WS}/voix-et-ia/versions/1"))
    assert "Remarque du premier tour." in version
    # Who did what, and the module by its title (the UX walk read a slug and no names).
    assert "<p>Submitted for review by Editor Syndicat, published by Reviewer Syndicat.</p>" in version
    assert '<p class="comment-meta"><span lang="fr">Recueillir le consentement</span> · <strong>' in version
    assert re.search(r">Version 1</a> · [^<]+ · Reviewer Syndicat</li>", text_of(client.get(DRAFT)))
    # Its pages name the course by its title, in the course's language, not by its short name.
    assert '<a href="/workspace/syndicat/voix-et-ia" lang="fr">La voix et l\'IA</a>' in version
    page = text_of(client.get(READ))
    assert "<title>Read the draft · La voix et l'IA · Cadre</title>" in page
    assert "Remarque du premier tour." not in page and "0 open comments." in page  # a new round
    files = valid_files()
    files[MODULE] = files[MODULE].replace("Tenez un registre", "Tenez à jour un registre")
    services.save_files(org, "voix-et-ia", files, people["editor"])
    services.submit(db.session.scalar(select(CourseDraft)), people["editor"])
    db.session.commit()
    comment(client, "bonnes-pratiques", "Remarque du second tour.")
    publish(client)
    second = text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    assert "Remarque du second tour." in second and "Remarque du premier tour." not in second
    assert "Remarque du second tour." not in text_of(client.get(f"{WS}/voix-et-ia/versions/1"))


def test_discarding_a_draft_never_published_takes_its_comments(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    comment(client, "consentement", "Un avis")
    client.post(f"{WS}/voix-et-ia/discard")
    assert db.session.scalar(select(func.count(ReviewComment.id))) == 0
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0


def test_the_reading_page_reads_every_comment_in_one_query(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un")
    with counted_statements() as statements:
        client.get(READ)  # the first page after logging in does a little more
        statements.clear()
        client.get(READ)
        few = len(statements)
        for n in range(12):
            as_(auth, people, ("editor", "reviewer", "admin")[n % 3])
            comment(client, ("cadre-legal", "consentement", "bonnes-pratiques")[n % 3], f"Avis {n}")
        as_(auth, people, "reviewer")
        client.post(f"{WS}/voix-et-ia/comments/{comments()[0].id}/resolve")
        statements.clear()
        page = text_of(client.get(READ))
    assert "12 open comments." in page
    # As many statements for thirteen comments as for one (give or take the header's unread
    # notifications), and one of them reads the comments.
    assert len(statements) <= few + 1, statements
    assert sum("review_comments" in s for s in statements) == 1


def test_a_comment_needs_the_forms_token(database_url):
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
        user = User(full_name="Rita Relectrice", email="rita@syndicat.example")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        orgs.set_role(org, user, "admin")
        services.save_files(org, "voix-et-ia", valid_files(), user)
        db.session.commit()
        client = app.test_client()
        token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
        client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert comment(client, "consentement", "Sans jeton").status_code == 400
        assert comments() == []
        token = csrf_token_from(client.get(READ).get_data(as_text=True))
        data = {"body": "Avec jeton", "csrf_token": token}
        assert client.post(f"{WS}/voix-et-ia/comments/consentement", data=data).status_code == 302
        assert [c.body for c in comments()] == ["Avec jeton"]
        resolve = f"{WS}/voix-et-ia/comments/{comments()[0].id}/resolve"
        assert client.post(resolve).status_code == 400
        assert client.post(resolve, data={"csrf_token": token}).status_code == 302
        reopen_url = resolve.replace("/resolve", "/reopen")
        assert client.post(reopen_url).status_code == 400
        assert comments()[0].resolved_at is not None
        assert client.post(reopen_url, data={"csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert comments()[0].resolved_at is None


FINAL = """---
pass_mark: 50
---
## Qui autorise l’usage de la voix ?

- [x] Le comédien
- [ ] Le studio

> Seul le comédien autorise l’usage de sa voix.
"""


def test_the_final_test_has_its_comments_too(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, {**valid_files(), "quizzes/voix-et-ia/final.md": FINAL})
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    assert '<label for="comment-body-final">Your comment on the final test</label>' in text_of(
        client.get(READ)
    )
    comment(client, "final", "Une seule question, c’est peu.")
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Voir le test final."})
    as_(auth, people, "editor")
    assert f'href="{READ}#comments-final">Final test</a>' in text_of(client.get(DRAFT))
    # The final test's editor counts them, as a module's does; the modules' pages do not.
    final_page = text_of(client.get(f"{WS}/voix-et-ia/final"))
    assert f'href="{READ}#comments-final">1 open review comment on the final test</a>' in final_page
    assert "open review comment" not in text_of(client.get(f"{WS}/voix-et-ia/modules/consentement"))
    client.post(f"{WS}/voix-et-ia/comments/{comments()[0].id}/resolve")
    assert "open review comment" not in text_of(client.get(f"{WS}/voix-et-ia/final"))


def test_learners_never_see_the_key_nor_the_comments(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "cadre-legal", "Une remarque interne.")
    publish(client)
    as_(auth, people, "member")
    for url in ("/courses/voix-et-ia/cadre-legal", "/courses/voix-et-ia/cadre-legal/quiz"):
        page = text_of(client.get(url))
        assert "Qu'est-ce que l'opt-out ?" in page or "Le cadre légal" in page
        assert "right answer</span>" not in page and "Une remarque interne." not in page
    assert client.get(READ).status_code == 403
    assert client.get(f"{WS}/voix-et-ia/versions/1").status_code == 403


def test_the_comparison_shows_the_changed_lines(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    published(client, auth, people)
    files = valid_files()
    files[MODULE] = files[MODULE].replace("Tenez un registre", "Tenez à jour un registre")
    course = "courses/voix-et-ia/course.md"
    files[course] = files[course].replace("clonage vocal", "clonage de la voix")
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = client.get(READ).get_data(as_text=True)
    assert "the course’s details or introduction changed" in text_of(client.get(READ))
    assert page.count("<summary>The changed lines</summary>") == 2  # course.md and the module
    assert "<del>-Tenez un registre" in page and "<ins>+Tenez à jour un registre" in page
    assert f"<code>{MODULE}</code>" in page and "<code>courses/voix-et-ia/course.md</code>" in page
    assert "<del>-" in page.split("bonnes-pratiques</strong>", 1)[1]


def test_the_same_comment_sent_twice_is_kept_once(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    for _ in range(2):  # a double click, a reloaded page
        assert "Comment added." in text_of(
            comment(client, "consentement", "Citez l'article.", follow_redirects=True)
        )
    assert [c.body for c in comments()] == ["Citez l'article."]
    comment(client, "consentement", "Citez l'article 9.")  # other words: another remark
    comment(client, "cadre-legal", "Citez l'article.")  # the same words on another module
    assert len(comments()) == 3


def test_a_comment_quotes_a_passage_and_says_when_the_module_no_longer_holds_it(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    page = text_of(client.get(READ))
    assert '<label for="comment-quote-bonnes-pratiques">The passage it is about (optional)</label>' in page
    assert (
        'data-quote-into="comment-quote-bonnes-pratiques"' in page and "Quote the selection</button>" in page
    )
    quoted = {
        "body": "Préciser la durée de conservation.",
        "quote": " « Tenez un registre\n des voix utilisées »  ",
    }
    client.post(f"{WS}/voix-et-ia/comments/bonnes-pratiques", data=quoted)
    client.post(f"{WS}/voix-et-ia/comments/bonnes-pratiques", data={**quoted, "body": "Et leur usage."})
    too_long = {"body": "Trop long.", "quote": "mot " * 100}
    refused = text_of(
        client.post(f"{WS}/voix-et-ia/comments/bonnes-pratiques", data=too_long, follow_redirects=True)
    )
    assert "A quoted passage may hold at most 300 characters." in refused
    assert [c.quote for c in comments()] == [
        "Tenez un registre des voix utilisées"
    ] * 2  # spaces and marks off
    page = text_of(client.get(READ))
    assert (
        '<blockquote class="comment-quote" lang="fr"><p>Tenez un registre des voix utilisées</p></blockquote>'
        in page
    )

    # The module changes elsewhere: the passage is still there.
    files = valid_files()
    files[MODULE] = files[MODULE] + "\nUn paragraphe de plus.\n"
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = text_of(client.get(READ))
    assert page.count("This comment is about an earlier version of the module.") == 2
    assert "no longer holds the passage quoted" not in page
    # The passage itself is rewritten: the page says it is gone.
    files[MODULE] = files[MODULE].replace("Tenez un registre", "Tenez à jour un registre")
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = text_of(client.get(READ))
    assert page.count("The module changed since, and no longer holds the passage quoted.") == 2
    # And the version's history keeps the passage with the comment.
    assert comments()[0].quote == "Tenez un registre des voix utilisées"


def test_passages_are_read_as_the_page_shows_them():
    from app.publishing.comments import plain_text

    html = "<p>Le <strong>consentement</strong> écrit&nbsp;:</p><ul><li>daté</li><li>signé</li></ul>"
    assert plain_text(html) == "Le consentement écrit : daté signé"  # as the selection, spaces collapsed


def test_a_quote_must_be_in_the_module_and_apostrophes_of_either_kind_match(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    post = f"{WS}/voix-et-ia/comments/cadre-legal"
    # Across two options of a question: not one passage of the page. What was typed comes back.
    refused = client.post(post, data={"body": "Mon remarque", "quote": "Une clause d'exclusivité Le refus"})
    assert refused.status_code == 400
    page = text_of(refused)
    assert "Your comment was not added. The passage is not in the module as the page shows it" in page
    assert "Une clause d'exclusivité Le refus</textarea>" in page and "Mon remarque</textarea>" in page
    assert comments() == []
    # Typed with a typographic apostrophe where the module has a straight one: the same words.
    client.post(post, data={"body": "Préciser.", "quote": "Le refus, exprimé par l’ayant droit"})
    client.post(post, data={"body": "Le titre ?", "quote": "Qu'est-ce que l'opt-out ?"})
    assert [c.quote for c in comments()] == [
        "Le refus, exprimé par l’ayant droit",
        "Qu'est-ce que l'opt-out ?",
    ]
    files = valid_files()
    files["quizzes/voix-et-ia/cadre-legal.md"] += "\n"
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    page = text_of(client.get(READ))
    assert page.count("This comment is about an earlier version of the module.") == 2
    assert "no longer holds the passage quoted" not in page
    # A draft with problems cannot be read: its comments are not said to have lost their passage.
    files["courses/voix-et-ia/course.md"] = "not front matter"
    services.save_files(org, "voix-et-ia", files, people["editor"])
    db.session.commit()
    assert "no longer holds the passage quoted" not in text_of(client.get(READ))


def test_the_reading_page_puts_a_modules_headings_under_its_title(client, auth, publisher):  # noqa: F811
    """The UX walk of session 40: a module's own headings were at its title's level (h2)."""
    _, _, people = publisher
    in_review(client, auth, people)
    page = text_of(client.get(READ))
    bodies = re.findall(r'<div class="prose">(.*?)</div>\s*(?:<section|<div lang)', page, re.S)
    assert bodies and any("<h3" in body for body in bodies)
    assert not any(re.search(r"<h[12][ >]", body) for body in bodies)
    assert re.search(r'<h2 id="module-consentement">', page)


def reply(client, comment_id: int, body: str, **kwargs):
    return client.post(f"{WS}/voix-et-ia/comments/{comment_id}/replies", data={"body": body}, **kwargs)


def test_the_editor_replies_to_a_comment_and_the_reviewer_answers(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Citez l'article du Code.")
    (written,) = comments()
    as_(auth, people, "editor")
    page = text_of(client.get(READ))
    assert f'<label for="reply-body-{written.id}">Your reply to Reviewer Syndicat</label>' in page
    response = reply(client, written.id, "Fait : L. 212-3 <b>du CPI</b>.")
    assert response.status_code == 302 and response.location.endswith(f"{READ}#comment-{written.id}")
    assert reply(client, written.id, "Fait : L. 212-3 <b>du CPI</b>.").status_code == 302  # sent twice: once
    as_(auth, people, "reviewer")
    reply(client, written.id, "Merci, je relis.")
    page = client.get(READ).get_data(as_text=True)  # escaped, never marked safe
    first, second = page.index("L. 212-3 &lt;b&gt;du CPI&lt;/b&gt;."), page.index("Merci, je relis.")
    assert page.index("Citez l&#39;article") < first < second  # under their comment, oldest first
    assert "Editor Syndicat" in page[page.index("Citez l&#39;article") : first]
    assert [(r.author.email, r.body) for r in comments()[0].replies] == [
        ("editor@syndicat.example", "Fait : L. 212-3 <b>du CPI</b>."),
        ("reviewer@syndicat.example", "Merci, je relis."),
    ]
    # Resolving the comment folds its replies with it; the version's history keeps them.
    client.post(f"{WS}/voix-et-ia/comments/{written.id}/resolve")
    refused = reply(client, written.id, "Encore un mot")
    assert refused.status_code == 400 and "resolved meanwhile: reopen it to reply" in text_of(refused)
    assert "Encore un mot" in text_of(refused)  # what was typed is kept, in the resolved ones unfolded
    assert '<details class="resolved-comments" open>' in text_of(refused)
    publish(client)
    assert "Merci, je relis." in text_of(client.get(f"{WS}/voix-et-ia/versions/1"))


def test_an_empty_or_long_reply_is_refused_and_kept_in_its_form(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    (written,) = comments()
    empty = reply(client, written.id, "   ")
    assert empty.status_code == 400 and "Write a reply first." in text_of(empty)
    assert '<details class="reply-form" open>' in text_of(empty)
    long = reply(client, written.id, "x" * 2001)
    assert long.status_code == 400 and "A reply may hold at most 2,000 characters." in text_of(long)
    assert comments()[0].replies == []


@pytest.mark.parametrize(("role", "status"), [*ROLES, ("other_editor", 404)])
def test_who_may_reply(client, auth, publisher, role, status):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    (written,) = comments()
    as_(auth, people, role)
    assert reply(client, written.id, "Une réponse").status_code == status
    db.session.expire_all()
    assert len(comments()[0].replies) == (1 if status == 302 else 0)


def test_a_reply_goes_only_to_a_comment_of_its_own_draft(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    (written,) = comments()
    assert client.post(f"{WS}/autre/comments/{written.id}/replies", data={"body": "x"}).status_code == 404
    assert reply(client, 2147483647, "x").status_code == 404
    assert comments()[0].replies == []


def test_a_reply_tells_the_comments_author_and_those_who_answered(client, auth, publisher):  # noqa: F811
    from app.notifications.models import Notification

    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Citez la source.")
    (written,) = comments()

    def told(role) -> list[Notification]:
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == people[role].id, Notification.kind == "comment_reply"
                )
            )
        )

    as_(auth, people, "editor")
    reply(client, written.id, "Ajoutée.")
    reply(client, written.id, "Ajoutée.")  # sent twice: one reply, one notification
    (to_reviewer,) = told("reviewer")
    assert to_reviewer.path == f"{READ}#comment-{written.id}" and to_reviewer.params["reply"] == "Ajoutée."
    assert told("editor") == [] and told("admin") == []
    as_(auth, people, "reviewer")
    page = text_of(client.get("/notifications/"))
    assert "Editor Syndicat replied to a comment on Recueillir le consentement, in" in page
    assert "Ajoutée." in page
    reply(client, written.id, "Merci.")
    assert len(told("editor")) == 1 and len(told("reviewer")) == 1  # not told of one's own reply
    # Taken off the team, the editor is told nothing more of its drafts (the security probe).
    orgs.remove_member(publisher[0], people["editor"].id)
    db.session.commit()
    reply(client, written.id, "Une dernière précision.")
    assert len(told("editor")) == 1


def test_comments_and_replies_are_throttled_per_person(client, auth, publisher):  # noqa: F811
    """Each reply mails its thread: one person cannot flood the team's mailboxes."""
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    (written,) = comments()
    for n in range(29):  # the comment counted, then 29 replies: 30 in ten minutes
        assert reply(client, written.id, f"Réponse {n}").status_code == 302
    refused = reply(client, written.id, "Une de trop")
    assert refused.status_code == 429 and "Too many comments and replies" in text_of(refused)
    as_(auth, people, "editor")  # another person is not held back
    assert reply(client, written.id, "Moi aussi").status_code == 302


def test_no_reply_to_a_comment_on_a_module_no_longer_in_the_draft(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    in_review(client, auth, people)
    comment(client, "consentement", "Un avis")
    (written,) = comments()
    written.module_slug = "module-retire"  # as after the module was deleted from the draft
    db.session.commit()
    refused = reply(client, written.id, "Une réponse", follow_redirects=True)
    assert "This module is no longer in the draft." in text_of(refused)  # said at the top
    assert comments()[0].replies == []
