"""Layer 3 (scenario): running a scenario: every pot through the engine, then each payment
year restated on the register in force on its peildatum (herindelingen applied)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocation.common.errors import DataError, InfeasibleError
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_mergers,
    load_municipalities_2021,
    load_register,
)
from allocation.engine.constrained_pot import ConstrainedPot, allocate_constrained_pot
from allocation.engine.pot import (
    PotAllocation,
    allocate_pot,
    combine_keys,
    normalise,
    year_budgets,
)
from allocation.engine.restate import RestatementError, restate, successor_map
from allocation.scenario.loading import LoadedScenario, load_scenario
from allocation.scenario.pot_problem import is_constrained, pot_problem
from allocation.scenario.result import ScenarioResult
from allocation.scenario.schema import Scenario


def run_scenario(loaded: LoadedScenario, data_dir: Path = DATA_DIR, chain: tuple[Path, ...] = ()) -> ScenarioResult:
    """Allocate every pot of the scenario over the key register and its payment years.

    ``chain``: the resolved paths of the scenarios whose transition-band references led
    here (to refuse a reference that leads back); callers leave it out.
    """
    municipalities = load_municipalities_2021(data_dir)
    codes = list(municipalities["gm_code"])
    names = municipalities.set_index("gm_code")["gm_name"]
    scenario = loaded.scenario
    pots: dict[str, PotAllocation] = {}
    key_shares: dict[str, pd.DataFrame] = {}
    frames = []
    problems: list[str] = []
    constrained_info: dict[str, ConstrainedPot] = {}
    cross_pot_used: dict = {}
    base_dir = loaded.base_dir or (Path(loaded.origin).parent if loaded.origin else Path.cwd())
    chain = chain + (Path(loaded.origin).resolve(),)

    def run_reference(path: Path) -> pd.DataFrame:
        return run_scenario(load_scenario(path, data_dir), data_dir, chain).allocation
    for pot_id, pot in scenario.pots.items():
        used = {name: w for name, w in pot.key.weights.items()}
        values = {name: loaded.keys[name].values.reindex(codes).to_numpy(dtype=float) for name in used}
        shares = combine_keys(values, used)
        budgets = year_budgets(pot.budget.amount_eur, pot.years.values(), pot.years.kind)
        try:
            if is_constrained(pot_id, pot, scenario):
                problem = pot_problem(
                    pot_id=pot_id, pot=pot, scenario=scenario, origin=loaded.origin, base_dir=base_dir,
                    municipalities=municipalities, shares=shares, budgets=budgets, run_reference=run_reference,
                    chain=chain, data_dir=data_dir,
                )
                allocated, constrained_info[pot_id] = allocate_constrained_pot(problem, cross_pot_used)
            else:
                allocated = allocate_pot(codes, shares, budgets, pot.key.vast_bedrag_eur, label=pot.label)
        except InfeasibleError as exc:
            problems += [
                p if loaded.origin and p.startswith(f"{loaded.origin}: ") else f"{loaded.origin}: pots.{pot_id}: {p}"
                for p in exc.problems
            ]
            continue
        pots[pot_id] = allocated
        detail = pd.DataFrame({"gm_code": codes, "gm_name": names.reindex(codes).to_numpy()})
        for name in sorted(used):
            detail[f"value:{name}"] = values[name]
            detail[f"share:{name}"] = normalise(values[name])
        detail["combined_share"] = shares
        key_shares[pot_id] = detail
        for column, year in enumerate(allocated.years):
            frames.append(
                pd.DataFrame(
                    {
                        "pot": pot_id,
                        "year": year,
                        "gm_code": codes,
                        "gm_name": names.reindex(codes).to_numpy(),
                        "amount_eur": allocated.amounts[:, column],
                    }
                )
            )
    if problems:
        raise InfeasibleError(problems)
    allocation = pd.concat(frames, ignore_index=True)
    allocation["amount_eur"] = allocation["amount_eur"].astype("int64")
    published, peildata, registers, successors = _publish(allocation, scenario, codes, data_dir)
    return ScenarioResult(
        loaded=loaded,
        municipalities=municipalities,
        pots=pots,
        allocation=allocation,
        key_shares=key_shares,
        published=published,
        peildata=peildata,
        registers=registers,
        successors=successors,
        constrained=constrained_info,
    )


def refresh_published(result: ScenarioResult, data_dir: Path = DATA_DIR) -> None:
    """Recompute ``published``, ``peildata``, ``registers`` and ``successors`` from
    ``result.allocation``; call it after changing the allocation of a result."""
    codes = list(result.municipalities["gm_code"])
    published, peildata, registers, successors = _publish(result.allocation, result.scenario, codes, data_dir)
    result.published, result.peildata, result.registers, result.successors = published, peildata, registers, successors


def _publish(allocation: pd.DataFrame, scenario: Scenario, codes: list[str], data_dir: Path):
    """Restate the key-register amounts on each payment year's register (see allocation.engine.restate)."""
    mergers = load_mergers(data_dir)
    path = Path(data_dir) / "herindelingen.csv"
    frames, peildata, registers, successors = [], {}, {}, {}
    for year in sorted(allocation["year"].unique()):
        year = int(year)
        date, provenance = scenario.peildatum(year)
        register = load_register(date, data_dir)
        peildata[year], registers[year] = (date, provenance), register
        in_year = allocation[allocation["year"] == year]
        wide = in_year.pivot(index="gm_code", columns="pot", values="amount_eur").reindex(codes)
        try:
            restated = restate(wide, mergers, after=KEY_REGISTER_DATE, until=date)
            successors[year] = successor_map(codes, mergers, after=KEY_REGISTER_DATE, until=date)
        except RestatementError as exc:
            raise DataError([f"{path}: {p}" for p in exc.problems]) from None
        expected = set(register["gm_code"])
        if set(restated.index) != expected:
            extra = sorted(set(restated.index) - expected)
            missing = sorted(expected - set(restated.index))
            raise DataError(
                f"{path}: restating the {KEY_REGISTER_DATE} register to {date} gives "
                f"{len(restated)} municipalities, the register in force has {len(expected)} "
                f"(not in the register: {', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'}); "
                "fix herindelingen.csv or register.csv"
            )
        names = register.set_index("gm_code")["gm_name"]
        for pot_id in wide.columns:
            frames.append(
                pd.DataFrame(
                    {
                        "pot": pot_id,
                        "year": year,
                        "gm_code": restated.index,
                        "gm_name": names.reindex(restated.index).to_numpy(),
                        "amount_eur": restated[pot_id].to_numpy(),
                    }
                )
            )
    pot_order = {pot_id: i for i, pot_id in enumerate(scenario.pots)}
    published = pd.concat(frames, ignore_index=True)
    published["amount_eur"] = published["amount_eur"].astype("int64")
    published["year"] = published["year"].astype("int64")
    published = published.sort_values(
        ["pot", "year", "gm_code"], key=lambda c: c.map(pot_order) if c.name == "pot" else c, kind="stable"
    ).reset_index(drop=True)
    return published, peildata, registers, successors
