"""The evidence pack an evaluator reads before recording the adoption decision.

Everything comes from one stored analysis run (so the pack always matches the numbers
the results pages show) and from the trial and its product: the primary effect of each
arm against the minimal important difference (MID), a *suggested* certainty, the
secondary outcomes with their Holm-adjusted p-values, adverse events, how well the
participants represent Dorset, the NICE Evidence Standards Framework (ESF) tier, and
cost information. The evaluator makes every judgement; the pack only guides.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from evaluation.runs.models import AnalysisRun
from evaluation.runs.queries import ArmEffect, PrimaryResult, primary_result
from livinglab.products.models import EsfTier
from trials.proposals.models import Trial, TrialDesign

#: Fewer participants analysed than this lowers the suggested certainty by one level.
MIN_ANALYSED_FOR_HIGH = 50


class Certainty(enum.StrEnum):
    """How sure we can be of the primary result (the GRADE levels), most certain first."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very_low"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class TierReached(enum.StrEnum):
    """The NICE ESF evidence tier the evaluator judges the trial's evidence meets."""

    TIER_A = "tier_a"
    TIER_B = "tier_b"
    TIER_C = "tier_c"
    NOT_MET = "not_met"

    @property
    def label(self) -> str:
        return "Not met" if self is TierReached.NOT_MET else f"Tier {self.value[-1].upper()}"


#: What each design can show, in words for the page (see :func:`design_tier`).
RANDOMISED_STATEMENT = (
    "A randomised controlled comparison with a control arm: evidence of the kind NICE "
    "expects for tier C (a high-quality intervention study), and so for tiers A and B."
)
UNCONTROLLED_STATEMENT = (
    "A single-arm before-and-after comparison with no control arm: evidence for tier B at "
    "most. Tier C expects a high-quality comparative intervention study."
)
#: ESF tiers from the least to the most demanding evidence.
TIER_ORDER = {EsfTier.TIER_A: 1, EsfTier.TIER_B: 2, EsfTier.TIER_C: 3}
NO_COST_INFORMATION = (
    "The company has not supplied cost information (the product register and the trial "
    "proposal hold none). Record what you know in the cost note."
)


@dataclass(frozen=True)
class ArmEvidence:
    """One intervention arm's primary effect against control, read against the MID."""

    arm: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    excludes_no_difference: bool
    #: The whole 95% CI lies beyond the MID in the direction of benefit.
    beyond_mid: bool
    conclusion: str
    suggested_certainty: Certainty
    #: Why the suggestion is below high, one plain sentence per reason.
    certainty_reasons: tuple[str, ...]


@dataclass(frozen=True)
class SecondaryEffect:
    """One arm comparison on a secondary outcome; ``p_adjusted`` is Holm across secondaries."""

    measure: str
    arm: str
    scale: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float | None


@dataclass(frozen=True)
class ArmSafetyLine:
    """Adverse events in one arm (or ``Total``): participants, not events."""

    arm: str
    randomised: int
    with_any_event: int
    with_serious_event: int
    deaths: int


@dataclass(frozen=True)
class UnderRepresentedGroup:
    """A group whose share of participants falls short of Dorset's (see trials.monitoring)."""

    dimension: str
    group: str
    share: float | None
    dorset_share: float
    is_core20plus5: bool


@dataclass(frozen=True)
class Representativeness:
    participants: int
    source: str
    under_represented: tuple[UnderRepresentedGroup, ...]
    #: Dimensions with too few known answers to compare (e.g. "Ethnic group").
    too_few_to_compare: tuple[str, ...]


@dataclass(frozen=True)
class EsfEvidence:
    """The product's declared NICE ESF tier and the tier the trial's design can evidence."""

    declared_tier: str | None
    declared_tier_label: str
    design: str
    design_tier: str
    design_tier_label: str
    statement: str
    #: None when the product declared no tier (or is not a digital health technology).
    meets_declared_tier: bool | None


