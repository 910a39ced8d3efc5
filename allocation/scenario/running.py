"""Layer 3 (scenario): running a scenario: every pot through the engine, then each payment
year restated on the register in force on its peildatum (herindelingen applied)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.common.errors import DataError, InfeasibleError
from allocation.common.i18n import _
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

#: allocations of reference scenarios (transition bands), by everything they are computed from
#: (the files of their folder, read each time; the scenario is loaded and run only when new):
#: an edit of the scenario that refers to one does not run the reference again (frames only read)
_REFERENCE_RUNS: dict[tuple, pd.DataFrame] = {}
#: held while a reference run is looked up and computed, so sessions that need the same one
#: at the same moment (a team editing on one app server) run it once, not once each;
#: re-entrant: a reference may have a reference of its own
_REFERENCE_LOCK = threading.RLock()


def _reference_key(path: Path, data_dir: Path, chain: tuple[Path, ...]) -> tuple:
    """Everything a reference run is computed from: the content of every file in the
    reference's folder (its text, the key files it names and references of its own must lie
    there), with the data folder and the chain. Files over 1 MB by size and time only."""
    folder = path.resolve().parent
    files = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file():
            stat = entry.stat()
            if stat.st_size <= 1_000_000:
                files.append((entry.name, hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()))
            else:
                files.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return (str(path.resolve()), tuple(files), str(Path(data_dir).resolve()), chain)


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
        key = _reference_key(path, data_dir, chain)
        with _REFERENCE_LOCK:
            found = _REFERENCE_RUNS.get(key)  # one lookup: another session may clear the cache meanwhile
            if found is None:
                found = run_scenario(load_scenario(path, data_dir), data_dir, chain).allocation
                if len(_REFERENCE_RUNS) >= 16:
                    _REFERENCE_RUNS.clear()
                _REFERENCE_RUNS[key] = found
        return found

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
        data_dir=Path(data_dir),
    )


def refresh_published(result: ScenarioResult, data_dir: Path | None = None) -> None:
    """Recompute ``published``, ``peildata``, ``registers`` and ``successors`` from
    ``result.allocation``; call it after changing the allocation of a result (``data_dir``:
    default the folder the result was computed on)."""
    codes = list(result.municipalities["gm_code"])
    folder = result.data_dir if data_dir is None else data_dir
    published, peildata, registers, successors = _publish(result.allocation, result.scenario, codes, folder)
    result.published, result.peildata, result.registers, result.successors = published, peildata, registers, successors


#: successor maps by (data folder, codes, peildatum): they do not change with a scenario's
#: numbers, so an edited scenario reuses them (the frames are only read)
_SUCCESSORS: dict[tuple, pd.DataFrame] = {}


def _successors(codes: list[str], mergers: pd.DataFrame, data_dir: Path, date: str, content: int) -> pd.DataFrame:
    """The successor map of ``codes`` up to ``date``; ``content``: a hash of the merger table's
    content (not its size), so a corrected table is never answered from the cache."""
    key = (str(Path(data_dir).resolve()), tuple(codes), date, content)
    found = _SUCCESSORS.get(key)  # one lookup: another session may clear the cache meanwhile
    if found is None:
        found = successor_map(codes, mergers, after=KEY_REGISTER_DATE, until=date)
        if len(_SUCCESSORS) >= 64:
            _SUCCESSORS.clear()
        _SUCCESSORS[key] = found
    return found


def _merge_targets(codes: list[str], successors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes of the target register, sorted; the position of each key-register code in it)
    when every step hands a municipality whole to one successor (mergers and renames); None
    when a municipality is split (then :func:`restate` divides it in exact fractions)."""
    predecessors = successors["predecessor"].tolist()  # plain lists: a short table, pandas' overhead dominated
    if any(share != "1" for share in successors["share"].tolist()) or len(set(predecessors)) < len(predecessors):
        return None
    target = dict(zip(predecessors, successors["successor"].tolist()))
    mapped = [target.get(code, code) for code in codes]
    targets = np.array(sorted(set(mapped)), dtype=object)
    position = {code: i for i, code in enumerate(targets)}
    return targets, np.array([position[code] for code in mapped], dtype=np.int64)


def _publish(allocation: pd.DataFrame, scenario: Scenario, codes: list[str], data_dir: Path):
    """Restate the key-register amounts on each payment year's register (see allocation.engine.restate)."""
    mergers = load_mergers(data_dir)
    content = int(pd.util.hash_pandas_object(mergers, index=False).sum())  # once per run, not per year
    path = Path(data_dir) / "herindelingen.csv"
    frames, peildata, registers, successors = [], {}, {}, {}
    row = pd.Index(codes).get_indexer(allocation["gm_code"])
    pot_of_row = allocation["pot"].to_numpy(dtype=object)
    year_of_row = allocation["year"].to_numpy(dtype=np.int64)
    amount_of_row = allocation["amount_eur"].to_numpy(dtype=np.int64)
    pots = list(dict.fromkeys(pot_of_row))
    for year in sorted(set(year_of_row.tolist())):
        date, provenance = scenario.peildatum(year)
        register = load_register(date, data_dir)
        peildata[year], registers[year] = (date, provenance), register
        in_year = year_of_row == year
        columns = {}
        for pot_id in pots:
            chosen = in_year & (pot_of_row == pot_id)
            if chosen.any():
                amounts = np.zeros(len(codes), dtype=np.int64)
                amounts[row[chosen]] = amount_of_row[chosen]
                columns[pot_id] = amounts
        try:
            successors[year] = _successors(codes, mergers, data_dir, date, content)
            merged = _merge_targets(codes, successors[year])
            if merged is None:
                wide = pd.DataFrame(columns, index=pd.Index(codes, name="gm_code"))
                restated = restate(wide, mergers, after=KEY_REGISTER_DATE, until=date)
                target = restated.index.to_numpy()
                restated_columns = {pot_id: restated[pot_id].to_numpy(dtype=np.int64) for pot_id in columns}
            else:
                target, position = merged
                # whole euros summed per successor (exact: amounts far below 2**53)
                restated_columns = {
                    pot_id: np.bincount(position, weights=amounts, minlength=len(target)).astype(np.int64)
                    for pot_id, amounts in columns.items()
                }
        except RestatementError as exc:
            raise DataError([f"{path}: {p}" for p in exc.problems]) from None
        expected = set(register["gm_code"])
        if set(target) != expected:
            extra = sorted(set(target) - expected)
            missing = sorted(expected - set(target))
            raise DataError(_(
                "run_restate_count", path=path, key_date=KEY_REGISTER_DATE, date=date, count=len(target),
                expected=len(expected), extra=", ".join(extra) or _("run_none"),
                missing=", ".join(missing) or _("run_none"),
            ))
        names = register.set_index("gm_code")["gm_name"].reindex(target).to_numpy()
        for pot_id, amounts in restated_columns.items():
            frames.append((pot_id, year, target, names, amounts))
    pot_order = {pot_id: i for i, pot_id in enumerate(scenario.pots)}
    frames.sort(key=lambda part: (pot_order[part[0]], part[1]))  # pot, year; codes are sorted within
    sizes = [len(part[2]) for part in frames]
    published = pd.DataFrame({
        "pot": np.repeat([part[0] for part in frames], sizes),
        "year": np.repeat(np.array([part[1] for part in frames], dtype=np.int64), sizes),
        "gm_code": np.concatenate([part[2] for part in frames]),
        "gm_name": np.concatenate([part[3] for part in frames]),
        "amount_eur": np.concatenate([part[4] for part in frames]).astype(np.int64),
    })
    return published, peildata, registers, successors
