"""The five instruments as data: WEMWBS, SWEMWBS, PHQ-9, GAD-7 and EQ-5D-5L.

Item wording of WEMWBS, SWEMWBS and EQ-5D-5L is licensed and is not reproduced here: those
items carry ``LICENSED_TEXT_PLACEHOLDER`` texts until ``load_licensed_text`` reads the wording
from the licensed version. PHQ-9 and GAD-7 wording is free to reproduce (Pfizer: no
permission required) and is included.

No instrument here has reverse-scored items (checked against Tennant et al. 2007 for WEMWBS,
whose 14 statements are all positively worded; Kroenke et al. 2001; Spitzer et al. 2006;
Herdman et al. 2011).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from trials.questionnaires.errors import UnknownInstrumentError
from trials.questionnaires.licensed_text import (
    LICENSED_TEXT_PLACEHOLDER,
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

# --- (S)WEMWBS -------------------------------------------------------------------------

_WARWICK_LICENCE = Licence(
    owner="University of Warwick, University of Edinburgh and NHS Health Scotland",
    summary=(
        "Free for non-commercial use after registering with the University of Warwick; "
        "commercial use needs a paid licence. Item wording must come from the licensed "
        "version and may not be altered."
    ),
    is_licence_required=True,
    is_text_licensed=True,
    url="https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/",
)

_WARWICK_OPTIONS = tuple(
    ResponseOption(v, f"{LICENSED_TEXT_PLACEHOLDER} (response {v} of 5)") for v in range(1, 6)
)

_WARWICK_COMPLETE_ONLY = MissingDataRule(
    max_missing=0,
    source=(
        "Conservative choice: Warwick's public scoring page (warwick.ac.uk, 'Collect, score, "
        "analyse and interpret WEMWBS') defines the score only as the sum of all items and "
        "refers to the registered-user guide for more; we found no published imputation "
        "rule we could verify, so a score is given only when every item is answered. The "
        "SWEMWBS conversion table is defined only for whole raw scores 7-35."
    ),
)

_WARWICK_NO_BANDS_NOTE = (
    "No bands: Warwick states WEMWBS is not a screening instrument and provides no cut "
    "point (warwick.ac.uk, 'Uses of WEMWBS')."
)

#: WEMWBS item numbers that make up SWEMWBS, in SWEMWBS order (Stewart-Brown et al. 2009).
SWEMWBS_FROM_WEMWBS_ITEMS = (1, 2, 3, 6, 7, 9, 11)

WEMWBS = Instrument(
    code="wemwbs",
    name="Warwick-Edinburgh Mental Wellbeing Scale",
    version="WEMWBS 14-item (Tennant et al. 2007)",
    recall_period="the last 2 weeks",
    instructions=(
        "Fourteen statements about feelings and thoughts. For each one, choose the answer "
        "that best describes how you have felt over the last 2 weeks."
    ),
    items=tuple(
        Item(
            code=f"wemwbs_{n}",
            text=f"{LICENSED_TEXT_PLACEHOLDER} WEMWBS statement {n}",
            options=_WARWICK_OPTIONS,
            label=f"Statement {n}",
        )
        for n in range(1, 15)
    ),
    scoring=ScoringMethod.SUM,
    score_range=(14, 70),
    missing_rule=_WARWICK_COMPLETE_ONLY,
    licence=_WARWICK_LICENCE,
    scoring_source=(
        "Tennant R et al. Health Qual Life Outcomes 2007;5:63. Items 1-5, total = sum of 14 "
        "items, 14-70; all statements positively worded, none reversed."
    ),
    has_licensed_text=False,
    notes=(_WARWICK_NO_BANDS_NOTE,),
)

#: SWEMWBS raw score (7-35) to metric score, from the official Warwick conversion table
#: (Rasch-based, Stewart-Brown et al. 2009).
SWEMWBS_METRIC: Mapping[int, float] = MappingProxyType(
    {
        7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75,
        14: 15.32, 15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59,
        21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11,
        28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55,
        35: 35.00,
    }
)  # fmt: skip

SWEMWBS = Instrument(
    code="swemwbs",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale",
    version="SWEMWBS 7-item (Stewart-Brown et al. 2009), metric scoring",
    recall_period="the last 2 weeks",
    instructions=(
        "Seven statements about feelings and thoughts. For each one, choose the answer that "
        "best describes how you have felt over the last 2 weeks."
    ),
    items=tuple(
        Item(
            code=f"swemwbs_{n}",
            text=f"{LICENSED_TEXT_PLACEHOLDER} SWEMWBS statement {n}",
            options=_WARWICK_OPTIONS,
            label=f"Statement {n}",
            source_item=f"wemwbs_{w}",
        )
        for n, w in enumerate(SWEMWBS_FROM_WEMWBS_ITEMS, start=1)
    ),
    scoring=ScoringMethod.SUM_THEN_METRIC,
    score_range=(7.0, 35.0),
    missing_rule=_WARWICK_COMPLETE_ONLY,
    licence=_WARWICK_LICENCE,
    scoring_source=(
        "Stewart-Brown S et al. Health Qual Life Outcomes 2009;7:15. Items 1-5, raw = sum "
        "of 7 items (7-35), converted to the metric score with Warwick's official table; "
        "none reversed."
    ),
    has_licensed_text=False,
    notes=(_WARWICK_NO_BANDS_NOTE,),
)


def swemwbs_answers_from_wemwbs(answers: Mapping[str, int | None]) -> dict[str, int | None]:
    """SWEMWBS answers taken from a completed WEMWBS (its items 1, 2, 3, 6, 7, 9, 11)."""
    return {item.code: answers.get(item.source_item or "") for item in SWEMWBS.items}


# --- PHQ-9 and GAD-7 -------------------------------------------------------------------

_PFIZER_LICENCE = Licence(
    owner="Pfizer Inc. (developed by Spitzer, Williams, Kroenke and colleagues)",
    summary=(
        "Free to reproduce, translate, display and distribute; no permission required "
        "(phqscreeners.com). Keep the copyright line with the questions."
    ),
    is_licence_required=False,
    is_text_licensed=False,
    url="https://www.phqscreeners.com/",
)

_FREQUENCY = (
    ResponseOption(0, "Not at all"),
    ResponseOption(1, "Several days"),
    ResponseOption(2, "More than half the days"),
    ResponseOption(3, "Nearly every day"),
)

_DIFFICULTY = (
    ResponseOption(0, "Not difficult at all"),
    ResponseOption(1, "Somewhat difficult"),
    ResponseOption(2, "Very difficult"),
    ResponseOption(3, "Extremely difficult"),
)

_DIFFICULTY_TEXT = (
    "If you checked off any problems, how difficult have these problems made it for you to "
    "do your work, take care of things at home, or get along with other people?"
)

_PHQ9_TEXTS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)

PHQ9_SAFETY_MESSAGE = (
    "The participant reported thoughts of being better off dead or of self-harm "
    "(PHQ-9 item 9). Staff must follow this up under the trial's safety procedure."
)

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire (depression)",
    version="PHQ-9 (Kroenke, Spitzer & Williams 2001), English",
    recall_period="the last 2 weeks",
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        *(
            Item(
                code=f"phq9_{n}",
                text=text,
                options=_FREQUENCY,
                is_safety_item=(n == 9),
                safety_message=PHQ9_SAFETY_MESSAGE if n == 9 else "",
            )
            for n, text in enumerate(_PHQ9_TEXTS, start=1)
        ),
        Item(
            code="phq9_difficulty",
            text=_DIFFICULTY_TEXT,
            options=_DIFFICULTY,
            is_scored=False,
        ),
    ),
    scoring=ScoringMethod.SUM,
    score_range=(0, 27),
    missing_rule=MissingDataRule(
        max_missing=2,
        source=(
            "PHQ scoring convention (Kroenke et al.; PHQ instruction manual): with 1 or 2 "
            "of the 9 items missing, prorate the total as sum × 9 / answered, rounded; with "
            "3 or more missing, no score."
        ),
    ),
    licence=_PFIZER_LICENCE,
    scoring_source=(
        "Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606-13. Items 0-3, "
        "total 0-27; severity 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately "
        "severe, 20-27 severe. The difficulty question is not scored. PHQ-2 = items 1-2 "
        "(Kroenke et al. 2003)."
    ),
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("moderately_severe", "Moderately severe", 15, 19),
        Band("severe", "Severe", 20, 27),
    ),
    subscales=(("phq2", ("phq9_1", "phq9_2")),),
)

_GAD7_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

GAD7 = Instrument(
    code="gad7",
    name="Generalised Anxiety Disorder Assessment",
    version="GAD-7 (Spitzer, Kroenke, Williams & Löwe 2006), English",
    recall_period="the last 2 weeks",
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    items=(
        *(
            Item(code=f"gad7_{n}", text=text, options=_FREQUENCY)
            for n, text in enumerate(_GAD7_TEXTS, start=1)
        ),
        Item(
            code="gad7_difficulty",
            text=_DIFFICULTY_TEXT,
            options=_DIFFICULTY,
            is_scored=False,
        ),
    ),
    scoring=ScoringMethod.SUM,
    score_range=(0, 21),
    missing_rule=MissingDataRule(
        max_missing=1,
        source=(
            "The PHQ-family proration (sum × 7 / answered, rounded) allowed for at most 1 "
            "of the 7 items (14%, below the PHQ-9's 2 of 9); Spitzer et al. 2006 give no "
            "missing-item rule, so this is our documented, conservative choice."
        ),
    ),
    licence=_PFIZER_LICENCE,
    scoring_source=(
        "Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-7. Items "
        "0-3, total 0-21; severity 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe. "
        "GAD-2 = items 1-2 (Kroenke et al. 2007)."
    ),
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("severe", "Severe", 15, 21),
    ),
    subscales=(("gad2", ("gad7_1", "gad7_2")),),
)

# --- EQ-5D-5L --------------------------------------------------------------------------

#: The five dimensions in profile order: (item code, name).
EQ5D_DIMENSION_ITEMS = (
    ("eq5d_mo", "Mobility"),
    ("eq5d_sc", "Self-care"),
    ("eq5d_ua", "Usual activities"),
    ("eq5d_pd", "Pain / discomfort"),
    ("eq5d_ad", "Anxiety / depression"),
)

EQ5D5L = Instrument(
    code="eq5d5l",
    name="EQ-5D-5L descriptive system and EQ VAS",
    version="EQ-5D-5L (Herdman et al. 2011), UK English",
    recall_period="today",
    instructions=(
        "For each of five areas of health, choose the one statement that best describes "
        "your health today; then mark how good or bad your health is today on a scale from "
        "0 (the worst health you can imagine) to 100 (the best health you can imagine)."
    ),
    items=(
        *(
            Item(
                code=code,
                text=f"{LICENSED_TEXT_PLACEHOLDER} EQ-5D-5L {name}",
                options=tuple(
                    ResponseOption(v, f"{LICENSED_TEXT_PLACEHOLDER} ({name}, level {v})")
                    for v in range(1, 6)
                ),
                label=name,
            )
            for code, name in EQ5D_DIMENSION_ITEMS
        ),
        Item(
            code="eq5d_vas",
            text=f"{LICENSED_TEXT_PLACEHOLDER} EQ VAS",
            value_range=(0, 100),
            label="Health today (0-100)",
        ),
    ),
    scoring=ScoringMethod.EQ5D_PROFILE,
    score_range=(0, 100),
    missing_rule=MissingDataRule(
        max_missing=0,
        source=(
            "EuroQol EQ-5D-5L user guide: a health state needs a level for every dimension; "
            "with any dimension missing the profile (and any index) is missing. A missing "
            "VAS does not affect the profile."
        ),
    ),
    licence=Licence(
        owner="EuroQol Research Foundation",
        summary=(
            "Registration with EuroQol is required for every use and a licence (free for "
            "most non-commercial research, paid for commercial use) must be in place; the "
            "wording and layout must come from the licensed version. Value sets are used "
            "as published; none is shipped here."
        ),
        is_licence_required=True,
        is_text_licensed=True,
        url="https://euroqol.org/register/",
    ),
    scoring_source=(
        "Herdman M et al. Qual Life Res 2011;20:1727-36; EuroQol EQ-5D-5L user guide. "
        "Levels 1 (no problems) to 5 (extreme problems / unable), profile = the five levels "
        "in the order MO SC UA PD AD (e.g. '11223'); EQ VAS 0-100. The levels are ordinal: "
        "no sum is meaningful, and an index needs a country value set."
    ),
    has_licensed_text=False,
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {i.code: i for i in (WEMWBS, SWEMWBS, PHQ9, GAD7, EQ5D5L)}
)


def get_instrument(code: str, *, licensed_text_dir: Path | str | None = None) -> Instrument:
    """The instrument with this code, with licensed wording if a file for it is present.

    Args:
        code: ``wemwbs``, ``swemwbs``, ``phq9``, ``gad7`` or ``eq5d5l``.
        licensed_text_dir: a folder that may hold ``<code>.json`` with the licensed wording
            (see ``load_licensed_text``); ignored when absent or when the file is absent.

    Raises:
        UnknownInstrumentError: no instrument has this code.
        LicensedTextError: the licensed-text file exists but does not fit the instrument.
    """
    try:
        instrument = INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrumentError(code) from None
    if licensed_text_dir is None:
        return instrument
    return with_licensed_text_if_present(instrument, licensed_text_dir)
