"""Layer 4 (analysis): what a guarantee costs. "No municipality loses more than X% against
the reference": how many euros of extra money that takes, and, without extra money, how far
the gains must be capped to pay for it (afroming, skimming the gains).

Per pot and payment year the two scenarios share (and over those years together, ``all``),
on the 2021 key register, with ``r`` the reference's amounts and ``s`` the scenario's:

* the floor of a municipality is ``ceil((1 - X/100) r)`` whole euros (computed exactly);
* ``top_up_eur`` = sum over municipalities of ``max(0, floor - s)``;
* ``budget_neutral_gain_cap_pct`` = the cap ``c`` on gains that pays for it: the gains above
  ``(1 + c/100) r`` summed over the gainers equal the top-up (a municipality without a
  reference amount has no gain in % to cap and keeps what it gets). That sum falls as ``c`` rises,
  piecewise linearly; the breakpoints are sorted and ``c`` solved exactly on its segment, then
  rounded DOWN to 0.01 percentage point so that the reported cap still pays. It is empty
  when even ``c = 0`` (skimming every gain) does not pay (the shortfall is then reported),
  and when there is nothing to pay (a top-up of 0: no cap is needed).

:func:`apply_guarantee` pays the guarantee that way: floors at ``(1 - X/100) r``, gains
capped at ``c``, whole euros by bounded largest remainder, every pot-year exactly its budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocation.analysis.compare import shared_pot_years
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import text_table
from allocation.engine.bounded import round_within_bounds
from allocation.scenario.result import ScenarioResult

COLUMNS = ["pot", "year", "max_loss_pct", "top_up_eur", "municipalities_topped_up", "budget_neutral_gain_cap_pct"]


@dataclass(frozen=True)
class GuaranteeCost:
    """The cost of one guarantee level on one pot-year (or ``all`` years)."""

    top_up_eur: int
    topped_up: int
    gain_cap_pct: float | None  # None: no top-up is needed, or even skimming every gain does not pay
    shortfall_eur: int  # what skimming every gain leaves unpaid (0 when the cap pays)
    exact_cap_pct: float | None  # the cap before rounding down


def floors(reference: np.ndarray, max_loss_pct: float) -> np.ndarray:
    """``ceil((1 - X/100) r)`` in whole euros, computed exactly (X as given, to 1/10,000 %).

    In whole-number arithmetic: ``keep = 10,000 - 100 X`` (rounded) and the floor is
    ``ceil(r * keep / 10,000)``, on the whole array at once while ``r * keep`` fits in 64 bits,
    else one municipality at a time in Python's unbounded integers (the same numbers)."""
    keep = 10_000 - round(max_loss_pct * 100)
    values = np.asarray(reference)
    if values.dtype.kind in "iu" and values.size and max(int(values.max()), -int(values.min())) * abs(keep) < 2**62:
        return -((-values.astype(np.int64) * keep) // 10_000)
    return np.array([-((-int(r) * keep) // 10_000) for r in reference], dtype=np.int64)


def skimmed(scenario: np.ndarray, reference: np.ndarray, cap_pct: float) -> float:
    """The gains above ``(1 + c/100) r``, summed (municipalities without a reference amount have
    no gain in % to cap: they keep what they get)."""
    scenario, reference = np.asarray(scenario, dtype=float), np.asarray(reference, dtype=float)
    over = np.where(reference > 0, scenario - (1 + cap_pct / 100) * reference, 0.0)
    return math.fsum(np.maximum(over, 0.0))


def gain_cap(scenario: np.ndarray, reference: np.ndarray, needed: float) -> float | None:
    """The cap ``c >= 0`` at which the skimmed gains equal ``needed`` exactly (None: not even at 0).

    ``skimmed(c) = sum over {i: c < c_i} of (s_i - r_i) - c/100 * r_i`` with breakpoints
    ``c_i = (s_i / r_i - 1) * 100``. Between breakpoints it is linear: the segment holding
    ``needed`` is found by walking the breakpoints from the top, and ``c`` solved on it.
    """
    s, r = np.asarray(scenario, dtype=float), np.asarray(reference, dtype=float)
    if needed <= 0:
        gainers = (s > r) & (r > 0)
        return float(np.max((s[gainers] / r[gainers] - 1) * 100)) if gainers.any() else 0.0
    if skimmed(s, r, 0.0) < needed - 1e-9:
        return None
    gainers = (s > r) & (r > 0)
    points = (s[gainers] / r[gainers] - 1) * 100
    order = np.argsort(-points, kind="stable")
    points, gain, base = points[order], (s[gainers] - r[gainers])[order], r[gainers][order]
    total_gain, total_base = 0.0, 0.0
    for index, point in enumerate(points):  # above points[index] only the first index municipalities skim
        total_gain += gain[index]
        total_base += base[index]
        lower = points[index + 1] if index + 1 < len(points) else 0.0
        lower = max(lower, 0.0)
        # on [lower, point]: skimmed(c) = total_gain - c/100 * total_base
        at_lower = total_gain - lower / 100 * total_base
        if at_lower >= needed - 1e-9:
            cap = (total_gain - needed) / total_base * 100 if total_base > 0 else lower
            return float(min(max(cap, lower), point))
    return 0.0


def guarantee_cost(reference: np.ndarray, scenario: np.ndarray, max_loss_pct: float) -> GuaranteeCost:
    """The cost of "nobody loses more than ``max_loss_pct``% against ``reference``" (whole euros)."""
    reference = np.asarray(reference, dtype=np.int64)
    scenario = np.asarray(scenario, dtype=np.int64)
    need = np.maximum(floors(reference, max_loss_pct) - scenario, 0)
    top_up = int(need.sum())
    if top_up == 0:  # nobody falls below the floor: no cap is needed
        return GuaranteeCost(0, 0, None, 0, math.inf)
    exact = gain_cap(scenario.astype(float), reference.astype(float), float(top_up))
    if exact is None:
        shortfall = top_up - int(math.floor(skimmed(scenario.astype(float), reference.astype(float), 0.0)))
        return GuaranteeCost(top_up, int((need > 0).sum()), None, shortfall, None)
    return GuaranteeCost(top_up, int((need > 0).sum()), math.floor(exact * 100 + 1e-9) / 100, 0, exact)


def pot_year_amounts(reference: ScenarioResult, scenario: ScenarioResult):
    """(pot, year or "all", reference amounts, scenario amounts, codes) on the key register."""
    pots, years, _ = shared_pot_years(reference, scenario)
    codes = list(reference.municipalities["gm_code"])

    def wide(result: ScenarioResult, pot: str) -> pd.DataFrame:
        rows = result.allocation[result.allocation["pot"] == pot]
        return rows.pivot(index="gm_code", columns="year", values="amount_eur").reindex(codes)

    for pot in pots:
        ref, other = wide(reference, pot), wide(scenario, pot)
        for year in years[pot]:
            yield pot, str(year), ref[year].to_numpy(np.int64), other[year].to_numpy(np.int64), codes
        yield (pot, "all", ref[years[pot]].sum(axis=1).to_numpy(np.int64),
               other[years[pot]].sum(axis=1).to_numpy(np.int64), codes)


def guarantee_table(reference: ScenarioResult, scenario: ScenarioResult, levels) -> pd.DataFrame:
    """A row per pot, payment year (and ``all``) and guarantee level (the levels the faces use
    are :data:`allocation.analysis.negotiation.LEVELS`): :data:`COLUMNS`, plus
    ``shortfall_eur`` (what skimming every gain leaves unpaid where no cap pays)."""
    rows = []
    for pot, year, ref, other, _codes in pot_year_amounts(reference, scenario):
        for level in levels:
            cost = guarantee_cost(ref, other, level)
            rows.append((pot, year, float(level), cost.top_up_eur, cost.topped_up, cost.gain_cap_pct,
                         cost.shortfall_eur))
    return pd.DataFrame(rows, columns=COLUMNS + ["shortfall_eur"])


def guarantee_text(table: pd.DataFrame, reference: str, scenario: str) -> str:
    """The curve per pot (all years): top-up and gain cap per level; shortfalls in euros."""
    lines = [_("gua_title", scenario=scenario, reference=reference)]
    for pot, part in table[table["year"] == "all"].groupby("pot", sort=False):
        lines.append(f"{pot}:")
        rows = [[_("gua_col_level"), _("gua_col_top_up"), _("gua_col_topped_up"), _("gua_col_cap")]]
        for row in part.itertuples(index=False):
            value = row.budget_neutral_gain_cap_pct
            if value is not None and value == value:
                cap = i18n.pct(value, 2)
            else:
                cap = _("gua_cap_none_needed") if row.top_up_eur == 0 else _(
                    "gua_cap_none_pays", short=i18n.eur(row.shortfall_eur))
            rows.append([i18n.pct(row.max_loss_pct, 4, trim=True), i18n.number(row.top_up_eur),
                         i18n.number(row.municipalities_topped_up), cap])
        lines += text_table(rows, right={1, 2})
    lines.append(_("gua_legend"))
    return "\n".join(lines) + "\n"


def unpaid_problem(pot: str, year: str, max_loss_pct: float, cost: GuaranteeCost) -> str:
    """Why skimming gains cannot pay this pot-year's guarantee (one sentence)."""
    return _("gua_unpaid", pot=pot, year=year, level=i18n.pct(max_loss_pct, 4, trim=True),
             top_up=i18n.eur(cost.top_up_eur), paid=i18n.eur(cost.top_up_eur - cost.shortfall_eur),
             short=i18n.eur(cost.shortfall_eur))


def paid_amounts(reference: np.ndarray, scenario: np.ndarray, max_loss_pct: float, codes: list[str],
                 cost: GuaranteeCost | None = None) -> np.ndarray | None:
    """One pot-year with the guarantee paid by skimming gains (whole euros summing to the
    scenario's budget), or None where skimming every gain does not pay for it."""
    ref, other = np.asarray(reference, dtype=np.int64), np.asarray(scenario, dtype=np.int64)
    cost = cost or guarantee_cost(ref, other, max_loss_pct)
    if cost.exact_cap_pct is None:
        return None
    if cost.top_up_eur == 0:  # nobody below the floor: nothing moves
        return other.copy()
    floor = floors(ref, max_loss_pct).astype(float)
    cap = np.where(ref > 0, (1 + cost.exact_cap_pct / 100) * ref, np.inf)
    exact = np.clip(other.astype(float), floor, np.maximum(cap, floor))
    upper = np.where(other > cap, np.ceil(np.maximum(cap, floor) - 1e-9), np.inf)
    return round_within_bounds(exact, floor, upper, int(other.sum()), codes)


def apply_guarantee(reference: ScenarioResult, scenario: ScenarioResult, max_loss_pct: float) -> pd.DataFrame:
    """The scenario with the guarantee paid by skimming gains, per pot-year (key register):
    long table pot, year, gm_code, gm_name, amount_eur. Raises :class:`InputError` where
    skimming every gain does not pay for the guarantee."""
    frames, problems = [], []
    names = scenario.municipalities.set_index("gm_code")["gm_name"]
    for pot, year, ref, other, codes in pot_year_amounts(reference, scenario):
        if year == "all":
            continue
        cost = guarantee_cost(ref, other, max_loss_pct)
        amounts = paid_amounts(ref, other, max_loss_pct, codes, cost)
        if amounts is None:
            problems.append(unpaid_problem(pot, year, max_loss_pct, cost))
            continue
        frames.append(pd.DataFrame({"pot": pot, "year": int(year), "gm_code": codes,
                                    "gm_name": names.reindex(codes).to_numpy(), "amount_eur": amounts}))
    if problems:
        raise InputError(problems)
    return pd.concat(frames, ignore_index=True)
