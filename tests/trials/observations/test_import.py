"""Bulk import of outcome values from CSV: the checks, all-or-nothing, the CLI and the page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import NotPermitted
from tests import factories
from tests.factories import count_where as count
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.observations.imports import ImportRefused, import_observations
from trials.observations.models import Observation, ObservationSource
from trials.proposals.models import Trial
from trials.states import TrialStatus

HEADER = "participant,visit,measure,value\n"
MEASURE = "Timed Up and Go"


def audit_count(session, action: str) -> int:
    return count(session, AuditEvent, AuditEvent.action == action)


def load(session, trial_id: int) -> Trial:
    return factories.reload_trial(session, trial_id)


def enrol(session, world, trial_id: int, name: str, *, randomise: bool = True) -> str:
    """A resident enrolled at WFH (randomised unless asked not to); their participant code."""
    trial = load(session, trial_id)
    participant = factories.make_participant(session, full_name=name)
    if randomise:
        enrolment = factories.randomised(session, world, trial, participant, "WFH")
    else:
        enrolment = factories.consent(session, trial, participant, "WFH")
    session.commit()
    return enrolment.participant_code


@pytest.fixture
def codes(session, world, trial_id) -> list[str]:
    """Two randomised residents at WFH."""
    return [enrol(session, world, trial_id, name) for name in ("Ann Able", "Bob Baker")]


@pytest.fixture
def good_csv(codes) -> str:
    first, second = codes
    return (
        "\ufeffParticipant,Visit,Measure,Value\n"
        f"{first},Baseline,{MEASURE},14.5\n"
        f"{first},follow_up,{MEASURE.lower()},12\n"
        f"{second.lower()},baseline,{MEASURE},20\n"
    )


def run_import(session, world, trial_id: int, text: str, actor=None):
    return import_observations(
        session, load(session, trial_id), text, actor or world.researcher_wfh
    )


def problems_of(session, world, trial_id: int, text: str) -> dict[int | None, list[str]]:
    with pytest.raises(ImportRefused) as refused:
        run_import(session, world, trial_id, text)
    session.rollback()
    lines: dict[int | None, list[str]] = {}
    for problem in refused.value.problems:
        lines.setdefault(problem.line, []).append(problem.message)
    return lines


# The service -------------------------------------------------------------------------


def test_a_good_file_records_every_value_with_an_audit_event(session, world, trial_id, good_csv):
    result = run_import(session, world, trial_id, good_csv)
    session.commit()

    assert (result.imported, result.already_there) == (3, 0)
    sources = session.scalars(select(Observation.source)).all()
    assert sorted(sources) == [ObservationSource.IMPORT] * 3
    values = set(session.scalars(select(Observation.value)))
    assert values == {14.5, 12.0, 20.0}
    assert audit_count(session, "observation.recorded") == 3
    assert audit_count(session, "observations.imported") == 1


def test_a_follow_up_value_imported_marks_that_visit_attended(
    session, world, trial_id, good_csv, codes
):
    run_import(session, world, trial_id, good_csv)
    session.commit()

    first_code = codes[0]
    statuses = dict(
        session.execute(
            select(Enrolment.participant_code, ScheduledVisit.status).join(
                Enrolment, Enrolment.id == ScheduledVisit.enrolment_id
            )
        ).all()
    )
    assert statuses[first_code] is VisitStatus.ATTENDED
    assert statuses[codes[1]] is VisitStatus.SCHEDULED  # only a baseline value for Bob
    assert audit_count(session, "visit.attended") == 1


def test_importing_the_same_file_twice_adds_nothing(session, world, trial_id, good_csv):
    run_import(session, world, trial_id, good_csv)
    session.commit()

    again = run_import(session, world, trial_id, good_csv)
    session.commit()

    assert (again.imported, again.already_there) == (0, 3)
    assert count(session, Observation) == 3
    assert audit_count(session, "observation.recorded") == 3
    assert audit_count(session, "observations.imported") == 1


def test_one_bad_line_writes_nothing_and_every_bad_line_is_reported(
    session, world, trial_id, codes
):
    other = factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Other")
    session.commit()
    stranger = enrol(session, world, other.id, "Cat Other")
    first, second = codes
    text = HEADER + (
        f"{first},Baseline,{MEASURE},14.5\n"  # 2: good
        f"WFH-NOPE,Baseline,{MEASURE},14\n"  # 3
        f"{second},Week 99,{MEASURE},14\n"  # 4
        f"{second},Baseline,Grip strength,14\n"  # 5
        f"{second},Baseline,{MEASURE},fast\n"  # 6
        f"{second},Baseline,{MEASURE},500\n"  # 7
        f"{first},baseline,{MEASURE},15\n"  # 8: repeats line 2
        f"{stranger},Baseline,{MEASURE},14\n"  # 9
        f"{second},Follow-up,{MEASURE},18\n"  # 10: good
    )

    lines = problems_of(session, world, trial_id, text)

    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert "No participant with the code 'WFH-NOPE'" in lines[3][0]
    assert "no visit called 'Week 99'" in lines[4][0]
    assert "no measure called 'Grip strength'" in lines[5][0]
    assert "'fast' is not a number" in lines[6][0]
    assert lines[7] == ["Timed Up and Go must be between 3 and 120 seconds"]
    assert "Repeats line 2" in lines[8][0]
    assert f"No participant with the code '{stranger}'" in lines[9][0]
    assert count(session, Observation) == 0
    assert audit_count(session, "observation.recorded") == 0


def test_a_different_value_already_recorded_is_refused_with_the_recorded_value(
    session, world, trial_id, codes
):
    first = codes[0]
    run_import(session, world, trial_id, HEADER + f"{first},Baseline,{MEASURE},14.5\n")
    session.commit()

    lines = problems_of(session, world, trial_id, HEADER + f"{first},Baseline,{MEASURE},16\n")

    assert "already recorded as 14.5" in lines[2][0]
    assert "with a reason" in lines[2][0]
    assert set(session.scalars(select(Observation.value))) == {14.5}


def test_follow_up_before_randomisation_and_other_sites_are_refused(
    session, world, trial_id, codes
):
    waiting = enrol(session, world, trial_id, "Dee Waiting", randomise=False)
    text = HEADER + f"{waiting},Baseline,{MEASURE},14\n{waiting},Follow-up,{MEASURE},14\n"

    lines = problems_of(session, world, trial_id, text)
    assert list(lines) == [3]
    assert "after randomisation" in lines[3][0]

    # A researcher at DOR does not see WFH's participants.
    with pytest.raises(ImportRefused) as refused:
        import_observations(
            session,
            load(session, trial_id),
            HEADER + f"{codes[0]},Baseline,{MEASURE},14\n",
            world.researcher_dor,
        )
    assert "No participant with the code" in refused.value.problems[0].message


def test_a_company_user_cannot_import(session, world, trial_id, good_csv):
    with pytest.raises(NotPermitted):
        run_import(session, world, trial_id, good_csv, actor=world.company)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "The file is empty"),
        ("participant,visit,value\nX,Baseline,1\n", 1, "The first line must be the column names"),
        (HEADER, 2, "no values after the column names"),
        (HEADER + "\n \n", 2, "no values after the column names"),
    ],
)
def test_empty_files_and_wrong_headers_are_refused(
    session, world, trial_id, codes, text, line, message
):
    lines = problems_of(session, world, trial_id, text)
    assert list(lines) == [line]
    assert message in lines[line][0]


# The command -------------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_how_many(
    app, session, world, trial_id, good_csv, tmp_path
):
    path = tmp_path / "export.csv"
    path.write_text(good_csv, encoding="utf-8")
    args = ["trials", "import-observations", str(trial_id), str(path)]
    runner = app.test_cli_runner()

    result = runner.invoke(args=[*args, "--as", world.researcher_wfh.email])
    again = runner.invoke(args=[*args, "--as", world.researcher_wfh.email])

    assert result.exit_code == 0, result.output
    assert "Imported 3 values; 0 already there" in result.output
    assert "Imported 0 values; 3 already there" in again.output
    assert count(session, Observation) == 3


def test_the_command_prints_every_bad_line_and_exits_non_zero(
    app, session, world, trial_id, codes, tmp_path
):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + f"{codes[0]},Baseline,{MEASURE},1\nWFH-NOPE,Baseline,{MEASURE},9\n")
    runner = app.test_cli_runner()
    args = ["trials", "import-observations", str(trial_id), str(path), "--as"]

    result = runner.invoke(args=[*args, world.researcher_wfh.email])
    company = runner.invoke(args=[*args, world.company.email])

    assert result.exit_code != 0
    assert "Line 2: Timed Up and Go must be between 3 and 120 seconds" in result.output
    assert "Line 3: No participant with the code 'WFH-NOPE'" in result.output
    assert "Nothing was imported" in result.output
    assert company.exit_code != 0
    assert "Only research staff" in company.output
    assert count(session, Observation) == 0


# The page ----------------------------------------------------------------------------


def upload(client, trial_id: int, text: str, name: str = "export.csv"):
    data = {"file": (io.BytesIO(text.encode()), name)}
    return client.post(
        f"/enrolment/trials/{trial_id}/import", data=data, content_type="multipart/form-data"
    )


def test_the_page_imports_a_file_and_flashes_the_counts(
    session, world, trial_id, good_csv, login_as
):
    client = login_as(world.researcher_wfh)
    assert client.get(f"/enrolment/trials/{trial_id}/import").status_code == 200

    response = upload(client, trial_id, good_csv)

    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Imported 3 values; 0 were already recorded." in page
    assert count(session, Observation) == 3


def test_the_page_lists_every_bad_line_and_imports_nothing(
    session, world, trial_id, codes, login_as
):
    client = login_as(world.researcher_wfh)
    text = HEADER + f"{codes[0]},Baseline,{MEASURE},1\n{codes[1]},Baseline,{MEASURE},x\n"

    response = upload(client, trial_id, text)

    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert "2 line(s) of the file have problems. Nothing was imported" in page
    assert "2 Timed Up and Go must be between 3 and 120 seconds" in page
    assert "3 The value 'x' is not a number" in page
    assert count(session, Observation) == 0


def test_the_page_refuses_a_file_that_is_not_csv(session, world, trial_id, login_as):
    client = login_as(world.researcher_wfh)
    response = upload(client, trial_id, "hello", name="export.txt")
    assert response.status_code == 422
    assert "The file must be a CSV file" in text_of(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher_dor", 404), ("company", 403), ("evaluator", 403), ("participant", 403)],
)
def test_the_page_is_404_for_researchers_at_other_sites_and_403_for_other_roles(
    session, world, login_as, who, status
):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    user = world.participant.user if who == "participant" else getattr(world, who)
    client = login_as(user)

    assert client.get(f"/enrolment/trials/{trial.id}/import").status_code == status
    assert upload(client, trial.id, HEADER).status_code == status


def test_the_page_needs_the_csrf_token(app, session, world, trial_id, good_csv, login_as):
    client = login_as(world.researcher_wfh)
    app.config["WTF_CSRF_ENABLED"] = True

    response = upload(client, trial_id, good_csv)

    assert response.status_code == 400
    assert count(session, Observation) == 0
