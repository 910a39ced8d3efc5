"""Layer 5 (faces): what the Streamlit app (``app.py``) shows, computed here so that the app
stays a thin face and every number it shows can be tested without a browser.

* :func:`pot_year_table`: per pot and payment year, code, name, province, inhabitants,
  amount and euros per inhabitant, on the payment year's register (or the key register);
* :func:`year_phasing`: the budget of each pot per payment year, with its provenance;
* :func:`provenance_table`, :func:`key_table` and :func:`constraint_table`: which figures
  are real, proxy or assumption;
* :func:`group_choices`, :func:`group_name` and :func:`cap_start`: choices for the editors
  (the edits themselves are :mod:`allocation.scenario.edits`);
* :func:`comparison_levels` and :func:`comparison_slice`: one level of a
  :class:`allocation.analysis.compare.Comparison` for the compare view.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from allocation.analysis.compare import ALL, BANDS, Comparison
from allocation.analysis.fit import ExactFit, TableFit, exact_fit, fit_table
from allocation.analysis.mutaties import Mutaties, mutaties
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.data.keys import kind_word
from allocation.data.published_table import pot_from_name, read_published_table
from allocation.data.registers import (
    KEY_REGISTER_DATE,
    SIZE_CLASSES,
    load_mergers,
    load_register,
)
from allocation.engine.restate import restate
from allocation.scenario.describe import describe_constraints
from allocation.scenario.loading import LoadedScenario
from allocation.scenario.result import ScenarioResult

TABLE_COLUMNS = ["gm_code", "gm_name", "province_name", "inhabitants", "amount_eur", "eur_per_inhabitant"]


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
            register = load_register(date, result.data_dir)
        if set(register["gm_code"]) != set(population.index):
            population = restate(population, load_mergers(result.data_dir), after=KEY_REGISTER_DATE, until=date)
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
            kind = pot.years.year_kind(year)
            rows.append(
                {
                    "pot": pot_id,
                    "label": pot.label,
                    "year": int(year),
                    "amount_eur": int(budget),
                    "provenance": provenance,
                    "kind": kind,
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
        keys = ", ".join(
            f"{name} {i18n.share(weight)} ({kind_word(result.loaded.keys[name].kind)})"
            for name, weight in sorted(pot.key.weights.items())
        )
        vast = i18n._("prov_vast_bedrag", amount=i18n.eur(pot.key.vast_bedrag_eur)) if pot.key.vast_bedrag_eur else ""
        kinds_text = i18n._("prov_and").join(i18n._("prov_kind_assumption" if kind == "assumption"
                                                    else "prov_kind_source") for kind in pot.years.kinds())
        years = i18n._("prov_years", kinds=kinds_text, unit=i18n._(f"prov_years_in_{pot.years.kind}"))
        rows.append(
            {
                "pot": pot_id,
                "label": pot.label,
                "budget_eur": pot.budget.amount_eur,
                "budget": pot.budget.provenance,
                "years": years,
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
            "kind": constraint.kind,
        }
        for pot_id, pot in result.scenario.pots.items()
        for item, value, constraint in describe_constraints(pot_id, pot, result.scenario)
    ]
    return pd.DataFrame(rows, columns=["pot", "constraint", "provenance", "kind"])


def bound_summary(result: ScenarioResult, pot_id: str, year: int) -> pd.DataFrame:
    """Per constraint that binds in a pot-year: municipalities on it, and the euros it moved
    (``effect_eur``: amount minus the pure key amount, summed; on the 2021 key register)."""
    report = result.bound_report(pot_id)
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


def edited_yaml(result: ScenarioResult) -> str:
    """The scenario as run (edits and declared uploads included), as YAML for download."""
    return result.loaded.text


def totals(result: ScenarioResult) -> pd.DataFrame:
    """Total per pot and year as allocated (sums of whole euros): pot, year, amount_eur."""
    frame = result.allocation.groupby(["pot", "year"], as_index=False, sort=False)["amount_eur"].sum()
    frame["amount_eur"] = frame["amount_eur"].astype(np.int64)
    return frame


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
        "by_province": province[province["scenario"] == scenario]
        .drop(columns=["scenario", "pot", "year"])
        .reset_index(drop=True),
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


def colour_range(values: pd.Series, share: float = 0.95) -> tuple[float, float]:
    """(low, high) of a colour scale that spans the middle ``share`` of the values (the rest
    get the end colours); the full range when that would be empty."""
    found = values.dropna()
    if found.empty:
        return 0.0, 1.0
    tail = (1 - share) / 2
    low, high = float(found.quantile(tail)), float(found.quantile(1 - tail))
    if high <= low:
        low, high = float(found.min()), float(found.max())
    return low, high if high > low else low + 1.0


def published_mutaties(result: ScenarioResult, content: bytes, filename: str, pot: str | None = None) -> Mutaties:
    """The scenario against an uploaded published table (see :mod:`allocation.analysis.mutaties`);
    the pot of a wide CSV is ``pot`` or read from a ``<id>-<pot>.csv`` name."""
    pot = pot or pot_from_name(filename, list(result.scenario.pots))
    return mutaties(read_published_table(content, filename, pot), result, filename)


def table_pots(content: bytes, filename: str, pot: str | None = None) -> list[str]:
    """The pots of an uploaded published table (a wide CSV: ``pot``)."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    table = read_published_table(content, filename, pot if suffix == "csv" else None)
    return [str(p) for p in dict.fromkeys(table["pot"])]


def published_fit(content: bytes, filename: str, pot: str | None, vast: bool
                  ) -> tuple[TableFit, ExactFit | None, list[str]]:
    """Which key made an uploaded published table (see :mod:`allocation.analysis.fit`): the fit
    of ``pot``, the exact scenario when the table is complete, and why there is none."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    table = read_published_table(content, filename, pot if suffix == "csv" else None)
    fit = fit_table(table, filename, pot=pot, vast=vast)
    if not fit.complete:
        return fit, None, []
    try:
        return fit, exact_fit(fit, table), []
    except InputError as exc:
        return fit, None, exc.problems


def uniform_rate(frame: pd.DataFrame) -> float | None:
    """The one rate in euros per inhabitant when the differences between municipalities are
    only whole-euro rounding (every amount within one euro of rate x inhabitants) or under
    0.1% of the median; None when the amounts really differ (a map should show them)."""
    inhabitants = frame["inhabitants"].to_numpy(dtype=float)
    amounts = frame["amount_eur"].to_numpy(dtype=float)
    if len(frame) == 0 or inhabitants.sum() <= 0 or amounts.sum() <= 0:
        return None
    rate = float(amounts.sum() / inhabitants.sum())
    per = frame["eur_per_inhabitant"]
    within_rounding = bool(np.all(np.abs(amounts - rate * inhabitants) <= 1.0))
    narrow = float(per.max() - per.min()) < 0.001 * float(per.median())
    return rate if within_rounding or narrow else None
