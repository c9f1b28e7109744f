"""Proposal versions: snapshots a reviewer reads, and what changed between two submissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.db import AppendOnlyError
from livinglab.participants.models import Condition, Sex
from tests import factories
from tests.pages import text_of
from trials.eligibility.models import EligibilityCriteria
from trials.proposals.models import IcsOutcome
from trials.review.models import ProposalVersion
from trials.review.versions import FIELDS, diff, record_version, snapshot


def value(snap: dict, key: str) -> str:
    return snap[key]["value"]


def test_a_snapshot_holds_every_field_as_labelled_plain_text(session, world):
    trial = factories.reload_trial(session, factories.make_trial(session, world).id)
    snap = snapshot(trial)
    assert list(snap) == [key for key, _ in FIELDS]
    assert all(isinstance(f["label"], str) and isinstance(f["value"], str) for f in snap.values())
    assert value(snap, "title") == "Steady feet trial"
    assert value(snap, "arms") == "Usual care (control)\nProduct\nAllocation ratio 1:1"
    assert value(snap, "sites") == (
        "Wessex Fields hub: 20 participants\nDorchester satellite: 20 participants"
    )
    assert value(snap, "measures") == (
        "Timed Up and Go (seconds): primary outcome, continuous, valid from 3 to 120, "
        "minimal important difference 1.5 seconds, lower is better"
    )
    assert value(snap, "visits") == "Baseline: day 0 (baseline)\nFollow-up: day 84"
    assert value(snap, "recruitment_window") == "Not given"
    assert value(snap, "ics_outcomes") == "None chosen"
    assert value(snap, "eligibility") == "No restrictions beyond the registry's own"


def change_the_proposal(session, trial) -> None:
    """What a company might change between submissions, written straight to the rows."""
    trial.title = "Steady feet trial (revised)"
    trial.aims = "Show that the product shortens the Timed Up and Go."
    trial.recruitment_start, trial.recruitment_end = dt.date(2027, 3, 1), dt.date(2027, 8, 31)
    trial.visits[1].window_days = 7
    trial.ics_outcomes.append(
        session.scalars(select(IcsOutcome).where(IcsOutcome.code == "living_independently")).one()
    )
    falls = session.scalars(select(Condition).order_by(Condition.name)).first()
    trial.eligibility = EligibilityCriteria(
        min_age=65, sexes=[Sex.FEMALE.value], postcode_areas=["DT", "BH8"], needs_smartphone=True
    )
    trial.eligibility.excluded_conditions = [falls]
    session.flush()


def test_two_recorded_versions_show_what_changed(session, world):
    trial = factories.make_trial(session, world)
    first = record_version(session, trial, actor=world.company)
    change_the_proposal(session, trial)
    second = record_version(session, trial, actor=world.company)
    session.commit()

    assert (first.number, second.number) == (1, 2)
    changes = {label: (old, new) for label, old, new in diff(first.snapshot, second.snapshot)}
    assert set(changes) == {
        "Title",
        "Aims",
        "Recruitment window",
        "Dorset ICS outcomes served",
        "Who can take part",
        "Visits",
    }
    assert changes["Title"] == ("Steady feet trial", "Steady feet trial (revised)")
    assert changes["Recruitment window"] == ("Not given", "1 March 2027 to 31 August 2027")
    assert changes["Visits"][1].endswith("Follow-up: day 84, give or take 7 days")
    eligibility = changes["Who can take part"][1]
    assert "Aged 65 or over" in eligibility
    assert "Sex: Female" in eligibility
    assert "Living in: DT, BH8" in eligibility
    assert "Must not live with:" in eligibility
    assert "Needs a smartphone" in eligibility
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "proposal.version_recorded")
    ).all()
    assert [e.new_value["number"] for e in events] == [1, 2]


def test_diff_handles_fields_only_one_version_has():
    old = {"title": {"label": "Title", "value": "A"}}
    new = {"title": {"label": "Title", "value": "A"}, "extra": {"label": "Extra", "value": "B"}}
    assert diff(old, new) == [("Extra", "", "B")]
    assert diff(new, new) == []


def test_versions_cannot_be_changed_or_deleted(session, world):
    trial = factories.make_trial(session, world)
    version = record_version(session, trial, actor=world.company)
    session.commit()
    version.number = 9
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(session.get(ProposalVersion, version.id))
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def two_versions(session, world, **kwargs):
    trial = factories.make_trial(session, world, **kwargs)
    record_version(session, trial, actor=world.company)
    change_the_proposal(session, trial)
    record_version(session, trial, actor=world.company)
    session.commit()
    return trial


def test_the_reviewer_sees_what_changed_since_the_last_version(client, world, login_as, session):
    trial = two_versions(session, world)
    login_as(world.researcher_wfh)
    detail = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "6 fields changed since version 1" in detail
    assert "See what changed since version 1" in detail
    response = client.get(f"/review/trials/{trial.id}/changes")
    assert response.status_code == 200
    page = text_of(response)
    assert "What changed since version 1" in page
    assert "Title Steady feet trial Steady feet trial (revised)" in page
    assert "Recruitment window Not given 1 March 2027 to 31 August 2027" in page
    assert "Every version" in page


def test_a_first_version_is_shown_in_full(client, world, login_as, session):
    trial = factories.make_trial(session, world)
    record_version(session, trial, actor=world.company)
    session.commit()
    login_as(world.researcher_wfh)
    page = text_of(client.get(f"/review/trials/{trial.id}/changes"))
    assert "nothing to compare yet" in page
    assert "Version 1 as submitted" in page
    assert "Allocation ratio 1:1" in page


@pytest.mark.parametrize("who", ["company", "participant", "evaluator"])
def test_the_changes_page_is_for_research_staff_only(client, world, login_as, session, who):
    trial = two_versions(session, world)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert client.get(f"/review/trials/{trial.id}/changes").status_code == 403


def test_staff_at_another_site_cannot_see_the_changes(client, world, login_as, session):
    trial = two_versions(session, world, sites=("WFH",))
    login_as(world.researcher_dor)
    assert client.get(f"/review/trials/{trial.id}/changes").status_code == 404


def test_what_changed_shows_a_new_allocation_ratio_and_design(client, world, login_as, session):
    from trials.proposals.models import TrialDesign
    from trials.proposals.section_rules import ArmDraft, DesignDraft
    from trials.proposals.sections import save_design

    trial = factories.make_trial(session, world)
    record_version(session, trial, actor=world.company)
    trial = factories.reload_trial(session, trial.id)
    arms = (ArmDraft("Usual care", 1, True), ArmDraft("Product", 2))
    save_design(
        session, trial, actor=world.company, draft=DesignDraft(TrialDesign.CROSSOVER, arms, 14)
    )
    record_version(session, trial, actor=world.company)
    session.commit()
    login_as(world.researcher_wfh)
    page = text_of(client.get(f"/review/trials/{trial.id}/changes"))
    assert "Allocation ratio 1:1 Usual care (control) Product Allocation ratio 1:2" in page
    assert "Design Parallel-group randomised controlled trial Crossover, washout of 14 days" in page
