"""Layer 4: app-facing views of a scenario and its allocation, and scenario editing.

Everything the Streamlit app (``app.py``) shows is computed here, so that the app stays
a thin face and every number it shows can be tested without a browser:

* :func:`pot_year_table`: per pot and payment year, code, name, province, inhabitants,
  amount and euros per inhabitant, on the payment year's register (or the key register);
* :func:`year_phasing`: the budget of each pot per payment year, with its provenance;
* :func:`provenance_table` and :func:`key_table`: which figures are real, proxy or
  assumption;
* scenario editing as pure functions over the scenario's data (a ``dict`` as read from
  YAML): :func:`set_budget`, :func:`set_year_value`, :func:`set_weights`,
  :func:`set_vast_bedrag`, :func:`set_bound`, :func:`set_band`, :func:`set_group`,
  :func:`remove_group`, :func:`set_cross_pot`, :func:`remove_cross_pot`,
  :func:`add_user_key`. An edited number gets an
  ``assumption:`` saying it was edited in the app, unless the user gives a source.
  :func:`build` validates the edited data through
  :func:`allocation.scenario.parse_scenario` (the same messages as the command line)
  and runs it;
* :func:`comparison_levels` and :func:`comparison_slice`: one level of a
  :class:`allocation.compare.Comparison` for the compare view.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from allocation import core, restate
from allocation.compare import ALL, BANDS, Comparison
from allocation.data import KEY_REGISTER_DATE, SIZE_CLASSES, load_mergers, load_register
from allocation.errors import InputError, euro
from allocation.keys import Key, builtin_keys, parse_key_csv
from allocation.constrained import describe_constraints
from allocation.scenario import LoadedScenario, ScenarioResult, parse_scenario, run_scenario, to_yaml

EDITED = "Edited in the app"
TABLE_COLUMNS = ["gm_code", "gm_name", "province_name", "inhabitants", "amount_eur", "eur_per_inhabitant"]


# --- tables ------------------------------------------------------------------------------


def payment_register(result: ScenarioResult, year: int) -> tuple[str, str]:
    """(peildatum, provenance) of a payment year: its table is on the register in force then."""
    if year in result.peildata:
        return result.peildata[year]
    return result.scenario.peildatum(year)


def pot_year_table(
    result: ScenarioResult, pot_id: str, year: int, search: str = "", key_register: bool = False
) -> pd.DataFrame:
    """Per municipality: the amount of one pot in one payment year.

    By default on the register in force on the year's peildatum (the published table,
    mergers applied); with ``key_register`` on the 2021 key register the amounts are
    computed on. Columns: gm_code, gm_name, province_name, inhabitants (CBS, 30 April
    2021; a merged municipality has the sum of its predecessors'), amount_eur (whole
    euros), eur_per_inhabitant. ``search`` keeps the rows whose code, name or province
    contains it (case-insensitive; ``363`` finds GM0363).
    """
    population = result.municipalities.set_index("gm_code")["population"].astype("int64")
    published = result.published if (result.published is not None and not key_register) else result.allocation
    rows = published[(published["pot"] == pot_id) & (published["year"] == year)]
    if rows.empty:
        raise KeyError(f"pot {pot_id!r} has no payment year {year}")
    if key_register or result.published is None:
        register = result.municipalities
    else:
        date = payment_register(result, year)[0]
        register = result.registers.get(year)
        if register is None:
            register = load_register(date)
        if set(register["gm_code"]) != set(population.index):
            population = restate.restate(population, load_mergers(), after=KEY_REGISTER_DATE, until=date)
    register = register.set_index("gm_code")
    frame = pd.DataFrame(
        {
            "gm_code": rows["gm_code"].to_numpy(),
            "gm_name": rows["gm_name"].to_numpy(),
            "province_name": register["province_name"].reindex(rows["gm_code"]).to_numpy(),
            "inhabitants": population.reindex(rows["gm_code"]).to_numpy().astype("int64"),
            "amount_eur": rows["amount_eur"].to_numpy().astype("int64"),
        }
    )
    frame["eur_per_inhabitant"] = frame["amount_eur"] / frame["inhabitants"]
    frame = frame.sort_values("gm_code", kind="stable").reset_index(drop=True)
    return filter_rows(frame, search)


def filter_rows(frame: pd.DataFrame, search: str) -> pd.DataFrame:
    """Rows whose gm_code, gm_name or province_name contains ``search`` (case-insensitive)."""
    needle = (search or "").strip().lower()
    if not needle:
        return frame
    if needle.isdigit():
        code = "gm" + needle.zfill(4)
        mask = frame["gm_code"].str.lower() == code
    else:
        mask = pd.Series(False, index=frame.index)
    for column in ("gm_code", "gm_name", "province_name"):
        if column in frame:
            mask |= frame[column].str.lower().str.contains(needle, regex=False)
    return frame[mask].reset_index(drop=True)


def pot_years(result: ScenarioResult, pot_id: str) -> list[int]:
    """The payment years of a pot, ascending."""
    return list(result.pots[pot_id].years)


def year_phasing(result: ScenarioResult) -> pd.DataFrame:
    """The budget of each pot per payment year.

    Columns: pot, label, year, amount_eur, provenance (``source: ...`` or
    ``ASSUMPTION: ...``), kind (``sourced`` or ``assumption``).
    """
    rows = []
    for pot_id, pot in result.scenario.pots.items():
        allocated = result.pots[pot_id]
        for year, budget in zip(allocated.years, allocated.budgets):
            provenance = pot.years.provenance(year)
            rows.append(
                {
                    "pot": pot_id,
                    "label": pot.label,
                    "year": int(year),
                    "amount_eur": int(budget),
                    "provenance": provenance,
                    "kind": "assumption" if provenance.startswith("ASSUMPTION") else "sourced",
                }
            )
    return pd.DataFrame(rows, columns=["pot", "label", "year", "amount_eur", "provenance", "kind"])


def provenance_table(result: ScenarioResult) -> pd.DataFrame:
    """Per pot: where the budget, the year profile and the key come from, and the key kinds.

    Columns: pot, label, budget_eur, budget, years, key, keys (``name (kind)`` per key
    used, kind being real, proxy or assumption).
    """
    rows = []
    for pot_id, pot in result.scenario.pots.items():
        year_kinds = sorted({pot.years.provenance(y).split(":")[0] for y in pot.years.values()})
        keys = ", ".join(
            f"{name} {weight:g} ({result.loaded.keys[name].kind})" for name, weight in sorted(pot.key.weights.items())
        )
        vast = f"vast bedrag {euro(pot.key.vast_bedrag_eur)} per municipality per year; " if pot.key.vast_bedrag_eur else ""
        rows.append(
            {
                "pot": pot_id,
                "label": pot.label,
                "budget_eur": pot.budget.amount_eur,
                "budget": pot.budget.provenance,
                "years": " and ".join("assumption" if k == "ASSUMPTION" else "sourced" for k in year_kinds)
                + f" ({pot.years.kind})",
                "key": f"{vast}{pot.key.provenance}",
                "keys": keys,
            }
        )
    return pd.DataFrame(rows, columns=["pot", "label", "budget_eur", "budget", "years", "key", "keys"])


def constraint_table(result: ScenarioResult) -> pd.DataFrame:
    """Every constraint of the scenario, per pot it applies to: pot, constraint (readable),
    provenance (``source: ...`` or ``ASSUMPTION: ...``), kind (sourced or assumption)."""
    rows = [
        {
            "pot": pot_id,
            "constraint": f"{item}: {value}",
            "provenance": constraint.provenance,
            "kind": "assumption" if constraint.provenance.startswith("ASSUMPTION") else "sourced",
        }
        for pot_id, pot in result.scenario.pots.items()
        for item, value, constraint in describe_constraints(pot_id, pot, result.scenario)
    ]
    return pd.DataFrame(rows, columns=["pot", "constraint", "provenance", "kind"])


def bound_summary(result: ScenarioResult, pot_id: str, year: int) -> pd.DataFrame:
    """Per constraint that binds in a pot-year: municipalities on it, and the euros it moved
    (``effect_eur``: amount minus the pure key amount, summed; on the 2021 key register)."""
    report = result.bound_report(pot_id) if hasattr(result, "bound_report") else pd.DataFrame()
    if report.empty:
        return pd.DataFrame(columns=["constraint", "municipalities", "effect_eur"])
    rows = report[report["year"] == year]
    summary = rows.groupby("constraint", as_index=False).agg(
        municipalities=("gm_code", "size"), effect_eur=("effect_eur", "sum"))
    return summary.sort_values("municipalities", ascending=False, kind="stable").reset_index(drop=True)


def key_table(loaded: LoadedScenario) -> pd.DataFrame:
    """Every key the scenario can use: name, label, kind (real/proxy/assumption), unit, source, vintage."""
    rows = [
        {
            "name": key.name,
            "label": key.label,
            "kind": key.kind,
            "unit": key.unit,
            "source": key.source,
            "vintage": key.vintage,
            "used": any(key.name in pot.key.weights for pot in loaded.scenario.pots.values()),
        }
        for key in sorted(loaded.keys.values(), key=lambda k: k.name)
    ]
    return pd.DataFrame(rows, columns=["name", "label", "kind", "unit", "source", "vintage", "used"])




# --- editing -------------------------------------------------------------------------------


def scenario_data(text: str) -> dict:
    """The scenario's YAML text as plain data (validate with :func:`build` or ``parse_scenario``)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InputError("expected a mapping with name, description and pots at the top level")
    return data


