"""Review queue filters: state, site and age, done in SQL, paginated; bad values ignored."""

from __future__ import annotations

import datetime as dt

import pytest

from livinglab.accounts.roles import Role
from livinglab.db import utcnow
from tests import factories
from tests.pages import text_of
from trials.review.queries import QueueFilters
from trials.states import TrialStatus


@pytest.fixture
def queue(session, world):
    """Four trials at different stages and ages, and a researcher at both sites."""
    now = utcnow()

    def trial(title: str, status: TrialStatus, sites: tuple[str, ...], days_ago: int) -> None:
        made = factories.make_trial(session, world, status=status, sites=sites, title=title)
        made.submitted_at = now - dt.timedelta(days=days_ago, hours=1)

    trial("Fresh at Dorchester", TrialStatus.SUBMITTED, ("DOR",), 0)
    trial("Waiting at both", TrialStatus.SUBMITTED, ("WFH", "DOR"), 20)
    trial("Long review at Wessex", TrialStatus.IN_REVIEW, ("WFH",), 40)
    trial("Recruiting at Wessex", TrialStatus.RECRUITING, ("WFH",), 90)
    both = factories.make_user(session, Role.RESEARCHER, sites=[world.wfh, world.dor])
    session.commit()
    return both


TITLES = ["Fresh at Dorchester", "Waiting at both", "Long review at Wessex", "Recruiting at Wessex"]


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/review/{query}")
    assert response.status_code == 200
    page = text_of(response)
    return [title for title in TITLES if title in page]


def test_the_queue_filters_by_state_site_and_age(client, world, login_as, session, queue):
    login_as(queue)
    assert listed(client) == TITLES
    assert listed(client, "?status=in_review") == ["Long review at Wessex"]
    assert listed(client, f"?site={world.dor.id}") == ["Fresh at Dorchester", "Waiting at both"]
    assert listed(client, "?age=14") == TITLES[1:]
    assert listed(client, "?age=30") == TITLES[2:]
    assert listed(client, f"?status=submitted&site={world.wfh.id}&age=14") == ["Waiting at both"]


def test_each_row_shows_how_long_the_proposal_has_waited(client, login_as, queue):
    login_as(queue)
    page = text_of(client.get("/review/"))
    assert "Fresh at Dorchester Acme Devices Dorchester satellite Submitted Submitted today" in page
    assert "20 days since submission" in page
    assert "40 days since submission" in page


@pytest.mark.parametrize(
    "query", ["?status=bogus", "?status=draft", "?site=abc", "?site=999", "?age=99", "?age=-1"]
)
def test_invalid_filter_values_are_ignored(client, login_as, queue, query):
    login_as(queue)
    assert listed(client, query) == TITLES


def test_a_site_the_researcher_does_not_work_at_is_ignored(client, world, login_as, queue):
    login_as(world.researcher_wfh)
    assert listed(client, f"?site={world.dor.id}") == TITLES[1:]


def test_filters_parse_only_known_values(world):
    sites = frozenset({world.wfh.id})
    assert QueueFilters.from_args({"status": "approved", "age": "30"}, sites) == QueueFilters(
        status=TrialStatus.APPROVED, over_days=30
    )
    assert QueueFilters.from_args({"site": str(world.dor.id)}, sites) == QueueFilters()


def test_the_queue_is_paginated_and_keeps_its_filters(app, client, login_as, queue):
    app.config["PAGE_SIZE"] = 1
    login_as(queue)
    first = client.get("/review/?age=14")
    assert 'href="/review/?age=14&amp;page=2"' in first.get_data(as_text=True)
    assert listed(client, "?age=14") == ["Waiting at both"]
    assert listed(client, "?age=14&page=2") == ["Long review at Wessex"]


def test_the_queue_makes_the_same_queries_however_long_it_is(
    client, world, login_as, session, count_queries, queue
):
    login_as(queue)

    def queries() -> int:
        session.commit()  # the same starting point each time: every loaded row expired
        with count_queries() as statements:
            assert client.get("/review/?age=7").status_code == 200
        # Reads only: SQLite's BEGIN IMMEDIATE depends on the test's own transaction.
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    before = queries()
    for n in range(4):
        made = factories.make_trial(
            session,
            world,
            status=TrialStatus.SUBMITTED,
            title=f"More {n}",
            company=world.other_company,
        )
        made.submitted_at = utcnow() - dt.timedelta(days=10)
    session.commit()
    assert queries() == before


@pytest.mark.parametrize("who", ["company", "participant", "evaluator"])
def test_the_queue_is_for_research_staff_only(client, world, login_as, session, who):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert client.get("/review/?status=submitted&age=14").status_code == 403
