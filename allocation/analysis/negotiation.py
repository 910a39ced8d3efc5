"""Layer 4 (analysis): the negotiation answered whole, for every face at once.

One :class:`Negotiation` of a SCENARIO against a REFERENCE, computed by :func:`negotiate`:

* the **guarantee** "nobody loses more than X%" (:mod:`allocation.analysis.guarantee`): its
  cost per pot and payment year and over the shared years together (``year == "all"``) at
  every level of the table, and at the chosen level the municipalities it tops up and the
  afroming (skimmed gains) that pays for them in the budget-neutral variant, derived from
  :func:`~allocation.analysis.guarantee.paid_amounts`: ``top_up_eur = max(0, guaranteed -
  scenario)``, ``afroming_eur = max(0, scenario - guaranteed)``; ``guaranteed_eur`` sums to
  the pot-year's budget exactly, so the top-ups and the afroming are equal in sum;
* the **compromise** key per pot (:mod:`allocation.analysis.compromise`) at any level, with
  the frontier over :data:`LEVELS` and the chosen level, the key in words (Dutch, numbers
  through Babel) and whether it is the reference's or the target's own key.

The command line (``guarantee``, ``compromise``, ``compare``'s negotiation sheets, ``brief``)
and the app's Vergelijken view all call :func:`negotiate` (or its two halves
:func:`guarantee_of` and :func:`compromise_of`): the levels are this module's :data:`LEVELS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocation.analysis.compare import shared_pot_years
from allocation.analysis.compromise import (
    CompromisePoint,
    CompromiseProblem,
    compromise_problem,
    compromise_scenario,
    frontier,
    frontier_table,
    least_max_loss,
)
from allocation.analysis.guarantee import (
    GuaranteeCost,
    guarantee_cost,
    guarantee_table,
    paid_amounts,
    pot_year_amounts,
    unpaid_problem,
)
from allocation.analysis.levels import DEFAULT_MAX_LOSS_PCT, LEVELS  # noqa: F401 (re-exported)
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.scenario.result import ScenarioResult

MUNICIPALITY_COLUMNS = ["pot", "year", "gm_code", "gm_name", "reference_eur", "scenario_eur", "top_up_eur",
                        "afroming_eur", "guaranteed_eur"]


@dataclass(frozen=True)
class GuaranteeYear:
    """The guarantee at the chosen level on one pot-year (``year`` = ``"all"``: the shared
    years together)."""

    pot: str
    year: str
    max_loss_pct: float
    budget_eur: int
    cost: GuaranteeCost
    payers: int | None  # municipalities whose gains are skimmed (None: "all", or skimming does not pay)

    @property
    def top_up_eur(self) -> int:
        return self.cost.top_up_eur

    @property
    def costs_nothing(self) -> bool:
        return self.cost.top_up_eur == 0

    @property
    def paid(self) -> bool:
        """Skimming gains pays for it (true too where it costs nothing)."""
        return self.costs_nothing or self.cost.exact_cap_pct is not None


@dataclass(frozen=True)
class Guarantee:
    """The guarantee "nobody loses more than ``max_loss_pct``%" of a scenario against a reference."""

    max_loss_pct: float
    table: pd.DataFrame  # guarantee_table over the levels (COLUMNS + shortfall_eur)
    years: tuple[GuaranteeYear, ...]  # at max_loss_pct: per pot its years, then "all"
    municipalities: pd.DataFrame  # MUNICIPALITY_COLUMNS, every pot-year that skimming pays
    unpaid: tuple[str, ...]  # one sentence per pot-year that skimming every gain does not pay

    def year(self, pot: str, year: int | str) -> GuaranteeYear:
        return next(item for item in self.years if item.pot == pot and item.year == str(year))


@dataclass(frozen=True)
class Compromise:
    """The compromise key of one pot: closest to the target with nobody more than
    ``max_loss_pct``% below the reference in ``year``."""

    pot: str
    year: int
    max_loss_pct: float
    point: CompromisePoint
    least_max_loss_pct: float
    problem: CompromiseProblem
    points: tuple[CompromisePoint, ...]  # the frontier: LEVELS and the chosen level, loosest last
    same_as: str | None  # "reference" or "target": the key found gives that scenario's own allocation
    scenario_yaml: str | None  # the reference with this pot's key replaced (None: infeasible)

    @property
    def feasible(self) -> bool:
        return self.point.feasible

    @property
    def frontier(self) -> pd.DataFrame:
        return frontier_table(list(self.points), self.problem)

    @property
    def distance_pct(self) -> float:
        """The distance to the target in % of the year's budget."""
        return self.point.distance_eur / self.problem.budget * 100 if self.point.feasible else float("nan")

    @property
    def key_words(self) -> str:
        """The key in words (in the language): ``35% inwoners, 65% migratieachtergrond, vast bedrag € 152 per
        gemeente``."""
        return key_in_words(self.point.weights(), self.point.vast_bedrag_eur)

    @property
    def words(self) -> str:
        """The answer in one sentence in the language (infeasible, or equal to a scenario's key, in words)."""
        level = i18n.pct(self.max_loss_pct, 2, trim=True)
        if not self.point.feasible:
            return _("cpr_words_infeasible", level=level, least=i18n.pct(self.least_max_loss_pct, 2, trim=True))
        share = _("cpr_less_than_a_hundredth") if 0 < self.distance_pct < 0.005 else i18n.pct(
            self.distance_pct, 2, trim=True)
        distance = _("cpr_words_distance", eur=i18n.eur(self.point.distance_eur), share=share)
        if self.same_as == "reference":
            return _("cpr_words_reference", key=self.key_words, distance=distance)
        if self.same_as == "target":
            return _("cpr_words_target", level=level, key=self.key_words)
        return _("cpr_words", key=self.key_words, distance=distance)


