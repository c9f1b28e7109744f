"""The audit trail: append-only, and an admin page with filters and pagination."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from livinglab.audit.models import AuditEvent
from livinglab.audit.services import record
from livinglab.db import AppendOnlyError


def test_audit_events_cannot_be_changed_through_the_orm(session, world):
    event = record(session, actor=world.admin, action="test.done", object_type="test", object_id=1)
    session.commit()
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"]
)
def test_database_refuses_raw_changes_to_audit_events(session, world, statement):
    session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.text(statement))
    session.rollback()


def test_admin_sees_events_newest_first_with_actor(world, login_as, session):
    record(
        session,
        actor=world.company,
        action="trial.submitted",
        object_type="trial",
        object_id=7,
        trial_id=7,
        old={"status": "draft"},
        new={"status": "submitted"},
        reason="Ready",
    )
    session.commit()
    response = login_as(world.admin).get("/admin/audit/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "trial.submitted" in page
    assert world.company.email in page
    assert "Ready" in page
    assert page.index("account.signed_in") < page.index("trial.submitted")


def test_admin_filters_by_action_and_trial(world, login_as, session):
    for trial_id in (1, 2):
        record(
            session,
            actor=world.company,
            action="trial.submitted",
            object_type="trial",
            object_id=trial_id,
            trial_id=trial_id,
        )
    session.commit()
    client = login_as(world.admin)
    page = client.get("/admin/audit/?action=trial.&trial_id=2").get_data(as_text=True)
    assert "1 event." in page
    assert "account.created" not in page


def test_audit_list_is_paginated(world, login_as, session, app):
    app.config["PAGE_SIZE"] = 5
    for n in range(12):
        record(session, actor=None, action=f"bulk.{n:02d}", object_type="test", object_id=n)
    session.commit()
    client = login_as(world.admin)
    first = client.get("/admin/audit/?action=bulk.").get_data(as_text=True)
    assert "12 events." in first
    assert "bulk.11" in first and "bulk.06" not in first
    third = client.get("/admin/audit/?action=bulk.&page=3").get_data(as_text=True)
    assert "bulk.00" in third and "bulk.11" not in third


def test_bad_filter_is_refused_with_a_message(world, login_as):
    response = login_as(world.admin).get("/admin/audit/?trial_id=abc")
    assert response.status_code == 422
    assert b"There is a problem" in response.data


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "participant"])
def test_only_admins_reach_the_audit_trail(world, login_as, who):
    user = getattr(world, who)
    user = user.user if hasattr(user, "user") else user
    assert login_as(user).get("/admin/audit/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/audit/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_audit_page_queries_do_not_grow_with_data(world, login_as, session, count_queries):
    client = login_as(world.admin)

    def queries_with(extra_events: int) -> int:
        for n in range(extra_events):
            actor = world.company if n % 2 else world.researcher_wfh
            record(session, actor=actor, action="bulk.x", object_type="test", object_id=n)
        session.commit()
        with count_queries() as statements:
            assert client.get("/admin/audit/").status_code == 200
        return len(statements)

    assert queries_with(2) == queries_with(60)