@dataclass(frozen=True)
class EvidencePack:
    """What the decision page shows; :meth:`to_dict` is JSON-safe."""

    trial_id: int
    run_id: int
    run_at: str
    measure: str
    unit: str
    lower_is_better: bool
    mid_sentence: str
    control: str
    primary: tuple[ArmEvidence, ...]
    n_analysed: int
    n_randomised: int
    warnings: tuple[str, ...]
    suggested_certainty: Certainty
    secondaries: tuple[SecondaryEffect, ...]
    #: None for runs made before the safety summary was stored with the run.
    safety: tuple[ArmSafetyLine, ...] | None
    representativeness: Representativeness | None
    esf: EsfEvidence
    #: Cost information the company supplied, or None (see ``cost_message``).
    company_cost: str | None
    cost_message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def suggest_certainty(
    effect: ArmEffect,
    *,
    controlled: bool,
    mid_threshold: float | None,
    n_analysed: int,
    warnings: int,
) -> tuple[Certainty, tuple[str, ...]]:
    """The suggested certainty of one arm's primary result, and why it is not higher.

    The rules, in the spirit of GRADE: start at *high* for a randomised comparison with a
    control arm and at *low* for a single-arm before-and-after design; then go down one
    level (never below *very low*) for each of:

    1. the 95% CI includes no difference;
    2. the 95% CI is not wholly beyond the MID in the direction of benefit (or no MID
       was declared, so this cannot be judged);
    3. fewer than :data:`MIN_ANALYSED_FOR_HIGH` participants analysed;
    4. the analysis reported warnings.

    So *high* needs all four to pass in a randomised controlled trial.
    """
    reasons = []
    if not effect.excludes_zero:
        reasons.append("The 95% CI includes no difference.")
    if mid_threshold is None:
        reasons.append("No minimal important difference was declared.")
    elif not beyond_mid(effect, mid_threshold):
        reasons.append("The 95% CI is not wholly beyond the minimal important difference.")
    if n_analysed < MIN_ANALYSED_FOR_HIGH:
        reasons.append(f"Fewer than {MIN_ANALYSED_FOR_HIGH} participants were analysed.")
    if warnings:
        reasons.append("The analysis reported warnings.")
    start = 0
    if not controlled:
        start = list(Certainty).index(Certainty.LOW)
        reasons.insert(0, "There is no randomised control arm (a before-and-after design).")
    levels = list(Certainty)
    downgrades = len(reasons) - (0 if controlled else 1)
    return levels[min(start + downgrades, len(levels) - 1)], tuple(reasons)


def beyond_mid(effect: ArmEffect, mid_threshold: float | None) -> bool:
    """The whole 95% CI is at or beyond the MID on the side of benefit (False without a MID).

    ``mid_threshold`` is signed in the direction of benefit, as ``PrimaryResult`` holds it.
    """
    if mid_threshold is None:
        return False
    if mid_threshold < 0:
        return effect.ci_high <= mid_threshold
    return effect.ci_low >= mid_threshold


def design_tier(trial: Trial) -> tuple[EsfTier, str]:
    """The ESF tier the trial's design can evidence, with the sentence shown on the page.

    A randomised design (parallel or crossover) with a control arm gives the comparative
    "high quality intervention study" NICE expects at tier C. A single-arm before-and-after
    design (or any design without a control arm) reaches tier B at most.
    """
    controlled = any(arm.is_control for arm in trial.arms) and len(trial.arms) > 1
    if trial.design is not TrialDesign.SINGLE_ARM and controlled:
        return EsfTier.TIER_C, RANDOMISED_STATEMENT
    return EsfTier.TIER_B, UNCONTROLLED_STATEMENT


def esf_evidence(trial: Trial) -> EsfEvidence:
    """The product's declared tier against the tier its trial's design evidences."""
    tier, statement = design_tier(trial)
    declared = trial.product.esf_tier
    meets = None
    if declared is not None and declared is not EsfTier.NOT_APPLICABLE:
        meets = TIER_ORDER[tier] >= TIER_ORDER[declared]
    return EsfEvidence(
        declared_tier=None if declared is None else declared.value,
        declared_tier_label="Not declared by the company" if declared is None else declared.label,
        design=trial.design.label,
        design_tier=tier.value,
        design_tier_label=tier.label,
        statement=statement,
        meets_declared_tier=meets,
    )