def _provenance(entry: dict, source: str | None, what: str) -> None:
    """Label an edited entry: the user's source, or an assumption saying it was edited."""
    before = entry.get("source") or entry.get("assumption")
    entry.pop("source", None)
    entry.pop("assumption", None)
    if source and source.strip():
        entry["source"] = source.strip()
    else:
        note = f"{EDITED}: {what}."
        if before:
            note += f" Before the edit: {' '.join(str(before).split())}"
        entry["assumption"] = note


def _pot(data: dict, pot_id: str) -> dict:
    pots = data.get("pots")
    if not isinstance(pots, dict) or pot_id not in pots:
        raise InputError(f"pots.{pot_id}: no such pot in the scenario")
    return pots[pot_id]


def set_budget(data: dict, pot_id: str, amount_eur: int, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's budget changed (and labelled); unchanged if equal."""
    data = copy.deepcopy(data)
    budget = _pot(data, pot_id).setdefault("budget", {})
    old = budget.get("amount_eur")
    if old == amount_eur and not source:
        return data
    budget["amount_eur"] = amount_eur
    _provenance(budget, source, f"budget set to {euro(amount_eur)} (was {euro(old) if isinstance(old, (int, float)) else old})")
    return data


def scale_years(data: dict, pot_id: str, source: str | None = None) -> dict:
    """A copy of ``data`` whose payment years in ``euros`` are scaled to the pot's budget.

    The years keep their proportions; whole euros by largest remainder (ties to the
    earliest year), so they add up to the budget exactly. Each changed year is labelled.
    A profile in ``shares`` is left as it is (it follows the budget anyway).
    """
    pot = _pot(data, pot_id)
    years = pot.get("years") or {}
    budget = (pot.get("budget") or {}).get("amount_eur")
    if "euros" not in years or not isinstance(budget, int) or budget < 0:
        return copy.deepcopy(data)
    profile = years["euros"] or {}
    values = {int(y): (v.get("value") if isinstance(v, dict) else v) for y, v in profile.items()}
    if not all(isinstance(v, (int, float)) and v >= 0 for v in values.values()) or not values:
        return copy.deepcopy(data)
    if sum(values.values()) == budget:
        return copy.deepcopy(data)
    for year, amount in scaled_profile(values, budget).items():
        if amount != values[year]:
            data = set_year_value(data, pot_id, year, amount, source)
    return data


def scaled_profile(values: dict[int, float], total: int) -> dict[int, int]:
    """Whole euros per year in the proportions of ``values``, adding up to ``total``
    (largest remainder, ties to the earliest year; equal parts when all are zero)."""
    ordered = sorted(values)
    weights = np.array([values[y] for y in ordered], dtype=float)
    if not weights.sum() > 0:
        weights = np.ones(len(ordered))
    return {year: int(amount) for year, amount in zip(ordered, core.apportion(weights, int(total), [f"{y:04d}" for y in ordered]))}


def set_year_value(data: dict, pot_id: str, year: int, value: float, source: str | None = None) -> dict:
    """A copy of ``data`` with one payment year's value (euros or share) changed and labelled."""
    data = copy.deepcopy(data)
    years = _pot(data, pot_id).get("years") or {}
    kind = "euros" if "euros" in years else "shares"
    profile = years.setdefault(kind, {})
    current = profile.get(year)
    old = current.get("value") if isinstance(current, dict) else current
    if old == value and not source:
        return data
    entry = dict(current) if isinstance(current, dict) else {}
    if not isinstance(current, dict):  # a plain number takes the profile's provenance
        if years.get("source"):
            entry["source"] = years["source"]
        elif years.get("assumption"):
            entry["assumption"] = years["assumption"]
    entry["value"] = value
    unit = "EUR" if kind == "euros" else "share"
    _provenance(entry, source, f"{year} set to {unit} {_plain(value)} (was {_plain(old) if old is not None else 'absent'})")
    profile[year] = {"value": entry["value"], **{k: v for k, v in entry.items() if k != "value"}}
    return data


def _plain(value: Any) -> str:
    if isinstance(value, (int, float)) and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def set_weights(
    data: dict, pot_id: str, weights: dict[str, float], source: str | None = None, normalise: bool = True
) -> dict:
    """A copy of ``data`` with the pot's key weights changed and labelled.

    Keys with weight 0 are dropped. With ``normalise`` the weights are scaled to sum to 1
    (otherwise validation reports a sum other than 1, as the command line does).
    """
    data = copy.deepcopy(data)
    key = _pot(data, pot_id).setdefault("key", {})
    kept = {name: float(w) for name, w in weights.items() if not (isinstance(w, (int, float)) and w == 0)}
    total = math.fsum(w for w in kept.values() if isinstance(w, float) and math.isfinite(w))
    if normalise and total > 0 and all(w >= 0 for w in kept.values()):
        kept = {name: w / total for name, w in kept.items()}
    old = key.get("weights") or {}
    if _same_weights(old, kept) and not source:
        return data
    key["weights"] = kept
    shown = ", ".join(f"{name} {w:.4g}" for name, w in kept.items()) or "none"
    before = ", ".join(f"{name} {w:g}" for name, w in old.items()) if isinstance(old, dict) else old
    _provenance(key, source, f"key weights set to {shown} (was {before})")
    return data


def _same_weights(old: Any, new: dict[str, float]) -> bool:
    if not isinstance(old, dict) or set(old) != set(new):
        return False
    return all(isinstance(old[k], (int, float)) and abs(old[k] - new[k]) < 1e-12 for k in new)


def set_vast_bedrag(data: dict, pot_id: str, amount_eur: int, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's vast bedrag (euros per municipality per year) changed and labelled."""
    data = copy.deepcopy(data)
    key = _pot(data, pot_id).setdefault("key", {})
    old = key.get("vast_bedrag_eur", 0)
    if old == amount_eur and not source:
        return data
    key["vast_bedrag_eur"] = amount_eur
    _provenance(key, source, f"vast bedrag set to {euro(amount_eur)} per municipality per year (was {euro(old)})")
    return data


def apply_edits(data: dict, edits: dict[str, dict]) -> dict:
    """A copy of ``data`` with the app's edits applied, pot by pot.

    ``edits`` maps a pot id to any of: ``budget_eur`` (int), ``vast_bedrag_eur`` (int),
    ``weights`` (key name -> weight, normalised to sum 1), ``years`` (year -> euros or
    share), ``scale_years`` (default true: after a budget change, payment years in euros
    are scaled to the new budget unless they already add up to it, see
    :func:`scale_years`), ``minimum`` / ``maximum`` (``(unit, value or None)``, see
    :func:`set_bound`), ``year_band`` / ``transition`` (``(max_decrease_pct,
    max_increase_pct)``, see :func:`set_band`), ``groups`` (index of one of the pot's
    groups -> a spec for :func:`set_group`, or None to remove it) and ``new_groups`` (specs
    to add), and ``source`` (where the edited numbers come from; without one
    each edited number is labelled as an assumption edited in the app). Values equal to
    the scenario's own leave it untouched, so its provenance stays as it was. Years are
    applied before the budget. Under the key :data:`CROSS_POT` the scenario's cross-pot caps:
    ``caps`` (index -> ``(pots, unit, value)`` for :func:`set_cross_pot`, or None to remove),
    ``new_caps`` (such tuples to add) and their ``source``.
    """
    for pot_id, change in edits.items():
        if pot_id == CROSS_POT:
            continue
        source = change.get("source") or None
        for year, value in (change.get("years") or {}).items():
            if _differs(data, pot_id, "year", value, year):
                data = set_year_value(data, pot_id, int(year), value, source)
        if "budget_eur" in change and _differs(data, pot_id, "budget", change["budget_eur"]):
            data = set_budget(data, pot_id, int(change["budget_eur"]), source)
            if change.get("scale_years", True):
                data = scale_years(data, pot_id, source)
        if "vast_bedrag_eur" in change and _differs(data, pot_id, "vast", change["vast_bedrag_eur"]):
            data = set_vast_bedrag(data, pot_id, int(change["vast_bedrag_eur"]), source)
        for which in ("minimum", "maximum"):
            if which in change:
                unit, value = change[which]
                data = set_bound(data, pot_id, which, value, unit, source)
        for which in ("year_band", "transition"):
            if which in change:
                data = set_band(data, pot_id, which, *change[which], source=source)
        if "weights" in change:
            before = copy.deepcopy(_pot(data, pot_id).get("key", {}).get("weights"))
            trial = set_weights(data, pot_id, change["weights"])
            if _pot(trial, pot_id)["key"].get("weights") != before:
                data = set_weights(data, pot_id, change["weights"], source=source)
        data = _apply_group_edits(data, pot_id, change, source)
    if edits.get(CROSS_POT):
        data = _apply_cross_pot_edits(data, edits[CROSS_POT])
    return data


def _differs(data: dict, pot_id: str, what: str, value: Any, year: int | None = None) -> bool:
    pot = _pot(data, pot_id)
    if what == "budget":
        return (pot.get("budget") or {}).get("amount_eur") != value
    if what == "vast":
        return (pot.get("key") or {}).get("vast_bedrag_eur", 0) != value
    years = pot.get("years") or {}
    profile = years.get("euros", years.get("shares")) or {}
    current = profile.get(int(year))
    current = current.get("value") if isinstance(current, dict) else current
    return current != value


def changes(before: Any, after: Any, path: str = "") -> list[str]:
    """One line per value that differs between two scenario data trees (``path: old -> new``),
    leaving out the provenance texts, for a review of the edits."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    # a year written as {value: ..., source: ...} against a plain number: compare the numbers
    if isinstance(before, dict) and number(after) and number(before.get("value")):
        return changes(before["value"], after, path)
    if isinstance(after, dict) and number(before) and number(after.get("value")):
        return changes(before, after["value"], path)
    if isinstance(before, dict) or isinstance(after, dict):
        if (before is not None and not isinstance(before, dict)) or (after is not None and not isinstance(after, dict)):
            return [f"{path}: {before!r} -> {after!r}"]
        old, new = before or {}, after or {}
        lines = []
        for key in list(old) + [k for k in new if k not in old]:
            if key in ("source", "assumption", "description"):
                continue
            child = path if key == "value" else (f"{path}.{key}" if path else str(key))
            lines += changes(old.get(key), new.get(key), child)
        return lines
    if isinstance(before, list) and isinstance(after, list) or (
        (isinstance(before, list) or isinstance(after, list)) and any(
            isinstance(item, dict) for item in (before or []) + (after or []))):
        old, new = before or [], after or []
        if not any(isinstance(item, dict) for item in old + new):
            return [] if old == new else [f"{path}: {old} -> {new}"]
        lines = []
        for index in range(max(len(old), len(new))):
            lines += changes(old[index] if index < len(old) else None, new[index] if index < len(new) else None,
                             f"{path}.{index}")
        return lines
    if before == after:
        return []

    def shown(value: Any) -> str:
        return "absent" if value is None else (_plain(value) if number(value) else str(value))

    return [f"{path}: {shown(before)} -> {shown(after)}"]


def set_bound(data: dict, pot_id: str, which: str, value: float | None, unit: str = "eur",
              source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's first ``minimum`` or ``maximum`` (per municipality per
    payment year) set to ``value`` in ``unit`` (``eur`` or ``eur_per_inhabitant``), added if
    absent, removed when ``value`` is None. Other fields of the entry (years,
    nonzero_key_only) are kept; the edit is labelled."""
    if which not in ("minimum", "maximum") or unit not in ("eur", "eur_per_inhabitant"):
        raise ValueError(f"unknown bound {which!r} or unit {unit!r}")
    data = copy.deepcopy(data)
    pot = _pot(data, pot_id)
    constraints = pot.get("constraints") or {}
    entries = list(constraints.get(which) or [])
    first = dict(entries[0]) if entries else None
    old_unit = next((u for u in ("eur", "eur_per_inhabitant") if first and first.get(u) is not None), None)
    old = first.get(old_unit) if first and old_unit else None
    if value is None:
        if first is None:
            return data
        entries = entries[1:]
    else:
        if first is not None and old_unit == unit and old == value and not source:
            return data
        entry = first or {}
        entry.pop("eur", None)
        entry.pop("eur_per_inhabitant", None)
        entry = {unit: value, **entry}
        what = "EUR" if unit == "eur" else "EUR per inhabitant"
        was = "absent" if old is None else f"{_plain(old)} {'EUR' if old_unit == 'eur' else 'EUR per inhabitant'}"
        _provenance(entry, source, f"{which} set to {_plain(value)} {what} per municipality per year (was {was})")
        entries = [entry] + entries[1:]
    if entries:
        constraints[which] = entries
    else:
        constraints.pop(which, None)
    _set_constraints(pot, constraints)
    return data


def set_band(data: dict, pot_id: str, which: str, max_decrease_pct: float | None,
             max_increase_pct: float | None, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's ``year_band`` or ``transition`` limits changed and
    labelled. A year band is added if absent and removed when both limits are None; a
    transition band needs its reference, so it is only edited when present."""
    if which not in ("year_band", "transition"):
        raise ValueError(f"unknown band {which!r}")
    data = copy.deepcopy(data)
    pot = _pot(data, pot_id)
    constraints = pot.get("constraints") or {}
    band = constraints.get(which)
    if band is None and (which == "transition" or (max_decrease_pct is None and max_increase_pct is None)):
        return data
    existed = band is not None
    band = dict(band or {})
    old = (band.get("max_decrease_pct"), band.get("max_increase_pct"))
    new = (max_decrease_pct, max_increase_pct)
    if old == new and not source:
        return data
    if which == "year_band" and new == (None, None):
        constraints.pop(which)
    else:
        for field_name, value in zip(("max_decrease_pct", "max_increase_pct"), new):
            if value is None:
                band.pop(field_name, None)
            else:
                band[field_name] = value
        shown = lambda pair: (f"at most {_plain(pair[0]) if pair[0] is not None else '-'}% less, "
                              f"{_plain(pair[1]) if pair[1] is not None else '-'}% more")
        name = "year band" if which == "year_band" else "transition band"
        _provenance(band, source, f"{name} set to {shown(new)} (was {shown(old) if existed else 'absent'})")
        constraints[which] = band
    _set_constraints(pot, constraints)
    return data


def _set_constraints(pot: dict, constraints: dict) -> None:
    if constraints:
        pot["constraints"] = constraints
    else:
        pot.pop("constraints", None)


# --- group limits and cross-pot caps -------------------------------------------------------

#: edits under this key of :func:`apply_edits` are for the scenario's top-level ``cross_pot``
#: caps (pot ids are lowercase identifiers, so it cannot be a pot)
CROSS_POT = "*cross_pot"
GROUP_FIELDS = ("province", "veiligheidsregio", "size_class", "codes")
GROUP_LIMITS = ("min_eur", "min_share", "max_eur", "max_share")


def group_choices(municipalities: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The groups one can choose from the data, per field (``province``, ``veiligheidsregio``,
    ``size_class``): value (as written in a scenario) -> label (name and number of
    municipalities), provinces by name, size classes in CBS order."""
    def count(mask) -> str:
        n = int(mask.sum())
        return f"{n} municipalit{'y' if n == 1 else 'ies'}"

    provinces = municipalities.drop_duplicates("province_code").sort_values("province_name", kind="stable")
    choices = {
        "province": {
            row.province_code: f"{row.province_name} ({row.province_code}, "
            f"{count(municipalities['province_code'] == row.province_code)})"
            for row in provinces.itertuples(index=False)
        },
        "veiligheidsregio": {},
        "size_class": {},
    }
    for code in sorted(municipalities["veiligheidsregio_code"].unique()):
        members = municipalities[municipalities["veiligheidsregio_code"] == code].sort_values("population",
                                                                                              ascending=False)
        largest = ", ".join(members["gm_name"].head(2))
        choices["veiligheidsregio"][code] = f"{code} ({count(members['gm_code'].notna())}, incl. {largest})"
    for _, label in SIZE_CLASSES:
        mask = municipalities["size_class"] == label
        if mask.any():
            choices["size_class"][label] = f"{label} inhabitants ({count(mask)})"
    return choices


def group_name(field: str, value: Any, municipalities: pd.DataFrame) -> str:
    """A readable default name of a group: the province's name, else the code or class itself."""
    if field == "province":
        names = municipalities.loc[municipalities["province_code"] == value, "province_name"]
        if not names.empty:
            return str(names.iloc[0])
    if field == "codes" and isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _limits_text(entry: dict) -> str:
    parts = []
    for field, words in (("min_eur", "at least"), ("min_share", "at least"),
                         ("max_eur", "at most"), ("max_share", "at most")):
        value = entry.get(field)
        if value is None:
            continue
        parts.append(f"{words} {euro(value)}" if field.endswith("eur") else f"{words} {value:.2%} of the pot")
    return ", ".join(parts) or "no limit"


def _group_text(entry: dict) -> str:
    member = next((f"{f} {entry[f]}" for f in GROUP_FIELDS if entry.get(f) is not None), "no members")
    return f"{member}: {_limits_text(entry)}"


def _group_spec(spec: dict) -> dict:
    """The membership and limit fields of a group edit, in scenario form (no Nones)."""
    unknown = set(spec) - {"name", *GROUP_FIELDS, *GROUP_LIMITS}
    if unknown:
        raise ValueError(f"unknown group fields {sorted(unknown)}")
    clean = {k: v for k, v in spec.items() if v is not None}
    for field in ("min_eur", "max_eur"):
        if isinstance(clean.get(field), float) and clean[field].is_integer():
            clean[field] = int(clean[field])
    return clean


def _groups(pot: dict) -> tuple[dict, list]:
    constraints = pot.get("constraints") or {}
    return constraints, list(constraints.get("groups") or [])


def set_group(data: dict, pot_id: str, index: int | None, spec: dict, source: str | None = None) -> dict:
    """A copy of ``data`` with a group limit of the pot added (``index`` None) or changed.

    ``spec`` holds ``name``, the group as one of ``province`` / ``veiligheidsregio`` /
    ``size_class`` / ``codes``, and its limits ``min_eur`` or ``min_share`` and/or
    ``max_eur`` or ``max_share`` (a share of the pot-year's budget, 0-1); None or absent
    means none. An edited group keeps its other fields (``years``); its membership and
    limits are replaced by the spec's. The entry is labelled (the user's source, or an
    assumption edited in the app with the group before the edit); an unchanged group keeps
    its provenance. Validate the result with :func:`build`.
    """
    data = copy.deepcopy(data)
    pot = _pot(data, pot_id)
    constraints, groups = _groups(pot)
    new = _group_spec(spec)
    if index is None:
        entry = dict(new)
        _provenance(entry, source, f"group {entry.get('name')} added: {_group_text(entry)}")
        groups.append(entry)
    else:
        if not 0 <= index < len(groups):
            raise InputError(f"pots.{pot_id}.constraints.groups.{index}: no such group")
        old = dict(groups[index])
        kept = {k: v for k, v in old.items() if k not in ("name", *GROUP_FIELDS, *GROUP_LIMITS)}
        compared = {k: old.get(k) for k in ("name", *GROUP_FIELDS, *GROUP_LIMITS) if old.get(k) is not None}
        if compared == new and not source:
            return data
        entry = {**new, **kept}
        _provenance(entry, source, f"group {new.get('name')} set to {_group_text(new)} "
                                   f"(was {old.get('name')}: {_group_text(old)})")
        groups[index] = entry
    constraints["groups"] = groups
    _set_constraints(pot, constraints)
    return data


def remove_group(data: dict, pot_id: str, index: int) -> dict:
    """A copy of ``data`` without the pot's group limit number ``index``."""
    data = copy.deepcopy(data)
    pot = _pot(data, pot_id)
    constraints, groups = _groups(pot)
    if not 0 <= index < len(groups):
        raise InputError(f"pots.{pot_id}.constraints.groups.{index}: no such group")
    del groups[index]
    if groups:
        constraints["groups"] = groups
    else:
        constraints.pop("groups", None)
    _set_constraints(pot, constraints)
    return data


def _cap_text(entry: dict) -> str:
    if entry.get("eur") is not None:
        amount = euro(entry["eur"])
    else:
        amount = f"EUR {_plain(entry.get('eur_per_inhabitant'))} per inhabitant"
    pots = entry.get("pots")
    return f"at most {amount} per municipality per year for {', '.join(pots) if pots else 'all pots'} together"


def set_cross_pot(data: dict, index: int | None, pots: list[str] | None, unit: str, value: float,
                  source: str | None = None) -> dict:
    """A copy of ``data`` with a cross-pot cap added (``index`` None) or changed: at most
    ``value`` in ``unit`` (``eur`` or ``eur_per_inhabitant``) per municipality per payment
    year for ``pots`` together (None: every pot). Labelled like every edit; an unchanged cap
    (the same pots, every pot counting as the same as None) keeps its provenance."""
    if unit not in ("eur", "eur_per_inhabitant"):
        raise ValueError(f"unknown unit {unit!r}")
    data = copy.deepcopy(data)
    caps = list(data.get("cross_pot") or [])
    all_pots = list((data.get("pots") or {}).keys())
    new = {"pots": list(pots) if pots is not None else None, unit: value}
    if index is None:
        entry = {k: v for k, v in new.items() if v is not None}
        _provenance(entry, source, f"cross-pot cap added: {_cap_text(entry)}")
        caps.append(entry)
    else:
        if not 0 <= index < len(caps):
            raise InputError(f"cross_pot.{index}: no such cap")
        old = dict(caps[index])
        effective = lambda chosen: set(chosen) if chosen is not None else set(all_pots)
        if effective(old.get("pots")) == effective(pots) and old.get(unit) == value and not source:
            return data
        if old.get("pots") is None and effective(pots) == set(all_pots):
            pots = None  # every pot, as before
        entry = {k: v for k, v in old.items() if k not in ("pots", "eur", "eur_per_inhabitant")}
        entry = {**({"pots": list(pots)} if pots is not None else {}), unit: value, **entry}
        _provenance(entry, source, f"cross-pot cap set to {_cap_text(entry)} (was {_cap_text(old)})")
        caps[index] = entry
    data["cross_pot"] = caps
    return data


def cap_start(result: ScenarioResult, pots: list[str] | None = None) -> float:
    """A starting value for a new cross-pot cap that does not bind yet: the most any
    municipality gets per inhabitant from ``pots`` (None: every pot) together in one payment
    year, rounded up to the cent (on the 2021 key register)."""
    chosen = result.allocation if pots is None else result.allocation[result.allocation["pot"].isin(pots)]
    if chosen.empty:
        return 0.0
    totals = chosen.groupby(["year", "gm_code"], as_index=False)["amount_eur"].sum()
    population = result.municipalities.set_index("gm_code")["population"]
    most = float((totals["amount_eur"] / totals["gm_code"].map(population)).max())
    return math.ceil(most * 100) / 100


def remove_cross_pot(data: dict, index: int) -> dict:
    """A copy of ``data`` without cross-pot cap number ``index``."""
    data = copy.deepcopy(data)
    caps = list(data.get("cross_pot") or [])
    if not 0 <= index < len(caps):
        raise InputError(f"cross_pot.{index}: no such cap")
    del caps[index]
    if caps:
        data["cross_pot"] = caps
    else:
        data.pop("cross_pot", None)
    return data


def _apply_group_edits(data: dict, pot_id: str, change: dict, source: str | None) -> dict:
    """``groups``: original index -> spec (edit) or None (remove); ``new_groups``: specs to add
    (None entries skipped). Edits first, then removals from the last index, then additions."""
    groups = change.get("groups") or {}
    for index, spec in sorted(groups.items()):
        if spec is not None:
            data = set_group(data, pot_id, int(index), spec, source)
    for index in sorted((i for i, spec in groups.items() if spec is None), reverse=True):
        data = remove_group(data, pot_id, int(index))
    for spec in change.get("new_groups") or []:
        if spec is not None:
            data = set_group(data, pot_id, None, spec, source)
    return data


def _apply_cross_pot_edits(data: dict, change: dict) -> dict:
    """``caps``: original index -> (pots, unit, value) or None (remove); ``new_caps``: the
    same tuples to add (None skipped); ``source``."""
    source = change.get("source") or None
    caps = change.get("caps") or {}
    for index, cap in sorted(caps.items()):
        if cap is not None:
            data = set_cross_pot(data, int(index), *cap, source=source)
    for index in sorted((i for i, cap in caps.items() if cap is None), reverse=True):
        data = remove_cross_pot(data, int(index))
    for cap in change.get("new_caps") or []:
        if cap is not None:
            data = set_cross_pot(data, None, *cap, source=source)
    return data


def add_user_key(data: dict, name: str, spec: dict) -> dict:
    """A copy of ``data`` declaring a user key (an uploaded CSV) under ``user_keys``.

    ``spec`` holds the fields of a scenario's ``user_keys`` entry (file, value_column,
    code_column, missing_as_zero, label, unit, source, vintage, kind, note).
    """
    data = copy.deepcopy(data)
    user_keys = data.get("user_keys") or {}
    user_keys[name] = {k: v for k, v in spec.items() if v not in (None, "")}
    data["user_keys"] = user_keys
    return data


# --- validating and running ---------------------------------------------------------------


@dataclass(frozen=True)
class KeyUpload:
    """An uploaded key CSV with the options to read it (see :func:`allocation.keys.parse_key_csv`)."""

    name: str
    filename: str
    content: bytes
    value_column: str
    code_column: str = "gm_code"
    missing_as_zero: bool = False
    label: str = ""
    unit: str = ""
    source: str = ""
    vintage: str = ""
    kind: str = "real"

    def spec(self) -> dict:
        """The scenario's ``user_keys`` entry for this upload."""
        return {
            "file": self.filename,
            "value_column": self.value_column,
            "code_column": self.code_column,
            "missing_as_zero": self.missing_as_zero,
            "label": self.label or self.name,
            "unit": self.unit,
            "source": self.source,
            "vintage": self.vintage,
            "kind": self.kind,
        }


def read_upload(upload: KeyUpload) -> Key:
    """Parse an uploaded key CSV; :class:`InputError` with one message per bad row."""
    problems = []
    if not upload.source.strip():
        problems.append(f"{upload.filename}: give the key a source (where the numbers come from)")
    if not upload.name or not upload.name.replace("_", "a").isalnum() or not upload.name[0].isalpha() or upload.name != upload.name.lower():
        problems.append(f"{upload.filename}: key name {upload.name!r} must be a lowercase identifier like `elip_duo`")
    if upload.name in builtin_keys():
        problems.append(f"{upload.filename}: key name {upload.name!r} is taken by a built-in key; choose another")
    if problems:
        raise InputError(problems)
    spec = upload.spec()
    spec.pop("file")
    return parse_key_csv(upload.content, origin=upload.filename, name=upload.name, **spec)


def build(
    data_or_text: dict | str,
    *,
    origin: str,
    scenario_id: str,
    uploads: tuple[KeyUpload, ...] = (),
    base_dir: Path | str | None = None,
) -> ScenarioResult:
    """Validate scenario data (or YAML text) plus uploaded keys, and run it.

    Uploaded keys are declared under ``user_keys`` and passed to
    :func:`~allocation.scenario.parse_scenario` as ``extra_keys``; ``base_dir`` resolves the
    files the scenario names (key files, references). Raises
    :class:`InputError` with the command line's messages.
    """
    text = data_or_text if isinstance(data_or_text, str) else to_yaml(data_or_text)
    extra: dict[str, Key] = {}
    problems: list[str] = []
    if uploads:
        data = scenario_data(text) if isinstance(data_or_text, str) else data_or_text
        for upload in uploads:
            try:
                extra[upload.name] = read_upload(upload)
            except InputError as exc:
                problems += exc.problems
                continue
            data = add_user_key(data, upload.name, upload.spec())
        text = to_yaml(data)
    if problems:
        raise InputError(problems)
    loaded = parse_scenario(text, origin=origin, scenario_id=scenario_id, extra_keys=extra or None,
                            base_dir=Path(base_dir) if base_dir is not None else None)
    return run_scenario(loaded)


def edited_yaml(result: ScenarioResult) -> str:
    """The scenario as run (edits and declared uploads included), as YAML for download."""
    return result.loaded.text


def export_names(result: ScenarioResult) -> list[str]:
    """The names of the files :func:`allocation.export.export_files` builds for ``result``,
    without building them (for download buttons that build on click)."""
    scenario_id = result.loaded.scenario_id
    return ([f"{scenario_id}-allocation.csv", f"{scenario_id}-meicirculaire.xlsx"]
            + [f"{scenario_id}-{pot_id}.csv" for pot_id in result.scenario.pots])


def totals(result: ScenarioResult) -> pd.DataFrame:
    """Total per pot and year as allocated (sums of whole euros): pot, year, amount_eur."""
    frame = result.allocation.groupby(["pot", "year"], as_index=False, sort=False)["amount_eur"].sum()
    frame["amount_eur"] = frame["amount_eur"].astype(np.int64)
    return frame


# --- comparison views ----------------------------------------------------------------------


def comparison_levels(comparison: Comparison) -> tuple[list[str], dict[str, list[str]]]:
    """The pots (``"all"`` first, then the compared pots) and, per pot, the years to choose
    from (``"all"`` first, then the compared payment years as text)."""
    pots = [ALL] + list(comparison.pots)
    every_year = sorted({year for years in comparison.years.values() for year in years})
    years = {ALL: [ALL] + [str(y) for y in every_year]}
    for pot_id in comparison.pots:
        years[pot_id] = [ALL] + [str(y) for y in comparison.years[pot_id]]
    return pots, years


def comparison_slice(comparison: Comparison, scenario: str, pot: str, year: str) -> dict[str, pd.DataFrame]:
    """One scenario against the baseline at one level (pot or ``"all"``, year or ``"all"``).

    Keys: ``municipalities`` (per municipality: code, name, province, size class,
    population, base/other/diff euros, diff_pct, diff_per_inhabitant, band, largest change
    first), ``bands`` (band, municipalities, for every compared scenario at this level, in
    band order), ``by_province``, ``by_size_class`` (CBS size classes in ascending order),
    ``totals`` (the totals row: base/other/diff, redistributed_eur, Gini coefficients).
    """
    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["pot"] == pot) & (frame["year"] == year)]

    municipalities = pick(comparison.per_municipality)
    municipalities = municipalities[municipalities["scenario"] == scenario]
    municipalities = municipalities.assign(_abs=municipalities["diff_eur"].abs()).sort_values(
        ["_abs", "gm_code"], ascending=[False, True], kind="stable").drop(columns="_abs")
    bands = pick(comparison.bands)[["scenario"] + BANDS].melt(
        id_vars=["scenario"], value_vars=BANDS, var_name="band", value_name="count")
    bands = bands.rename(columns={"count": "municipalities"})
    bands["band"] = pd.Categorical(bands["band"], categories=BANDS, ordered=True)
    bands = bands.sort_values(["scenario", "band"], kind="stable")
    bands["band"] = bands["band"].astype(str)
    province = pick(comparison.by_province)
    size = pick(comparison.by_size_class)
    size = size[size["scenario"] == scenario]
    order = {label: i for i, (_, label) in enumerate(SIZE_CLASSES)}
    size = size.assign(_order=size["size_class"].map(order)).sort_values("_order", kind="stable").drop(columns="_order")
    totals = pick(comparison.totals)
    return {
        "municipalities": municipalities.drop(columns=["baseline", "scenario", "pot", "year"]).reset_index(drop=True),
        "bands": bands.reset_index(drop=True),
        "by_province": province[province["scenario"] == scenario].drop(columns=["scenario", "pot", "year"]).reset_index(drop=True),
        "by_size_class": size.drop(columns=["scenario", "pot", "year"]).reset_index(drop=True),
        "totals": totals[totals["scenario"] == scenario].drop(columns=["pot", "year"]).reset_index(drop=True),
    }


def colour_limit(values: pd.Series, quantile: float = 0.95) -> float:
    """A symmetric colour range for a map of differences: the ``quantile`` of the absolute
    values, so that a few extreme small municipalities do not wash out the rest (values
    beyond it get the end colours). Never 0."""
    magnitude = values.abs().dropna()
    if magnitude.empty:
        return 1.0
    limit = float(magnitude.quantile(quantile))
    return limit if limit > 0 else (float(magnitude.max()) or 1.0)
