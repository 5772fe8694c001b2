"""One's own part in the consultation (issue 13, section 8): comments, proposals, supports and
follows listed in words on /account/consultation and downloadable as JSON."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Engine

from tests.factories import add_proposal
from tests.helpers import XSS, count_queries, new_comment_id, post, post_comment, t


def test_my_consultation_lists_what_i_did_in_words(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """My comments, replies, proposals, supports and follows, each named and linked; nobody
    else's; hidden markup stays text; the same in the JSON download."""
    me, other = login_as(), login_as()
    mine = new_comment_id(post_comment(me, "Mon avis " + XSS))
    theirs = new_comment_id(post_comment(other, "L'avis d'une autre personne."))
    post_comment(me, "Ma réponse à l'autre.", parent_id=str(theirs))
    pid = add_proposal(engine, author_id=me.user_id, title="Ma proposition de numéro direct")
    for path in (
        "/charter/clauses/4/support",
        f"/charter/comments/{theirs}/support",
        f"/charter/proposals/{pid}/support",
    ):
        assert post(me, path, follow_redirects=False).status_code in (200, 303), path
    post(me, "/follow", {"target_type": "proposal", "target_key": str(pid), "frequency": "daily",
                         "next": "/charter"}, follow_redirects=False)  # fmt: skip
    page = me.get("/account/consultation")
    assert page.status_code == 200
    text = t(page)
    assert "Mon avis" in text and "Ma réponse à l'autre." in text
    assert "L'avis d'une autre personne." not in text
    assert "<script>" not in page.text
    assert f'href="/charter/clauses/4#comment-{mine}"' in page.text
    assert "Ma proposition de numéro direct" in text
    assert "Proposition « Ma proposition de numéro direct »" in text  # the follow, in words
    assert 'value="daily" selected' in page.text
    assert text.count("un commentaire sur l'article 4") == 1
    assert "Mes soutiens (3)" in text
    data = json.loads(me.get("/account/consultation.json").text)
    assert {c["text"] for c in data["comments"]} == {"Mon avis " + XSS, "Ma réponse à l'autre."}
    assert [p["title"] for p in data["proposals"]] == ["Ma proposition de numéro direct"]
    assert len(data["supports"]) == 3
    assert data["follows"] == [
        {"about": "Proposition « Ma proposition de numéro direct »",
         "url": f"/charter/proposals/{pid}", "frequency": "daily",
         "created_at": data["follows"][0]["created_at"]}
    ]  # fmt: skip
    assert other.get("/account/consultation.json").json()["proposals"] == []
    everything = me.get("/account/export.json")
    assert "attachment" in everything.headers["content-disposition"]
    both = everything.json()
    assert both["account"]["account"]["display_name"] in text
    assert both["consultation"] == data


def test_my_consultation_page_costs_the_same_queries_whatever_i_wrote(
    accounts: dict[str, int], engine: Engine, login_as: Any
) -> None:
    """The page reads a fixed number of queries: ten more comments and supports add none."""
    me = login_as()
    post_comment(me, "Un premier avis.")
    me.get("/account/consultation")
    with count_queries(engine) as few:
        assert me.get("/account/consultation").status_code == 200
    for n in range(10):
        cid = new_comment_id(post_comment(me, f"Encore un avis, le numéro {n}."))
        post(me, f"/charter/comments/{cid}/support", follow_redirects=False)
    with count_queries(engine) as many:
        assert "Encore un avis, le numéro 9." in t(me.get("/account/consultation"))
    assert many.count == few.count
