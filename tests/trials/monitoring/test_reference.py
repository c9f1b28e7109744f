"""The Dorset reference population: shipped figures, and the admin loading new ones."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests.pages import text_of
from trials.monitoring.models import ReferencePopulation
from trials.monitoring.reference import (
    SHIPPED_FILE,
    ReferenceFileError,
    current_reference,
    parse_reference_csv,
)

GOOD = SHIPPED_FILE.read_text("utf-8")
URL = "/monitoring/reference-population"


def test_the_shipped_figures_are_used_until_the_admin_loads_some(session):
    reference = current_reference(session)

    assert reference.source.startswith("Adults aged 18 and over in the Dorset")
    assert reference.shares["deprivation_quintile", "1"] == pytest.approx(0.07)
    assert len(reference.shares) == 17


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("dim,cat,share\n", "The first row must be the column names dimension,category,share"),
        (GOOD + "height,tall,0.5\n", "Unknown dimension 'height'"),
        (GOOD.replace("sex,male,0.49", "sex,men,0.49"), "Unknown sex category 'men'"),
        (GOOD.replace("sex,male,0.49", "sex,male,49"), "not '49'"),
        (GOOD.replace("sex,male,0.49", "sex,male,lots"), "not 'lots'"),
        (GOOD + "sex,male,0.49\n", "sex male is listed twice"),
        (GOOD.replace("sex,male,0.49\n", ""), "sex is missing male"),
        (GOOD.replace("sex,male,0.49", "sex,male,0.39"), "The sex shares add up to 0.900, not 1"),
        (GOOD.replace("sex,male,0.49", "sex,male"), "Each row needs exactly 3 values"),
    ],
)
def test_a_bad_file_is_refused_with_the_row_and_the_reason(text, problem):
    with pytest.raises(ReferenceFileError) as refused:
        parse_reference_csv(text)

    assert any(problem in p.message for p in refused.value.problems)


def _upload(client, text: str | bytes, source: str = "ONS Census 2021, exact figures"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        URL,
        data={"file": (io.BytesIO(data), "dorset.csv"), "source": source},
        content_type="multipart/form-data",
    )


def test_the_admin_loads_new_figures_which_every_comparison_then_uses(session, world, login_as):
    client = login_as(world.admin)
    new = GOOD.replace("sex,female,0.51", "sex,female,0.52").replace(
        "sex,male,0.49", "sex,male,0.48"
    )

    response = _upload(client, new)

    assert response.status_code == 302
    reference = current_reference(session)
    assert reference.source == "ONS Census 2021, exact figures"
    assert reference.shares["sex", "female"] == pytest.approx(0.52)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reference_population.loaded")
    ).one()
    assert event.actor_id == world.admin.id
    page = text_of(client.get(URL))
    assert "ONS Census 2021, exact figures" in page
    assert "52.0%" in page


def test_a_file_with_problems_saves_nothing_and_lists_every_row(session, world, login_as):
    client = login_as(world.admin)
    bad = GOOD.replace("sex,male,0.49", "sex,male,2") + "height,tall,0.5\n"

    response = _upload(client, bad)

    assert response.status_code == 422
    page = text_of(response)
    assert "The file has 2 problem(s). Nothing was saved." in page
    assert "Unknown dimension 'height'" in page
    assert session.scalars(select(ReferencePopulation)).first() is None


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ({"source": "ONS"}, "Choose a CSV file to upload"),
        (
            {"file": (GOOD.encode(), "dorset.csv"), "source": ""},
            "Enter where the figures come from",
        ),
        (
            {"file": (b"\xff\xfe\x00", "dorset.csv"), "source": "ONS"},
            "The file must be a CSV file saved as UTF-8",
        ),
        (
            {"file": (GOOD.encode(), "dorset.xlsx"), "source": "ONS"},
            "The file must be a CSV file",
        ),
    ],
)
def test_missing_or_wrong_fields_are_named(session, world, login_as, upload, message):
    if "file" in upload:
        content, name = upload["file"]
        upload = {**upload, "file": (io.BytesIO(content), name)}
    response = login_as(world.admin).post(URL, data=upload, content_type="multipart/form-data")

    assert response.status_code == 422
    assert message in text_of(response)
    assert session.scalars(select(ReferencePopulation)).first() is None


@pytest.mark.parametrize("who", ["researcher_wfh", "evaluator", "company"])
def test_only_the_admin_may_see_or_load_the_figures(session, world, login_as, who):
    client = login_as(getattr(world, who))

    assert client.get(URL).status_code == 403
    assert _upload(client, GOOD).status_code == 403
    assert session.scalars(select(ReferencePopulation)).first() is None


def test_a_participant_is_refused(session, world, login_as):
    assert login_as(world.participant.user).get(URL).status_code == 403