@dataclass(frozen=True)
class Negotiation:
    """Everything the talks ask of a scenario against a reference (see the module docstring)."""

    reference: str
    scenario: str
    year: int | None  # the payment year asked for (None: all shared years)
    guarantee: Guarantee
    compromises: tuple[Compromise, ...]  # per pot
    problems: tuple[str, ...]  # per pot the compromise could not be set up for, one sentence each

    def compromise(self, pot: str) -> Compromise | None:
        return next((item for item in self.compromises if item.pot == pot), None)

    def guarantee_years(self) -> tuple[GuaranteeYear, ...]:
        """The guarantee at the chosen level for the year asked for (or ``all``), per pot."""
        wanted = "all" if self.year is None else str(self.year)
        return tuple(item for item in self.guarantee.years if item.year == wanted)


def key_in_words(weights: dict[str, float], vast_bedrag_eur: int) -> str:
    """``35% inwoners, 65% migratieachtergrond, vast bedrag € 152 per gemeente`` (weights of the
    variable part in the order given, to 0.1%; a key below 0.05% is left out), in the language."""
    parts = [f"{i18n.pct(weight * 100, 1, trim=True)} {key}" for key, weight in weights.items()
             if weight * 100 >= 0.05]
    if vast_bedrag_eur:
        parts.append(_("cpr_words_vast", eur=i18n.eur(vast_bedrag_eur)))
    return ", ".join(parts) if parts else _("cpr_words_no_key")


