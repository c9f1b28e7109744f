"""The same person registering twice is allowed but flagged to staff."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Participant, PossibleDuplicate
from tests import factories
from tests.participants.test_register import count, text_of, valid_data

BORN = dt.date(1964, 3, 15)


def existing(session, **kwargs) -> Participant:
    participant = factories.make_participant(
        session,
        **{"full_name": "Pat Example", "date_of_birth": BORN, "postcode": "BH8 8DL", **kwargs},
    )
    session.commit()
    return participant


def test_same_name_birthday_and_postcode_is_registered_and_flagged(client, session):
    first = existing(session)
    response = client.post(
        "/register",
        data=valid_data(full_name="  pat   EXAMPLE ", email="pat.two@example.test"),
    )
    assert response.status_code == 302
    second = session.scalars(select(Participant).where(Participant.id != first.id)).one()
    flag = session.scalars(select(PossibleDuplicate)).one()
    assert (flag.participant_id, flag.existing_participant_id) == (second.id, first.id)
    assert flag.created_at is not None and flag.resolved_at is None
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "participant.possible_duplicate")
    ).one()
    assert event.object_id == second.id
    assert event.new_value["existing_participant_id"] == first.id
    assert "Pat" not in str(event.new_value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"full_name": "Pat Examples"},
        {"date_of_birth": dt.date(1964, 3, 16)},
        {"postcode": "BH8 8DA"},
    ],
    ids=["other name", "other birthday", "other postcode"],
)
def test_people_who_differ_are_not_flagged(client, session, kwargs):
    existing(session, **kwargs)
    assert client.post("/register", data=valid_data()).status_code == 302
    assert count(session, PossibleDuplicate) == 0


def test_the_same_email_is_still_refused(client, session):
    first = existing(session)
    response = client.post("/register", data=valid_data(email=first.user.email.upper()))
    assert response.status_code == 422
    assert "An account with this email address already exists" in text_of(response)
    assert count(session, PossibleDuplicate) == 0


# The admin page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMPANY, Role.PARTICIPANT, Role.RESEARCHER, Role.EVALUATOR])
def test_only_admins_see_or_resolve_flags(client, session, login_as, role):
    existing(session)
    second = existing(session)
    flag = session.scalars(select(PossibleDuplicate)).one()
    user = second.user if role is Role.PARTICIPANT else factories.make_user(session, role)
    session.commit()
    login_as(user)
    assert client.get("/admin/duplicates").status_code == 403
    assert client.post(f"/admin/duplicates/{flag.id}/resolve").status_code == 403
    session.expire_all()
    assert session.get(PossibleDuplicate, flag.id).resolved_at is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/duplicates").status_code == 302


@pytest.fixture
def admin(session, login_as):
    user = factories.make_user(session, Role.ADMIN)
    session.commit()
    login_as(user)
    return user


def test_admins_see_unresolved_flags_in_pages_with_bounded_queries(
    client, session, app, admin, count_queries
):
    app.config["PAGE_SIZE"] = 3
    existing(session)
    existing(session)
    with count_queries() as one_flag:
        client.get("/admin/duplicates")
    for _ in range(3):
        existing(session)
    assert count(session, PossibleDuplicate) == 10  # each later copy matches every earlier one
    with count_queries() as statements:
        response = client.get("/admin/duplicates")
    assert response.status_code == 200
    page = text_of(response)
    assert "10 to check" in page
    assert page.count("Mark as checked") == 3
    assert "Pat Example" in page and "15 March 1964" in page and "BH8 8DL" in page
    assert len(statements) <= 10 and len(one_flag) <= 10
    assert client.get("/admin/duplicates?page=4").status_code == 200
    assert client.get("/admin/duplicates?page=5").status_code == 404


def test_no_flags_says_so(client, admin):
    response = client.get("/admin/duplicates")
    assert response.status_code == 200
    assert "There are no possible duplicates to check." in text_of(response)


def test_an_admin_marks_a_flag_as_checked(client, session, admin):
    existing(session)
    existing(session)
    flag = session.scalars(select(PossibleDuplicate)).one()
    response = client.post(f"/admin/duplicates/{flag.id}/resolve")
    assert response.status_code == 302
    session.expire_all()
    flag = session.get(PossibleDuplicate, flag.id)
    assert flag.resolved_at is not None and flag.resolved_by_id == admin.id
    assert "There are no possible duplicates to check." in text_of(client.get("/admin/duplicates"))
    actions = set(session.scalars(select(AuditEvent.action)))
    assert "participant.possible_duplicate_resolved" in actions
    again = client.post(f"/admin/duplicates/{flag.id}/resolve")
    assert again.status_code == 409


def test_resolving_an_unknown_flag_is_not_found(client, admin):
    assert client.post("/admin/duplicates/999/resolve").status_code == 404
