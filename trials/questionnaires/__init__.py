"""Validated patient-reported outcome questionnaires as data, with their scoring rules.

A pure library: plain dataclasses in, plain dataclasses out. It imports neither Flask nor
SQLAlchemy, so pages, services and the evaluation can all use it. See
``docs/questionnaires.md`` for each instrument, its scoring sources and licensing.
"""

from trials.questionnaires.errors import (
    InvalidAnswerError,
    InvalidProfileError,
    LicensedTextError,
    QuestionnaireError,
    UnknownInstrumentError,
    ValueSetError,
)
from trials.questionnaires.instruments import (
    EQ5D5L,
    GAD7,
    INSTRUMENTS,
    PHQ9,
    SWEMWBS,
    SWEMWBS_METRIC,
    WEMWBS,
    get_instrument,
    swemwbs_answers_from_wemwbs,
)
from trials.questionnaires.licensed_text import (
    LICENSED_TEXT_PLACEHOLDER,
    load_licensed_text,
    with_licensed_text_if_present,
)
from trials.questionnaires.model import (
    Band,
    Instrument,
    Item,
    Licence,
    MissingDataRule,
    ResponseOption,
    ScoringMethod,
)
from trials.questionnaires.scoring import SafetyFlag, Score, score, validate_answers
from trials.questionnaires.value_sets import (
    EQ5D_DIMENSIONS,
    ValueSet,
    index_value,
    load_value_set,
)

__all__ = [
    "EQ5D5L",
    "EQ5D_DIMENSIONS",
    "GAD7",
    "INSTRUMENTS",
    "LICENSED_TEXT_PLACEHOLDER",
    "PHQ9",
    "SWEMWBS",
    "SWEMWBS_METRIC",
    "WEMWBS",
    "Band",
    "Instrument",
    "InvalidAnswerError",
    "InvalidProfileError",
    "Item",
    "Licence",
    "LicensedTextError",
    "MissingDataRule",
    "QuestionnaireError",
    "ResponseOption",
    "SafetyFlag",
    "Score",
    "ScoringMethod",
    "UnknownInstrumentError",
    "ValueSet",
    "ValueSetError",
    "get_instrument",
    "index_value",
    "load_licensed_text",
    "load_value_set",
    "score",
    "swemwbs_answers_from_wemwbs",
    "validate_answers",
    "with_licensed_text_if_present",
]
