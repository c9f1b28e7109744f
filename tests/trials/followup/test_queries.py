"""The visit lists: due, overdue, upcoming and missed worked out in SQL for a given day."""

from __future__ import annotations

import pytest

from tests.factories import reload_trial as load_trial
from tests.trials.followup.helpers import TODAY, days, enrol, set_visit, staff_for
from trials.consent.models import WithdrawalScope
from trials.enrolment import pipeline
from trials.followup.models import VisitStatus
from trials.followup.queries import (
    VisitList,
    count_visit_lists,
    query_visit_list,
    visit_list_named,
)


@pytest.fixture
def visits(session, world, trial_id):
    """Participant code -> what their one follow-up visit should be on TODAY (window 3 days)."""
    expected = {}

    def add(site: str, due_in: int, list_: VisitList | None, status=VisitStatus.SCHEDULED):
        enrolment = enrol(session, world, trial_id, site)
        set_visit(session, enrolment, due_on=TODAY + days(due_in), window_days=3, status=status)
        expected[enrolment.participant_code] = (list_, site, enrolment)

    add("WFH", 0, VisitList.DUE)
    add("WFH", -3, VisitList.DUE)  # the window closes today
    add("WFH", 3, VisitList.DUE)  # the window opens today
    add("WFH", -4, VisitList.OVERDUE)  # closed yesterday
    add("WFH", -40, VisitList.OVERDUE)
    add("WFH", 4, VisitList.UPCOMING)  # opens tomorrow
    add("WFH", -10, VisitList.MISSED, VisitStatus.MISSED)
    add("WFH", 0, None, VisitStatus.ATTENDED)
    add("DOR", 0, VisitList.DUE)  # another site: never on WFH's lists
    return expected


def on_list(session, trial_id, site_ids, show) -> list[str]:
    rows = session.scalars(query_visit_list(trial_id, site_ids, show, today=TODAY)).all()
    return [row.enrolment.participant_code for row in rows]


def test_each_visit_is_on_the_list_its_dates_put_it(session, world, trial_id, visits):
    wfh = [world.wfh.id]
    for show in VisitList:
        wanted = {
            code for code, (list_, site, _) in visits.items() if list_ is show and site == "WFH"
        }
        assert set(on_list(session, trial_id, wfh, show)) == wanted, show
    counts = count_visit_lists(session, trial_id, wfh, today=TODAY)
    assert counts == {
        VisitList.DUE: 3,
        VisitList.OVERDUE: 2,
        VisitList.UPCOMING: 1,
        VisitList.MISSED: 1,
    }
    both = count_visit_lists(session, trial_id, [world.wfh.id, world.dor.id], today=TODAY)
    assert both[VisitList.DUE] == 4
    assert count_visit_lists(session, trial_id, [], today=TODAY) == dict.fromkeys(VisitList, 0)


def test_overdue_is_oldest_first_and_the_day_moves_visits_along(session, world, trial_id, visits):
    wfh = [world.wfh.id]
    overdue = on_list(session, trial_id, wfh, VisitList.OVERDUE)
    by_due = sorted(
        (code for code, (list_, *_rest) in visits.items() if list_ is VisitList.OVERDUE),
        key=lambda code: visits[code][2].id,
    )
    assert overdue == list(reversed(by_due))  # due 40 days ago before 4 days ago
    later = count_visit_lists(session, trial_id, wfh, today=TODAY + days(1))
    assert later[VisitList.OVERDUE] == 3 and later[VisitList.DUE] == 3


def test_participants_no_longer_followed_up_leave_the_work_lists(session, world, trial_id, visits):
    trial = load_trial(session, trial_id)
    code = next(c for c, (list_, *_r) in visits.items() if list_ is VisitList.OVERDUE)
    enrolment = visits[code][2]
    pipeline.withdraw_on_behalf(
        session,
        enrolment,
        trial=trial,
        actor=staff_for(world, "WFH"),
        scope=WithdrawalScope.STOP_TAKING_PART,
        reason="Moved away; told us by phone",
    )
    session.commit()
    counts = count_visit_lists(session, trial_id, [world.wfh.id], today=TODAY)
    assert counts[VisitList.OVERDUE] == 1
    assert code not in on_list(session, trial_id, [world.wfh.id], VisitList.OVERDUE)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("due", VisitList.DUE),
        ("missed", VisitList.MISSED),
        ("bogus", VisitList.DUE),
        (None, VisitList.DUE),
    ],
)
def test_unknown_list_names_show_the_visits_due(name, expected):
    assert visit_list_named(name) is expected