def guarantee_of(reference: ScenarioResult, scenario: ScenarioResult, max_loss_pct: float = DEFAULT_MAX_LOSS_PCT,
                 levels=LEVELS) -> Guarantee:
    """The guarantee: the table over ``levels`` (and ``max_loss_pct``), and at ``max_loss_pct``
    the cost per pot-year and who is topped up and who pays (budget-neutral)."""
    table = guarantee_table(reference, scenario, sorted({*map(float, levels), float(max_loss_pct)}))
    names = scenario.municipalities.set_index("gm_code")["gm_name"]
    years, frames, unpaid = [], [], []
    for pot, year, ref, other, codes in pot_year_amounts(reference, scenario):
        cost = guarantee_cost(ref, other, max_loss_pct)
        payers = None
        if year != "all":
            paid = paid_amounts(ref, other, max_loss_pct, codes, cost)
            if paid is None:
                unpaid.append(unpaid_problem(pot, year, max_loss_pct, cost))
            else:
                paid = np.asarray(paid, dtype=np.int64)
                afroming = np.maximum(other - paid, 0)
                payers = int((afroming > 0).sum())
                frames.append(pd.DataFrame({
                    "pot": pot, "year": int(year), "gm_code": codes, "gm_name": names.reindex(codes).to_numpy(),
                    "reference_eur": ref, "scenario_eur": other, "top_up_eur": np.maximum(paid - other, 0),
                    "afroming_eur": afroming, "guaranteed_eur": paid}))
        years.append(GuaranteeYear(pot, year, float(max_loss_pct), int(other.sum()), cost, payers))
    municipalities = (pd.concat(frames, ignore_index=True) if frames
                      else pd.DataFrame(columns=MUNICIPALITY_COLUMNS))[MUNICIPALITY_COLUMNS]
    return Guarantee(float(max_loss_pct), table, tuple(years), municipalities, tuple(unpaid))


def _same_as(problem: CompromiseProblem, point: CompromisePoint) -> str | None:
    """Which scenario's own allocation the key found gives (within a euro per municipality)."""
    if not point.feasible:
        return None
    amounts = point.vast_bedrag_eur + problem.shares @ np.array([point.euros_per_key[k] for k in problem.keys])
    if np.max(np.abs(amounts - problem.reference), initial=0.0) <= 1.0:
        return "reference"
    if np.max(np.abs(amounts - problem.target), initial=0.0) <= 1.0:
        return "target"
    return None


def compromise_of(reference: ScenarioResult, target: ScenarioResult, pot: str, max_loss_pct: float | None = None,
                  *, year: int | None = None, keys: list[str] | None = None, levels=LEVELS) -> Compromise:
    """The compromise key of ``pot`` at ``max_loss_pct`` (any level; None: the smallest level of
    ``levels`` that some key meets), with the frontier over ``levels`` and that level. Raises
    :class:`InputError` where the pot or year is not in both scenarios or a key is unknown."""
    problem, year = compromise_problem(reference, target, pot, keys, year)
    wanted = sorted({float(level) for level in levels} | ({float(max_loss_pct)} if max_loss_pct is not None else set()))
    points = frontier(problem, wanted)
    if max_loss_pct is None:
        point = next((p for p in points if p.feasible), points[0])
    else:
        point = next(p for p in points if p.max_loss_pct == float(max_loss_pct))
    text = compromise_scenario(reference, pot, point, target.loaded.scenario_id, year) if point.feasible else None
    return Compromise(pot, year, point.max_loss_pct, point, least_max_loss(problem), problem, tuple(points),
                      _same_as(problem, point), text)


def negotiate(reference: ScenarioResult, scenario: ScenarioResult, *, max_loss_pct: float = DEFAULT_MAX_LOSS_PCT,
              compromise_pct: float | None = None, year: int | None = None, pots: list[str] | None = None,
              keys: list[str] | None = None, levels=LEVELS) -> Negotiation:
    """The negotiation of ``scenario`` against ``reference``: the guarantee at ``max_loss_pct``
    (and its table over ``levels``), and the compromise of each shared pot (or of ``pots``; an
    empty list: none) at ``compromise_pct`` (None: the smallest feasible level of ``levels``),
    on ``year`` where the pot has it, else on the pot's year with the largest budget."""
    guarantee = guarantee_of(reference, scenario, max_loss_pct, levels)
    shared, years, _ = shared_pot_years(reference, scenario)
    compromises, problems = [], []
    for pot in shared if pots is None else [p for p in pots if p in shared]:
        chosen = year if year in years[pot] else None
        try:
            compromises.append(compromise_of(reference, scenario, pot, compromise_pct, year=chosen, keys=keys,
                                             levels=levels))
        except InputError as exc:
            problems.extend(exc.problems)
    return Negotiation(reference.loaded.scenario_id, scenario.loaded.scenario_id, year, guarantee,
                       tuple(compromises), tuple(problems))
