"""Review comments to the company and internal notes: the company never sees a note."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.db import AppendOnlyError
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.pages import text_of
from trials.review.comments import add_comment, company_comments
from trials.review.models import ReviewComment
from trials.review.timeline import company_timeline
from trials.states import TrialStatus

NOTE = "Internal: the sponsor's last trial at DOR under-recruited badly."
COMMENT = "Please say how participants without a smartphone can take part."


def in_review(session, world, **kwargs):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, **kwargs)
    session.commit()
    return factories.reload_trial(session, trial.id)


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def post_comment(client, trial, audience: str, body: str):
    return client.post(
        f"/review/trials/{trial.id}/comments", data={"audience": audience, "body": body}
    )


def test_a_comment_to_the_company_is_shown_and_the_company_is_emailed(
    client, world, login_as, session
):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    emails_before = len(outbox(session))
    response = post_comment(client, trial, "company", COMMENT)
    assert response.status_code == 302
    comment = session.scalars(select(ReviewComment)).one()
    assert comment.is_internal is False
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review.comment_added")
    ).one()
    assert event.new_value == {"is_internal": False, "body": COMMENT}
    page = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "To the company Test User" in page
    assert COMMENT in page
    (email,) = outbox(session)[emails_before:]
    assert email.to_address == world.company.email
    assert email.subject == "New comment from research staff: Steady feet trial"
    assert f"/proposals/{trial.id}" in email.body_text


def test_an_internal_note_is_marked_and_nobody_is_emailed(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    emails_before = len(outbox(session))
    assert post_comment(client, trial, "internal", NOTE).status_code == 302
    assert session.scalars(select(ReviewComment)).one().is_internal is True
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "review.internal_note_added")
    )
    page = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "Internal note: staff only" in page
    assert NOTE in page
    assert len(outbox(session)) == emails_before


def test_an_internal_note_never_reaches_anything_the_company_sees(client, world, login_as, session):
    trial = in_review(session, world)
    add_comment(session, trial, actor=world.researcher_wfh, body=COMMENT, is_internal=False)
    add_comment(session, trial, actor=world.researcher_wfh, body=NOTE, is_internal=True)
    session.commit()

    assert [c.body for c in company_comments(session, trial.id)] == [COMMENT]
    timeline = company_timeline(session, trial.id)
    assert any(entry.text == COMMENT for entry in timeline)
    assert not any(NOTE in entry.text or NOTE in entry.title for entry in timeline)
    partials = render_template(
        "review/_company_comments.html", company_comments=company_comments(session, trial.id)
    ) + render_template("review/_company_timeline.html", company_timeline=timeline)
    assert COMMENT in partials
    assert NOTE not in partials
    assert not any(NOTE in m.body_text or NOTE in m.subject for m in outbox(session))

    login_as(world.company)
    for url in (f"/proposals/{trial.id}", "/proposals/"):
        assert NOTE not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"audience": "company", "body": "  "}, "Enter your comment"),
        ({"body": COMMENT}, "Select who the comment is for"),
        ({"audience": "everyone", "body": COMMENT}, "Not a valid choice"),
        ({"audience": "internal", "body": "x" * 5001}, "Comment must be 5000 characters or fewer"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_written(
    client, world, login_as, session, data, message
):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    events, emails = factories.count_rows(session, AuditEvent), len(outbox(session))
    response = client.post(f"/review/trials/{trial.id}/comments", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2
    assert factories.count_rows(session, ReviewComment) == 0
    assert factories.count_rows(session, AuditEvent) == events
    assert len(outbox(session)) == emails


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
def test_only_research_staff_can_comment(client, world, login_as, session, who):
    trial = in_review(session, world)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert post_comment(client, trial, "company", COMMENT).status_code == 403
    assert factories.count_rows(session, ReviewComment) == 0


def test_staff_at_another_site_cannot_comment(client, world, login_as, session):
    trial = in_review(session, world, sites=("WFH",))
    login_as(world.researcher_dor)
    assert post_comment(client, trial, "internal", NOTE).status_code == 404
    assert factories.count_rows(session, ReviewComment) == 0


def test_comments_cannot_be_edited(session, world):
    trial = in_review(session, world)
    comment = add_comment(session, trial, actor=world.researcher_wfh, body=NOTE, is_internal=True)
    session.commit()
    comment.is_internal = False
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
