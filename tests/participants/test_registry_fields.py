"""The registry questions beyond the account: contact, NHS number, conditions, access, ethnicity,
the catchment table and the deprivation quintile."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent
from livinglab.errors import InvalidInput
from livinglab.participants.ethnicity import ETHNIC_GROUPS, ETHNIC_SECTIONS
from livinglab.participants.models import (
    CatchmentArea,
    Condition,
    ContactMethod,
    DeprivationLookup,
    Participant,
    Sex,
)
from livinglab.participants.reference_data import (
    DEFAULT_CATCHMENT,
    DEFAULT_CONDITIONS,
    ensure_reference_data,
)
from livinglab.participants.services import (
    RegistryProfile,
    check_postcode,
    normalise_uk_phone,
    register_participant,
)
from tests.participants.test_register import count, text_of, valid_data


def joined(session) -> Participant:
    return session.scalars(select(Participant)).one()


def test_the_form_asks_the_registry_questions(client):
    response = client.get("/register")
    assert response.status_code == 200
    page = text_of(response)
    html = response.get_data(as_text=True)
    for text in (
        "How would you like us to contact you?",
        "Phone number",
        "NHS number (optional)",
        "Do you live with any of these conditions?",
        "Which of these do you have?",
        "A smartphone",
        "A computer or tablet",
        "Internet at home",
        "What is your ethnic group? (optional)",
        "only to check that studies include a fair mix of people",
        "separate from agreeing to take part in any trial",
    ):
        assert text in page
    for _code, name in DEFAULT_CONDITIONS:
        assert name in page
    for section in ETHNIC_SECTIONS:
        assert section.label in page
    for code in ETHNIC_GROUPS:
        assert f'value="{code}"' in html
    assert len(ETHNIC_GROUPS) == 20  # the 19 ONS groups and "Prefer not to say"
    assert 'data-behaviour="exclusive"' in html
    assert 'type="tel"' in html
    assert "checked" not in html


def test_every_answer_is_stored(client, session):
    response = client.post(
        "/register",
        data=valid_data(
            contact_method="phone",
            phone="+44 (0)7700 900-982",
            nhs_number="943 476 5919",
            conditions=["asthma", "copd"],
            digital_access=["smartphone", "home_internet"],
            ethnic_group="white_irish",
        ),
    )
    assert response.status_code == 302, text_of(response)
    participant = joined(session)
    assert participant.contact_method is ContactMethod.PHONE
    assert participant.phone == "07700900982"
    assert participant.nhs_number == "9434765919"
    assert {c.code for c in participant.conditions} == {"asthma", "copd"}
    assert (
        participant.has_smartphone,
        participant.has_computer_or_tablet,
        participant.has_home_internet,
    ) == (True, False, True)
    assert participant.ethnic_group == "white_irish"
    assert participant.registry_opt_in is True


def test_optional_answers_left_blank_are_stored_as_unknown(client, session):
    response = client.post("/register", data=valid_data(contact_method="post", phone="0"))
    assert response.status_code == 302
    participant = joined(session)
    assert participant.contact_method is ContactMethod.POST
    assert participant.phone is None  # only kept when phone is the chosen contact
    assert participant.nhs_number is None
    assert participant.conditions == []
    assert participant.has_smartphone is None
    assert participant.has_computer_or_tablet is None
    assert participant.has_home_internet is None
    assert participant.ethnic_group is None


def test_none_of_these_is_stored_as_no_digital_access(client, session):
    response = client.post(
        "/register", data=valid_data(digital_access="none", ethnic_group="prefer_not_to_say")
    )
    assert response.status_code == 302
    participant = joined(session)
    assert (
        participant.has_smartphone,
        participant.has_computer_or_tablet,
        participant.has_home_internet,
    ) == (False, False, False)
    assert participant.ethnic_group == "prefer_not_to_say"


BAD_INPUT = {
    "no contact method": (
        {"contact_method": None},
        "Select how you would like us to contact you",
        "#contact_method",
    ),
    "unknown contact method": (
        {"contact_method": "pigeon"},
        "Select how you would like us to contact you",
        "#contact_method",
    ),
    "phone chosen without a number": (
        {"contact_method": "phone", "phone": " "},
        "Enter your phone number, or choose another way to contact you",
        "#phone",
    ),
    "phone not a UK number": (
        {"contact_method": "phone", "phone": "+1 202 555 0100"},
        "Enter a UK phone number, like 01202 123456 or 07700 900982",
        "#phone",
    ),
    "phone too short": (
        {"contact_method": "phone", "phone": "01202 1234"},
        "Enter a UK phone number, like 01202 123456 or 07700 900982",
        "#phone",
    ),
    "NHS number wrong check digit": (
        {"nhs_number": "943 476 5918"},
        "Enter a valid NHS number, like 943 476 5919",
        "#nhs_number",
    ),
    "NHS number too short": (
        {"nhs_number": "943476591"},
        "Enter a valid NHS number, like 943 476 5919",
        "#nhs_number",
    ),
    "NHS number with letters": (
        {"nhs_number": "ABC 476 5919"},
        "Enter a valid NHS number, like 943 476 5919",
        "#nhs_number",
    ),
    "unknown condition": (
        {"conditions": ["asthma", "gout"]},
        "Select conditions from the list",
        "#conditions",
    ),
    "unknown digital access": (
        {"digital_access": "fax"},
        "Select the things you have from the list",
        "#digital_access",
    ),
    "none of these with something ticked": (
        {"digital_access": ["none", "smartphone"]},
        "Select the things you have, or select none of these, not both",
        "#digital_access",
    ),
    "unknown ethnic group": (
        {"ethnic_group": "martian"},
        "Select your ethnic group, or prefer not to say",
        "#ethnic_group",
    ),
}


@pytest.mark.parametrize(("overrides", "message", "href"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_answers_are_refused_with_a_message_and_nothing_is_written(
    client, session, overrides, message, href
):
    before = (count(session, User), count(session, Participant), count(session, AuditEvent))
    response = client.post("/register", data=valid_data(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html
    assert f'href="{href}"' in html
    assert f'id="{href[1:]}"' in html
    assert text_of(response).count(message) == 2
    after = (count(session, User), count(session, Participant), count(session, AuditEvent))
    assert after == before


def test_a_condition_taken_off_the_list_is_not_offered_or_accepted(client, session):
    asthma = session.scalars(select(Condition).where(Condition.code == "asthma")).one()
    asthma.is_active = False
    session.commit()
    assert 'value="asthma"' not in client.get("/register").get_data(as_text=True)
    response = client.post("/register", data=valid_data(conditions="asthma"))
    assert response.status_code == 422
    assert count(session, Participant) == 0


def test_the_service_refuses_an_inactive_condition_too(session):
    session.execute(Condition.__table__.update().values(is_active=False))
    with pytest.raises(InvalidInput) as raised:
        register_participant(
            session,
            full_name="Pat",
            email="pat@example.test",
            password="pw-for-tests-1",
            date_of_birth=dt.date(1950, 1, 1),
            sex=Sex.FEMALE,
            postcode="BH8 8DL",
            registry_opt_in=False,
            profile=RegistryProfile(condition_codes={"asthma"}),
        )
    assert raised.value.field == "conditions"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900982", "07700900982"),
        ("(01202) 123456", "01202123456"),
        ("+447700900982", "07700900982"),
        ("0044 1202 123 456", "01202123456"),
        ("01305 12345", "0130512345"),
        ("7700900982", None),
        ("00 7700 900982", None),
        ("+1 202 555 0100", None),
        ("call me", None),
    ],
)
def test_uk_phone_numbers(raw, expected):
    assert normalise_uk_phone(raw) == expected


# Reference data and the catchment table -----------------------------------------------


def test_reference_data_is_seeded_once_and_staff_changes_are_kept(session):
    dt_area = session.scalars(select(CatchmentArea).where(CatchmentArea.code == "DT")).one()
    dt_area.is_active = False
    session.flush()
    ensure_reference_data(session)
    ensure_reference_data(session)
    assert count(session, Condition) == len(DEFAULT_CONDITIONS) >= 12
    assert count(session, CatchmentArea) == len(DEFAULT_CATCHMENT)
    assert dt_area.is_active is False


def test_the_catchment_is_data(session):
    assert check_postcode(session, "dt1 1aa") == "DT1 1AA"
    session.add(CatchmentArea(code="BH24", name="Ringwood (Hampshire)", is_active=False))
    session.add(CatchmentArea(code="SP8", name="Gillingham"))
    session.flush()
    assert check_postcode(session, "sp8 4aa") == "SP8 4AA"
    assert check_postcode(session, "BH23 1AA") == "BH23 1AA"
    # "B8H" is area B (Birmingham) with district B8H, not BH.
    for outside in ("BH24 1AA", "SP7 8AA", "SW1A 1AA", "B8H 1AA", "D1T 1AA"):
        with pytest.raises(InvalidInput) as raised:
            check_postcode(session, outside)
        assert raised.value.message == (
            "Enter a Dorset postcode: the registry is for people living in BH or DT postcodes"
        )


def test_an_inactive_area_refuses_its_postcodes_over_http(client, session):
    session.scalars(select(CatchmentArea).where(CatchmentArea.code == "BH")).one().is_active = False
    session.commit()
    response = client.post("/register", data=valid_data())
    assert response.status_code == 422
    assert "Enter a Dorset postcode" in text_of(response)
    assert count(session, Participant) == 0


def test_the_quintile_comes_from_the_lookup(client, session):
    session.add(DeprivationLookup(postcode="BH8 8DL", imd_quintile=2))
    session.commit()
    assert client.post("/register", data=valid_data(postcode="bh88dl")).status_code == 302
    assert joined(session).deprivation_quintile == 2


def test_a_postcode_not_in_the_lookup_has_an_unknown_quintile(client, session):
    session.add(DeprivationLookup(postcode="BH8 8DA", imd_quintile=2))
    session.commit()
    assert client.post("/register", data=valid_data()).status_code == 302
    assert joined(session).deprivation_quintile is None
