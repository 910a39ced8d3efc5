"""Layer 3 (scenario): the reference allocation of a transition band (ingroeiregeling).

A transition band keeps each municipality within a band around a reference: another
scenario file (run here, with the same data folder) or an allocation CSV in the long
format ``run`` writes, on the 2021 key register or on a payment-year register (a merged
municipality then stands for its predecessors together). Files are found relative to the
scenario's folder. A chain of reference scenarios that leads back to a scenario already
in the chain is refused; the chain is passed along each call, so concurrent runs (app
sessions) never see each other's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import listed, quoted
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_mergers,
    load_register,
    register_dates,
)
from allocation.engine.restate import successor_map
from allocation.scenario.paths import scenario_file

#: Runs the scenario file at a path and returns its long allocation table (key register).
RunReference = Callable[[Path], pd.DataFrame]


@dataclass
class ReferenceAmounts:
    """Reference amounts of one pot per payment year, on the 2021 key register.

    ``amounts[year]`` has one value per 2021 municipality, ``nan`` where the reference is
    on a later register and the municipality has merged: ``merged[year]`` then lists, per
    successor, ``(successor code and name, mask of its 2021 predecessors, amount)``, and the
    transition band holds for the predecessors together (the merger table restates the new
    allocation onto the reference's register: a merged municipality is the sum of its
    predecessors).
    """

    amounts: dict[int, np.ndarray]
    merged: dict[int, list[tuple[str, np.ndarray, float]]] = field(default_factory=dict)

    def __contains__(self, year: int) -> bool:
        return year in self.amounts

    def __getitem__(self, year: int) -> np.ndarray:
        return self.amounts[year]

    def __iter__(self):
        return iter(self.amounts)


def read_reference_csv(
    path: Path, pot: str, codes: list[str], where: str, data_dir: Path = DATA_DIR
) -> ReferenceAmounts:
    """Amounts per year of ``pot`` from a long allocation CSV (the format ``run`` writes)."""
    if not path.is_file():
        raise InputError(_("ref_not_found", where=where, path=path))
    try:
        frame = pd.read_csv(path, dtype={"gm_code": str, "pot": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(_("ref_unreadable", where=where, path=path, error=exc)) from None
    missing = [c for c in ("pot", "year", "gm_code", "amount_eur") if c not in frame.columns]
    if missing:
        raise InputError(_("ref_columns", where=where, path=path, columns=", ".join(missing)))
    return reference_amounts(frame, pot, codes, where, str(path), data_dir)


def _reference_register(year_codes: set[str], codes: list[str], data_dir: Path) -> str | None:
    """The register date whose municipalities are exactly ``year_codes`` (the key register first)."""
    if year_codes == set(codes):
        return KEY_REGISTER_DATE
    for date in register_dates(data_dir):
        if set(load_register(date, data_dir)["gm_code"]) == year_codes:
            return date
    return None


def reference_amounts(
    frame: pd.DataFrame, pot: str, codes: list[str], where: str, origin: str, data_dir: Path = DATA_DIR
) -> ReferenceAmounts:
    """Reference amounts of ``pot`` per year from a long allocation table (``run``'s format)."""
    rows = frame[frame["pot"] == pot]
    if rows.empty:
        pots = listed(sorted(frame["pot"].astype(str).unique()))
        raise InputError(_("ref_no_pot", where=where, origin=origin, pot=quoted(pot), pots=pots))
    index_of = {code: i for i, code in enumerate(codes)}
    reference = ReferenceAmounts(amounts={})
    for year, part in rows.groupby("year"):
        amounts = part.set_index("gm_code")["amount_eur"]
        if amounts.index.duplicated().any():
            raise InputError(_("ref_duplicate", where=where, origin=origin, pot=pot, year=year))
        values = pd.to_numeric(amounts, errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise InputError(_("ref_amounts", where=where, origin=origin, pot=pot, year=year))
        register = _reference_register(set(amounts.index), codes, data_dir)
        if register is None:
            foreign = sorted(set(amounts.index) - set(codes))
            absent = sorted(set(codes) - set(amounts.index))
            detail = []
            if foreign:
                detail.append(_("ref_foreign", codes=", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")))
            if absent:
                detail.append(_("ref_absent", count=len(absent),
                                codes=", ".join(absent[:5]) + (" ..." if len(absent) > 5 else "")))
            raise InputError(_("ref_no_register", where=where, origin=origin, pot=pot, year=year,
                               detail="; ".join(detail)))
        per_code = np.full(len(codes), np.nan)
        merged = []
        if register == KEY_REGISTER_DATE:
            per_code[:] = values.reindex(codes).to_numpy(dtype=float)
        else:
            mapping = successor_map(codes, load_mergers(data_dir), after=KEY_REGISTER_DATE, until=register)
            split = mapping[mapping["share"] != "1"]
            if not split.empty:
                raise InputError(_("ref_split", where=where, origin=origin, pot=pot, year=year, register=register,
                                   codes=", ".join(sorted(set(split["predecessor"])))))
            changed = set(mapping["predecessor"])
            for code in codes:
                if code not in changed:
                    per_code[index_of[code]] = float(values[code])
            names = part.set_index("gm_code")["gm_name"] if "gm_name" in part.columns else {}
            for successor, group in mapping.groupby("successor", sort=True):
                mask = np.zeros(len(codes), bool)
                mask[[index_of[c] for c in group["predecessor"]]] = True
                label = f"{successor} {names.get(successor, '')}".strip()
                merged.append((label, mask, float(values[successor])))
            reference.merged[int(year)] = merged
        reference.amounts[int(year)] = per_code
    return reference


def resolve_reference(reference, pot_id: str, base_dir: Path, codes: list[str], where: str,
                      run_reference: RunReference, chain: tuple[Path, ...] = (),
                      data_dir: Path = DATA_DIR) -> tuple[ReferenceAmounts, str]:
    """Reference amounts per year for a transition band, and a short name for messages.

    ``reference`` is the band's ``reference:`` (``scenario`` or ``allocation_csv``, and
    ``pot``); relative paths are taken from ``base_dir``. A reference scenario is run by
    ``run_reference``; one already in ``chain`` (the resolved paths of the scenarios whose
    references are being resolved, this one included) is refused as a cycle.
    """
    pot = reference.pot or pot_id
    if reference.allocation_csv is not None:
        path = scenario_file(base_dir, reference.allocation_csv, f"{where}.reference.allocation_csv")
        return read_reference_csv(path, pot, codes, where, data_dir), path.stem
    path = scenario_file(base_dir, reference.scenario, f"{where}.reference.scenario")
    if path.resolve() in chain:
        raise InputError(_("ref_cycle", where=where, path=path))
    try:
        allocation = run_reference(path)
    except InputError as exc:
        raise InputError([_("ref_scenario_problem", where=where, problem=p) for p in exc.problems]) from None
    return reference_amounts(allocation, pot, codes, where, str(path), data_dir), path.stem
