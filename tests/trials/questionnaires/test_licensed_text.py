"""Licensed wording: loaded from a licensed-text file, never shipped in the repository."""

from __future__ import annotations

import json

import pytest

from trials.questionnaires import (
    EQ5D5L,
    LICENSED_TEXT_PLACEHOLDER,
    WEMWBS,
    LicensedTextError,
    get_instrument,
    load_licensed_text,
    score,
    with_licensed_text_if_present,
)

#: Invented wording standing in for the licensed text in tests.
WEMWBS_FILE = {
    "instrument": "wemwbs",
    "version": "WEMWBS (test copy)",
    "instructions": "Invented instructions.",
    "items": {f"wemwbs_{n}": f"Invented statement {n}" for n in range(1, 15)},
    "options": {str(v): f"Invented option {v}" for v in range(1, 6)},
}


def write(tmp_path, data, name="wemwbs.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_loads_item_texts_and_labels(tmp_path):
    instrument = load_licensed_text(WEMWBS, write(tmp_path, WEMWBS_FILE))
    assert instrument.has_licensed_text
    assert instrument.items[0].text == "Invented statement 1"
    assert [o.label for o in instrument.items[13].options][-1] == "Invented option 5"
    assert (instrument.version, instrument.instructions) == (
        "WEMWBS (test copy)",
        "Invented instructions.",
    )
    assert all(LICENSED_TEXT_PLACEHOLDER not in i.text for i in instrument.items)
    assert score(instrument, {f"wemwbs_{n}": 5 for n in range(1, 15)}).total == 70


def test_per_item_labels_for_eq5d(tmp_path):
    dims = ["eq5d_mo", "eq5d_sc", "eq5d_ua", "eq5d_pd", "eq5d_ad"]
    data = {
        "instrument": "eq5d5l",
        "items": {c: f"Invented {c}" for c in [*dims, "eq5d_vas"]},
        "item_options": {c: {str(v): f"{c} level {v}" for v in range(1, 6)} for c in dims},
    }
    instrument = load_licensed_text(EQ5D5L, write(tmp_path, data, "eq5d5l.json"))
    assert instrument.item("eq5d_pd").options[2].label == "eq5d_pd level 3"
    assert instrument.item("eq5d_vas").text == "Invented eq5d_vas"


def test_get_instrument_uses_the_file_only_when_present(tmp_path):
    assert get_instrument("wemwbs", licensed_text_dir=tmp_path) is WEMWBS
    write(tmp_path, WEMWBS_FILE)
    assert get_instrument("wemwbs", licensed_text_dir=tmp_path).has_licensed_text
    assert with_licensed_text_if_present(EQ5D5L, tmp_path) is EQ5D5L


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": "swemwbs"}, "not a licensed-text file for wemwbs"),
        ({"items": {"wemwbs_1": "x"}}, "no text for"),
        ({"items": WEMWBS_FILE["items"] | {"wemwbs_15": "x"}}, "unknown items"),
        ({"items": WEMWBS_FILE["items"] | {"wemwbs_2": " "}}, "non-empty strings"),
        ({"options": {"1": "only one"}}, "no response labels"),
        ({"options": WEMWBS_FILE["options"] | {"6": "x"}}, "no response value 6"),
        ({"item_options": {"wemwbs_99": {}}}, "item_options"),
    ],
)
def test_mismatched_files_are_refused(tmp_path, change, message):
    with pytest.raises(LicensedTextError, match=message):
        load_licensed_text(WEMWBS, write(tmp_path, WEMWBS_FILE | change))


def test_unreadable_file(tmp_path):
    path = tmp_path / "wemwbs.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(LicensedTextError, match="Cannot read"):
        load_licensed_text(WEMWBS, path)