def arm_evidence(result: PrimaryResult, *, controlled: bool) -> tuple[ArmEvidence, ...]:
    """Each arm's effect from :func:`primary_result`, with its suggested certainty."""
    n_analysed = sum(result.n_analysed.values())
    found = []
    for effect in result.effects:
        certainty, reasons = suggest_certainty(
            effect,
            controlled=controlled,
            mid_threshold=result.mid_threshold,
            n_analysed=n_analysed,
            warnings=len(result.warnings),
        )
        found.append(
            ArmEvidence(
                arm=effect.arm,
                estimate=effect.estimate,
                ci_low=effect.ci_low,
                ci_high=effect.ci_high,
                p=effect.p,
                excludes_no_difference=effect.excludes_zero,
                beyond_mid=beyond_mid(effect, result.mid_threshold),
                conclusion=effect.conclusion,
                suggested_certainty=certainty,
                certainty_reasons=reasons,
            )
        )
    return tuple(found)


def overall_certainty(arms: tuple[ArmEvidence, ...]) -> Certainty:
    """The most certain arm's level (the arm a decision to adopt would rest on)."""
    levels = list(Certainty)
    if not arms:
        return Certainty.VERY_LOW
    return levels[min(levels.index(arm.suggested_certainty) for arm in arms)]


def secondary_effects(result: dict[str, Any]) -> tuple[SecondaryEffect, ...]:
    """Every secondary outcome's arm comparisons, in plan order (none in older runs)."""
    return tuple(
        SecondaryEffect(
            measure=outcome["measure"],
            arm=effect["arm"],
            scale=effect.get("scale", "Difference in means"),
            estimate=effect["estimate"],
            ci_low=effect["ci_low"],
            ci_high=effect["ci_high"],
            p=effect["p"],
            p_adjusted=_finite_or_none(effect.get("p_adjusted")),
        )
        for outcome in result.get("outcomes", ())
        if outcome.get("role") == "secondary"
        for effect in outcome.get("effects", ())
    )


def safety_lines(result: dict[str, Any]) -> tuple[ArmSafetyLine, ...] | None:
    """Participants with any and with a serious adverse event, and deaths, per arm and total."""
    safety = result.get("safety")
    if not safety:
        return None
    return tuple(
        ArmSafetyLine(
            arm=arm["arm"],
            randomised=arm["randomised"],
            with_any_event=arm["participants_with_event"],
            with_serious_event=arm["participants_with_serious"],
            deaths=arm["deaths"],
        )
        for arm in [*safety["arms"], safety["total"]]
    )


def representativeness_of(result: dict[str, Any]) -> Representativeness | None:
    """The under-represented groups (with their Core20PLUS5 flag) stored with the run."""
    stored = result.get("representativeness")
    if not stored:
        return None
    return Representativeness(
        participants=stored["participants"],
        source=stored["source"],
        under_represented=tuple(
            UnderRepresentedGroup(
                dimension=table["label"],
                group=row["label"],
                share=row["share"],
                dorset_share=row["reference_share"],
                is_core20plus5=row["core20plus5"],
            )
            for table in stored["tables"]
            for row in table["rows"]
            if row["under_represented"]
        ),
        too_few_to_compare=tuple(t["label"] for t in stored["tables"] if t["too_few"]),
    )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def evidence_pack(session: Session, trial: Trial, run: AnalysisRun) -> EvidencePack:
    """Build the evidence pack for ``trial`` from the stored ``run`` (a DONE run).

    ``trial`` must have its arms and product loaded (``trials.queries.trial_with_details``).
    ``session`` is for cost information once the product register holds it; nothing is
    read from it today.
    """
    primary = primary_result(run)
    tier, _statement = design_tier(trial)
    arms = arm_evidence(primary, controlled=tier is EsfTier.TIER_C)
    result = run.result or {}
    return EvidencePack(
        trial_id=trial.id,
        run_id=run.id,
        run_at=primary.run_at.isoformat(),
        measure=primary.measure,
        unit=primary.unit,
        lower_is_better=primary.lower_is_better,
        mid_sentence=primary.mid_sentence,
        control=primary.control,
        primary=arms,
        n_analysed=sum(primary.n_analysed.values()),
        n_randomised=sum(primary.n_randomised.values()),
        warnings=primary.warnings,
        suggested_certainty=overall_certainty(arms),
        secondaries=secondary_effects(result),
        safety=safety_lines(result),
        representativeness=representativeness_of(result),
        esf=esf_evidence(trial),
        company_cost=None,
        cost_message=NO_COST_INFORMATION,
    )
