"""Item wording for licensed instruments, read from a licensed-text JSON file.

The file is made by whoever holds the licence, from the licensed version, and kept out of
the repository. Its shape::

    {
      "instrument": "wemwbs",
      "version": "WEMWBS English (UK), licensed copy of 2024-01-10",   # optional
      "instructions": "...",                                          # optional
      "items": {"wemwbs_1": "…", "wemwbs_2": "…", …},                # every item
      "options": {"1": "…", "2": "…", …},             # optional: labels for every item
      "item_options": {"eq5d_mo": {"1": "…", …}, …}   # optional: labels for one item
    }
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trials.questionnaires.errors import LicensedTextError
from trials.questionnaires.model import Instrument, Item, ResponseOption

#: Marks every piece of wording that must come from the licensed version.
LICENSED_TEXT_PLACEHOLDER = "[licensed text: load from the licensed version]"


def load_licensed_text(instrument: Instrument, path: Path | str) -> Instrument:
    """A copy of ``instrument`` with item texts (and labels) from a licensed-text file.

    Raises:
        LicensedTextError: the file is unreadable, for another instrument, lacks an item's
            text, names an unknown item, or labels a response value the item does not have.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LicensedTextError(f"Cannot read licensed text {path}: {e}") from e
    if not isinstance(data, dict) or data.get("instrument") != instrument.code:
        raise LicensedTextError(f"{path} is not a licensed-text file for {instrument.code}.")
    texts = _string_map(data.get("items"), path, "items")
    known = {i.code for i in instrument.items}
    if unknown := sorted(set(texts) - known):
        raise LicensedTextError(f"{path} names unknown items: {', '.join(unknown)}.")
    if missing := [code for code in known if code not in texts]:
        raise LicensedTextError(f"{path} has no text for: {', '.join(sorted(missing))}.")
    shared = _string_map(data.get("options", {}), path, "options")
    per_item = data.get("item_options", {})
    if not isinstance(per_item, dict) or set(per_item) - known:
        raise LicensedTextError(f"{path}: item_options must map known item codes to labels.")
    items = tuple(
        _relabel(
            item,
            texts[item.code],
            {**shared, **_string_map(per_item.get(item.code, {}), path, item.code)},
            path,
        )
        for item in instrument.items
    )
    unlabelled = [
        i.code for i in items if any(LICENSED_TEXT_PLACEHOLDER in o.label for o in i.options)
    ]
    if unlabelled:
        raise LicensedTextError(f"{path} has no response labels for: {', '.join(unlabelled)}.")
    changes: dict[str, Any] = {"items": items, "has_licensed_text": True}
    for key in ("version", "instructions"):
        if isinstance(data.get(key), str) and data[key].strip():
            changes[key] = data[key]
    return dataclasses.replace(instrument, **changes)


def with_licensed_text_if_present(instrument: Instrument, directory: Path | str) -> Instrument:
    """``instrument`` with wording from ``<directory>/<code>.json`` when that file exists."""
    path = Path(directory) / f"{instrument.code}.json"
    return load_licensed_text(instrument, path) if path.is_file() else instrument


def _string_map(value: object, path: Path, what: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise LicensedTextError(f"{path}: {what} must map codes to non-empty strings.")
    return dict(value)


def _relabel(item: Item, text: str, labels: Mapping[str, str], path: Path) -> Item:
    if not item.options:
        return dataclasses.replace(item, text=text)
    values = {str(o.value) for o in item.options}
    if extra := sorted(set(labels) - values):
        raise LicensedTextError(f"{path}: {item.code} has no response value {', '.join(extra)}.")
    options = tuple(
        ResponseOption(o.value, labels.get(str(o.value), o.label)) for o in item.options
    )
    return dataclasses.replace(item, text=text, options=options)
