"""The deprivation lookup: the CSV loader, the admin upload page and the CLI command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.participants import admin_forms, admin_views
from livinglab.participants.deprivation import (
    DeprivationFileError,
    load_deprivation_csv,
    parse_deprivation_csv,
)
from livinglab.participants.models import DeprivationLookup
from tests import factories
from tests.participants.test_register import count, text_of

SAMPLE = Path("livinglab/participants/data/deprivation_sample.csv")


def stored(session) -> dict[str, int]:
    session.expire_all()
    return dict(
        session.execute(select(DeprivationLookup.postcode, DeprivationLookup.imd_quintile)).all()
    )


def upload(client, text: str | bytes, *, name="imd.csv", mode="add_or_update"):
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        "/admin/deprivation",
        data={"file": (io.BytesIO(body), name), "mode": mode},
        content_type="multipart/form-data",
    )


# The loader ---------------------------------------------------------------------------


def test_the_sample_file_loads(session):
    result = load_deprivation_csv(session, SAMPLE.read_text(), None)
    assert result.rows == result.added >= 40
    lookup = stored(session)
    assert lookup["BH8 8DL"] in range(1, 6)
    assert "DT1 1AA" in lookup
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "deprivation.imported"))
    assert event.one().new_value["added"] == result.added


def test_rows_are_added_or_updated_and_others_kept(session):
    load_deprivation_csv(session, "postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,2\n", None)
    result = load_deprivation_csv(session, "postcode,imd_quintile\nbh11aa,5\nDT1 1AA,3\n", None)
    assert (result.added, result.updated, result.removed) == (1, 1, 0)
    assert stored(session) == {"BH1 1AA": 5, "BH2 2BB": 2, "DT1 1AA": 3}


def test_replace_all_removes_postcodes_not_in_the_file(session):
    load_deprivation_csv(session, "postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,2\n", None)
    result = load_deprivation_csv(
        session, "\ufeffPostcode,IMD_Quintile\r\nBH1 1AA,1\r\n", None, replace_all=True
    )
    assert (result.added, result.updated, result.removed) == (0, 0, 1)
    assert stored(session) == {"BH1 1AA": 1}


BAD_FILES = {
    "wrong header": ("pc,q\nBH1 1AA,1\n", [(1, "The first row must be the column names")]),
    "empty file": ("", [(1, "The first row must be the column names")]),
    "no rows": ("postcode,imd_quintile\n\n", [(2, "The file has no rows")]),
    "every bad row is listed": (
        "postcode,imd_quintile\nBH1 1AA,1\nNOT A POSTCODE,2\nBH2 2BB,6\nBH3 3CC,two\n"
        "bh1 1aa,3\nBH4 4DD\n",
        [
            (3, "The postcode must be a full UK postcode"),
            (4, "The quintile must be a whole number from 1 to 5"),
            (5, "The quintile must be a whole number from 1 to 5"),
            (6, "The postcode BH1 1AA is already on row 2"),
            (7, "The row must have 2 values"),
        ],
    ),
    "quintile zero": ("postcode,imd_quintile\nBH1 1AA,0\n", [(2, "from 1 to 5")]),
}


@pytest.mark.parametrize(("text", "expected"), BAD_FILES.values(), ids=BAD_FILES)
def test_a_bad_file_lists_every_problem(text, expected):
    with pytest.raises(DeprivationFileError) as raised:
        parse_deprivation_csv(text)
    problems = raised.value.problems
    assert [p.row for p in problems] == [row for row, _ in expected]
    for problem, (_row, message) in zip(problems, expected, strict=True):
        assert message in problem.message


# The admin page -----------------------------------------------------------------------

OTHER_ROLES = [Role.COMPANY, Role.PARTICIPANT, Role.RESEARCHER, Role.EVALUATOR]


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_admins_may_use_the_page(client, session, login_as, role, method):
    user = (
        factories.make_participant(session).user
        if role is Role.PARTICIPANT
        else factories.make_user(session, role)
    )
    session.commit()
    login_as(user)
    if method == "get":
        response = client.get("/admin/deprivation")
    else:
        response = upload(client, "postcode,imd_quintile\nBH1 1AA,1\n")
    assert response.status_code == 403
    assert stored(session) == {}


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/deprivation")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.fixture
def admin(session, login_as):
    user = factories.make_user(session, Role.ADMIN)
    session.commit()
    login_as(user)
    return user


def test_the_page_shows_the_form(client, admin):
    response = client.get("/admin/deprivation")
    assert response.status_code == 200
    page = text_of(response)
    assert "Deprivation lookup" in page
    assert "0 postcodes stored" in page
    assert 'enctype="multipart/form-data"' in response.get_data(as_text=True)


def test_an_admin_uploads_a_file(client, session, admin):
    response = upload(client, SAMPLE.read_bytes(), name="sample.CSV")
    assert response.status_code == 302
    assert len(stored(session)) >= 40
    page = text_of(client.get("/admin/deprivation"))
    assert "added, 0 updated, 0 removed" in page
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "deprivation.imported")
    ).one()
    assert event.actor_id == admin.id
    assert event.new_value["rows"] == len(stored(session))


def test_an_admin_replaces_the_table(client, session, admin):
    load_deprivation_csv(session, "postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,2\n", None)
    session.commit()
    response = upload(client, "postcode,imd_quintile\nDT1 1AA,4\n", mode="replace_all")
    assert response.status_code == 302
    assert stored(session) == {"DT1 1AA": 4}


BAD_UPLOADS = {
    "bad rows": (
        {"text": "postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,9\nXX,1\n"},
        "The file has 2 problem(s). Nothing was saved.",
    ),
    "not a csv": (
        {"text": "postcode,imd_quintile\nBH1 1AA,1\n", "name": "imd.xlsx"},
        "The file must be a CSV file",
    ),
    "not utf-8": (
        {"text": b"postcode,imd_quintile\n\xff\xfeBH1 1AA,1\n"},
        "The file must be a CSV file saved as UTF-8",
    ),
    "no mode": (
        {"text": "postcode,imd_quintile\nBH1 1AA,1\n", "mode": "everything"},
        "Select what should happen to postcodes already stored",
    ),
}


@pytest.mark.parametrize(("kwargs", "message"), BAD_UPLOADS.values(), ids=BAD_UPLOADS)
def test_a_bad_upload_changes_nothing(client, session, admin, kwargs, message):
    load_deprivation_csv(session, "postcode,imd_quintile\nDT1 1AA,3\n", None)
    session.commit()
    events = count(session, AuditEvent)
    response = upload(client, **kwargs)
    assert response.status_code == 422
    assert "nhsuk-error-summary" in response.get_data(as_text=True)
    assert message in text_of(response)
    assert stored(session) == {"DT1 1AA": 3}
    assert count(session, AuditEvent) == events


def test_bad_rows_are_listed_with_their_row_numbers(client, session, admin):
    response = upload(client, "postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,9\nXX,1\n")
    assert response.status_code == 422
    page = text_of(response)
    assert "3 The quintile must be a whole number from 1 to 5" in page
    assert "4 The postcode must be a full UK postcode, like BH8 8DL" in page
    assert stored(session) == {}


def test_no_file_is_refused(client, session, admin):
    response = client.post(
        "/admin/deprivation", data={"mode": "add_or_update"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert text_of(response).count("Choose a CSV file to upload") == 2


def test_a_file_over_the_limit_is_refused(client, session, admin, monkeypatch):
    monkeypatch.setattr(admin_forms, "MAX_DEPRIVATION_FILE_BYTES", 100)
    response = upload(client, "postcode,imd_quintile\n" + "BH1 1AA,1\n" * 20)
    assert response.status_code == 422
    assert "The file must be smaller than" in text_of(response)
    assert stored(session) == {}


def test_a_huge_body_is_refused_before_it_is_read(client, session, admin, monkeypatch):
    monkeypatch.setattr(admin_views, "MAX_REQUEST_BYTES", 1000)
    body = "postcode,imd_quintile\n" + "BH1 1AA,1\n" * 500
    response = upload(client, body)
    assert response.status_code == 413
    assert "The file must be smaller than 4 MB" in text_of(response)
    assert stored(session) == {}


# The command --------------------------------------------------------------------------


def test_the_command_loads_a_file(app, session):
    result = app.test_cli_runner().invoke(args=["load-deprivation", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    assert "BH8 8DL" in stored(session)


def test_the_command_refuses_a_bad_file_and_loads_nothing(app, session, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("postcode,imd_quintile\nBH1 1AA,1\nBH2 2BB,7\n")
    result = app.test_cli_runner().invoke(args=["load-deprivation", str(bad)])
    assert result.exit_code != 0
    assert "Row 3: The quintile must be a whole number from 1 to 5" in result.output
    assert stored(session) == {}
