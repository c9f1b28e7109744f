"""What a plan may choose: analyses by outcome type and design, covariates and subgroups."""

from __future__ import annotations

from dataclasses import dataclass

from trials.proposals.models import MeasureType, TrialDesign


@dataclass(frozen=True)
class AnalysisChoice:
    """One way to analyse an outcome: the engine's model and family, in words."""

    key: str
    model: str
    family: str
    label: str
    #: Uses every follow-up visit (a repeated-measures model) rather than one visit.
    repeated: bool = False


ANALYSES = {
    choice.key: choice
    for choice in (
        AnalysisChoice(
            "ancova", "ancova", "gaussian", "ANCOVA: follow-up value adjusted for baseline"
        ),
        AnalysisChoice(
            "mixed",
            "mixed",
            "gaussian",
            "Linear mixed model over every follow-up visit (random intercept per participant)",
            repeated=True,
        ),
        AnalysisChoice(
            "gee_gaussian",
            "gee",
            "gaussian",
            "GEE over every follow-up visit (exchangeable correlation, robust errors)",
            repeated=True,
        ),
        AnalysisChoice(
            "glm_binomial", "glm", "binomial", "Logistic regression (odds ratio), risk difference"
        ),
        AnalysisChoice(
            "gee_binomial",
            "gee",
            "binomial",
            "Logistic GEE over every follow-up visit (exchangeable correlation)",
            repeated=True,
        ),
        AnalysisChoice("glm_poisson", "glm", "poisson", "Poisson regression (rate ratio)"),
        AnalysisChoice(
            "glm_negative_binomial",
            "glm",
            "negative_binomial",
            "Negative binomial regression (rate ratio, allows overdispersion)",
        ),
        AnalysisChoice(
            "gee_poisson",
            "gee",
            "poisson",
            "Poisson GEE over every follow-up visit (exchangeable correlation)",
            repeated=True,
        ),
        AnalysisChoice(
            "paired",
            "paired",
            "gaussian",
            "Paired t-test and Wilcoxon signed-rank test (before and after)",
        ),
    )
}

#: Analyses offered for a measure type in a design with a control arm.
BY_TYPE = {
    MeasureType.CONTINUOUS: ("ancova", "mixed", "gee_gaussian"),
    MeasureType.ORDINAL: ("ancova", "mixed", "gee_gaussian"),
    MeasureType.BINARY: ("glm_binomial", "gee_binomial"),
    MeasureType.COUNT: ("glm_poisson", "glm_negative_binomial", "gee_poisson"),
}


def analyses_for(measure_type: MeasureType, design: TrialDesign) -> tuple[str, ...]:
    """Analysis keys that fit the measure and design; the first is the usual choice."""
    if design is TrialDesign.SINGLE_ARM:
        return ("paired",) if measure_type in (MeasureType.CONTINUOUS, MeasureType.ORDINAL) else ()
    return BY_TYPE[measure_type]


#: Adjustment covariates a plan may name (beside the arm).
COVARIATES = {
    "baseline": "Baseline value of the same outcome",
    "site": "Site (Wessex Fields or Dorchester)",
    "age_band": "Age band at randomisation",
    "sex": "Sex",
}

#: Subgroups whose effects the plan examines, with interaction tests.
SUBGROUPS = {
    "site": "Site",
    "age_65_plus": "Aged 65 and over",
    "imd_quintile": "Deprivation quintile (IMD)",
    "sex": "Sex",
}
