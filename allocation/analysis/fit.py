"""Layer 4 (analysis): which key made this table? A scenario fitted to a published allocation.

A published table (read by :func:`allocation.data.published_table.read_published_table`,
complete or a few points) of one pot is fitted with a non-negative mix of keys, a vast
bedrag per municipality if asked, and the national amount per year (the year profile): the
model and the ranges are in :mod:`allocation.engine.key_fit`. The fit works on the
registers the table is on: each payment year's codes name the register (a complete year
equals one register; a few points lie on the register in force on 1 January of the year,
or on a later one of that year when only it has all the codes), and each key's share of a
municipality on it is the sum of its predecessors' shares on the 2021 key register, as
``run`` restates amounts.

The fitted scenario is a valid scenario file (every number labelled DERIVED from the table
with the fit's quality); ``fitted_eur`` is what ``run`` gives for it, so the scenario
reproduces the fit to the euro. :func:`exact_fit` also makes a user key of the table's own
shares with which ``run`` reproduces a complete table exactly.

Quality: ``r2`` = 1 - sum of squared differences / sum of squared deviations of the
published amounts from their mean; ``mean_abs_eur`` the mean absolute difference;
``mean_abs_pct`` = sum |difference| / sum published x 100; ``max_abs_eur`` and
``max_abs_pct`` the largest absolute difference in euros and in % of the published amount.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.analysis.compare import percent_change
from allocation.common.errors import InputError
from allocation.common.i18n import N_, _, eur, ngettext, number, pct, share, signed
from allocation.common.texts import text_table
from allocation.data.keys import Key, builtin_keys
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_mergers,
    load_municipalities_2021,
    load_register,
    register_dates,
    register_in_force,
)
from allocation.engine.key_fit import KeyFit, exact_shares, fit_key
from allocation.engine.pot import normalise
from allocation.engine.restate import successor_map
from allocation.engine.rounding import apportion
from allocation.scenario.loading import parse_scenario, to_yaml
from allocation.scenario.running import run_scenario
from allocation.scenario.schema import FIRST_YEAR, LAST_YEAR

POINT_COLUMNS = ["pot", "year", "gm_code", "gm_name", "published_eur", "fitted_eur", "difference_eur",
                 "difference_pct"]
SUMMARY_COLUMNS = ["section", "item", "value", "low", "high", "note"]
#: The municipalities that fit worst, shown and listed.
WORST = 10
#: Quality levels, best first: (level, least R², largest |difference| in % of the total).
LEVELS = (("exact", 0.999999, 0.01), ("good", 0.99, 1.0), ("rough", 0.9, 5.0))


@dataclass(frozen=True)
class TableFit:
    """The fit of one pot of a published table (see the module docstring)."""

    table_name: str
    pot: str  # the pot as the table names it
    pot_id: str  # the pot id of the fitted scenario
    keys: tuple[str, ...]
    years: tuple[int, ...]  # years with points
    registers: dict[int, str]  # year -> the date of the register its points are on
    points: pd.DataFrame  # POINT_COLUMNS
    weights: pd.DataFrame  # key, label, weight, low, high, identifiable
    profile: pd.DataFrame  # year, budget_eur, low_eur, high_eur, points, determined
    vast_bedrag_eur: int | None  # None: not fitted
    vast_range: tuple[float, float]
    quality: dict[str, float]
    level: str  # exact | good | rough | poor
    complete: bool  # every year a whole register
    notes: tuple[str, ...]
    scenario_text: str
    method: str  # "least squares" or "least absolute deviations"
    raw: KeyFit
    key_files: dict[str, bytes]  # the user keys the scenario names, as CSV, by file name

    @property
    def worst(self) -> pd.DataFrame:
        """The points that fit worst (largest absolute difference in euros)."""
        order = self.points["difference_eur"].abs().sort_values(ascending=False, kind="stable").index
        return self.points.loc[order[:WORST]]

    @property
    def stem(self) -> str:
        """``fit-<table>-<pot>``: the stem of the files written."""
        return f"fit-{_safe_name(Path(self.table_name).stem)}-{_safe_name(self.pot)}"


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:60].strip("._") or "table"


def pot_identifier(pot: str) -> str:
    """The pot as a scenario pot id (lowercase letters, digits, _; starting with a letter)."""
    ident = re.sub(r"[^a-z0-9_]+", "_", pot.casefold()).strip("_")[:40]
    return ident if re.match(r"^[a-z]", ident) else f"pot_{ident}"


def _choose_pot(table: pd.DataFrame, pot: str | None, name: str) -> tuple[str, pd.DataFrame]:
    pots = [str(p) for p in dict.fromkeys(table["pot"])]
    if pot is None:
        if len(pots) > 1:
            raise InputError(_("fitm_which_pot", name=name, pots=", ".join(pots[:12])))
        pot = pots[0]
    if pot not in pots:
        raise InputError(_("fitm_no_pot", name=name, pot=repr(pot[:60]), pots=", ".join(pots[:12])))
    return pot, table[table["pot"].astype(str) == pot]


def _registers_for(chosen: pd.DataFrame, name: str, data_dir: Path) -> dict[int, str]:
    """The register each payment year's points are on (see the module docstring)."""
    dates = register_dates(data_dir)
    codes_of = {date: set(load_register(date, data_dir)["gm_code"]) for date in dates}
    found, problems = {}, []
    for year in sorted(set(chosen["year"])):
        codes = set(chosen.loc[chosen["year"] == year, "gm_code"])
        in_year = [register_in_force(f"{year}-01-01", data_dir)] + [d for d in dates if d.startswith(f"{year}-")
                                                                      and d != register_in_force(f"{year}-01-01",
                                                                                                 data_dir)]
        exact = [d for d in in_year if codes_of[d] == codes]
        holding = [d for d in in_year if codes <= codes_of[d]]
        if exact or holding:
            found[year] = (exact or holding)[0]
            continue
        first = in_year[0]
        foreign = sorted(codes - codes_of[first])
        older = [c for c in foreign if any(c in codes_of[d] for d in dates if d < first)]
        unknown = [c for c in foreign if c not in older and not any(c in codes_of[d] for d in dates)]
        later = [c for c in foreign if c not in older and c not in unknown]
        parts = []
        if older:
            parts.append(ngettext("fitm_codes_older", "fitm_codes_older_plural", len(older),
                                  codes=", ".join(older[:8]), year=year))
        if later:
            parts.append(ngettext("fitm_codes_later", "fitm_codes_later_plural", len(later),
                                  codes=", ".join(later[:8]), year=year))
        if unknown:
            parts.append(ngettext("fitm_codes_unknown", "fitm_codes_unknown_plural", len(unknown),
                                  codes=", ".join(unknown[:8])))
        problems.append(_("fitm_no_register", name=name, year=year, parts="; ".join(parts)))
    if problems:
        raise InputError(problems)
    return found


def _composition(date: str, codes2021: list[str], data_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Each municipality of the register of ``date``: its key-register predecessors (index, share)."""
    position = {code: i for i, code in enumerate(codes2021)}
    links = successor_map(codes2021, load_mergers(data_dir), after=KEY_REGISTER_DATE, until=date)
    moved = set(links["predecessor"])
    held: dict[str, list[tuple[int, float]]] = {c: [(position[c], 1.0)] for c in codes2021 if c not in moved}
    for row in links.itertuples(index=False):
        held.setdefault(row.successor, []).append((position[row.predecessor], float(row.share_float)))
    return held


def fit_table(table: pd.DataFrame, table_name: str, *, pot: str | None = None, keys: list[str] | None = None,
              vast: bool = False, years: list[int] | None = None, robust: bool = False,
              extra_keys: dict[str, Key] | None = None, data_dir: Path = DATA_DIR) -> TableFit:
    """Fit one pot of a published table (long: pot, year, gm_code, amount_eur); see the module docstring.

    ``keys``: the keys to mix (default every built-in key; with ``vast`` the key
    ``vast_bedrag`` is left out, the vast bedrag does its work); ``years``: only these
    payment years (a year without a point is reported as not determined).
    """
    name = table_name
    pot, chosen = _choose_pot(table, pot, name)
    notes: list[str] = []
    available = dict(builtin_keys(data_dir)) | dict(extra_keys or {})
    if keys is None:
        keys = [k for k in builtin_keys(data_dir) if not (vast and k == "vast_bedrag")]
        if vast:
            notes.append(_("fitm_vast_key_left_out"))
    unknown = [k for k in keys if k not in available]
    if unknown or not keys or len(set(keys)) != len(keys):
        if unknown:
            raise InputError(_("fitm_unknown_keys", keys=", ".join(k[:40] for k in unknown),
                               available=", ".join(sorted(available))))
        raise InputError(_("fitm_keys_once", available=", ".join(sorted(available))))
    table_years = sorted(int(y) for y in set(chosen["year"]))
    outside = [y for y in table_years if not FIRST_YEAR <= y <= LAST_YEAR]
    if outside:
        raise InputError(_("fitm_years_outside", name=name, years=", ".join(map(str, outside)), first=FIRST_YEAR,
                           last=LAST_YEAR))
    if years is not None:
        bad = [y for y in years if not FIRST_YEAR <= y <= LAST_YEAR]
        if bad:
            raise InputError(_("fitm_years_flag_outside", years=", ".join(map(str, bad)), first=FIRST_YEAR,
                               last=LAST_YEAR))
        wanted = sorted(set(years))
        chosen = chosen[chosen["year"].isin(wanted)]
    else:
        wanted = list(range(table_years[0], table_years[-1] + 1))
    fitted_years = sorted(int(y) for y in set(chosen["year"]))
    missing = [y for y in wanted if y not in fitted_years]
    if missing:
        notes.append(ngettext("fitm_no_point", "fitm_no_point_plural", len(missing),
                              years=", ".join(map(str, missing))))
    if not fitted_years:
        raise InputError(_("fitm_no_point_asked", name=name, pot=repr(pot), years=", ".join(map(str, wanted))))
    chosen = chosen.sort_values(["year", "gm_code"], kind="stable").reset_index(drop=True)
    registers = _registers_for(chosen, name, data_dir)

    municipalities = load_municipalities_2021(data_dir)
    codes2021 = list(municipalities["gm_code"])
    key_shares = np.column_stack([normalise(available[k].values.reindex(codes2021).fillna(0.0).to_numpy(float))
                                  for k in keys])
    shares = np.zeros((len(chosen), len(keys)))
    counts = np.zeros(len(chosen))
    complete = True
    whole_years = set()
    names = np.empty(len(chosen), dtype=object)
    for year in fitted_years:
        date = registers[year]
        held = _composition(date, codes2021, data_dir)
        register = load_register(date, data_dir).set_index("gm_code")["gm_name"]
        at = np.flatnonzero(chosen["year"].to_numpy() == year)
        complete &= len(at) == len(register)
        names[at] = register.reindex(chosen["gm_code"].to_numpy()[at]).to_numpy()
        if len(at) == len(register):
            whole_years.add(year)
        for row, code in zip(at, chosen["gm_code"].to_numpy()[at]):
            parts = held[code]
            shares[row] = sum(share * key_shares[i] for i, share in parts)
            counts[row] = sum(share for _, share in parts)
    year_index = np.searchsorted(fitted_years, chosen["year"].to_numpy())
    amounts = chosen["amount_eur"].to_numpy(dtype=float)
    raw = fit_key(shares, counts, year_index, amounts, years=len(fitted_years), municipalities=len(codes2021),
                  vast=vast, robust=robust)

    method = "least absolute deviations" if robust else "least squares"
    budgets = _whole_budgets(raw)
    labels = {k: available[k].label for k in keys}
    weights = pd.DataFrame({
        "key": list(keys), "label": [labels[k] for k in keys], "weight": raw.weights,
        "low": raw.weights_low, "high": raw.weights_high, "identifiable": raw.weight_identifiable,
    })
    per_year = np.bincount(year_index, minlength=len(fitted_years))
    profile = pd.DataFrame({
        "year": fitted_years, "budget_eur": budgets, "low_eur": raw.budget_low, "high_eur": raw.budget_high,
        "points": per_year, "determined": raw.budget_identifiable,
    })
    for i, year in enumerate(fitted_years):
        if year in whole_years:  # a complete year states its national amount: the table's total
            total = int(chosen.loc[chosen["year"] == year, "amount_eur"].sum())
            profile.loc[i, ["budget_eur", "low_eur", "high_eur", "determined"]] = [total, total, total, True]
    budgets = [int(b) for b in profile["budget_eur"]]
    notes += _identification_notes(raw, keys, fitted_years, vast)
    if not complete:
        notes.append(_("fitm_sparse", points=number(len(chosen))))
    pot_id = pot_identifier(pot)
    if pot_id != pot:
        notes.append(_("fitm_pot_renamed", pot=repr(pot[:60]), id=pot_id))
    user = {k: available[k] for k in keys if k not in builtin_keys(data_dir)}
    stem = f"fit-{_safe_name(Path(name).stem)}-{_safe_name(pot)}"
    key_files = {k: (f"{stem}-key-{k}.csv", _key_csv(user[k], codes2021)) for k in user}
    draft = _Draft(name, pot, pot_id, keys, fitted_years, registers, weights, profile, raw, vast, method,
                   len(chosen), complete, {k: (key_files[k][0], user[k]) for k in user})
    provisional = {"r2": math.nan}
    text = scenario_text(draft, provisional)
    published = _run_points(text, chosen, registers, pot_id, name, data_dir, extra_keys=user)
    points = pd.DataFrame({
        "pot": pot, "year": chosen["year"].astype("int64"), "gm_code": chosen["gm_code"], "gm_name": names,
        "published_eur": chosen["amount_eur"].astype("int64"), "fitted_eur": published,
    })
    points["difference_eur"] = points["fitted_eur"] - points["published_eur"]
    points["difference_pct"] = percent_change(points["published_eur"].to_numpy(), points["difference_eur"].to_numpy())
    quality = _quality(points)
    text = scenario_text(draft, quality)  # the same numbers, now labelled with the fit's quality
    return TableFit(
        table_name=name, pot=pot, pot_id=pot_id, keys=tuple(keys), years=tuple(fitted_years),
        registers=registers, points=points[POINT_COLUMNS], weights=weights, profile=profile,
        vast_bedrag_eur=int(raw.vast) if vast else None, vast_range=(raw.vast_low, raw.vast_high),
        quality=quality, level=quality_level(quality), complete=bool(complete), notes=tuple(notes),
        scenario_text=text, method=method, raw=raw, key_files=dict(key_files.values()),
    )


def _whole_budgets(raw: KeyFit) -> list[int]:
    return [int(round(b)) for b in raw.budget]


def _quality(points: pd.DataFrame) -> dict[str, float]:
    published = points["published_eur"].to_numpy(dtype=float)
    difference = points["difference_eur"].to_numpy(dtype=float)
    spread = float(((published - published.mean()) ** 2).sum())
    total = float(published.sum())
    pct = np.abs(points["difference_pct"].to_numpy(dtype=float))
    return {
        "r2": 1.0 - float(difference @ difference) / spread if spread > 0 else (1.0 if not difference.any()
                                                                               else 0.0),
        "mean_abs_eur": float(np.abs(difference).mean()),
        "mean_abs_pct": float(np.abs(difference).sum() / total * 100) if total > 0 else 0.0,
        "max_abs_eur": float(np.abs(difference).max()),
        "max_abs_pct": float(np.nanmax(pct)) if np.isfinite(pct).any() else math.nan,
        "total_abs_pct": float(abs(difference.sum()) / total * 100) if total > 0 else 0.0,
    }


def quality_level(quality: dict[str, float]) -> str:
    """``exact`` (to rounding), ``good``, ``rough`` or ``poor``: R² and the mean error in %."""
    for level, r2, mean_pct in LEVELS:
        if quality["r2"] >= r2 and quality["mean_abs_pct"] <= mean_pct:
            return level
    return "poor"


QUALITY_WORDS = {"exact": N_("fitm_quality_exact"), "good": N_("fitm_quality_good"), "rough": N_("fitm_quality_rough"),
                 "poor": N_("fitm_quality_poor")}  # keys of the catalogue: the level in words
QUALITY_LEVELS = {"exact": N_("fitm_level_exact"), "good": N_("fitm_level_good"), "rough": N_("fitm_level_rough"),
                  "poor": N_("fitm_level_poor")}
METHOD_WORDS = {"least squares": N_("fitm_least_squares"), "least absolute deviations": N_("fitm_least_absolute")}


def _identification_notes(raw: KeyFit, keys: list[str], years: list[int], vast: bool) -> list[str]:
    notes = []
    for group, total in zip(raw.tied_groups, raw.group_weights):
        named = [keys[k] for k in group]
        if len(named) > 1:
            notes.append(_("fitm_tied_keys", keys=", ".join(named), total=share(total)))
        else:
            k = group[0]
            notes.append(_("fitm_loose_weight", key=named[0], low=share(raw.weights_low[k]),
                           high=share(raw.weights_high[k])))
    if vast and not raw.vast_identifiable:
        notes.append(_("fitm_vast_not_identifiable"))
    undetermined = [str(y) for y, ok in zip(years, raw.budget_identifiable) if not ok]
    if undetermined:
        notes.append(_("fitm_not_determined", years=", ".join(undetermined)))
    points = len(raw.fitted)
    if raw.relaxed_objective >= 0 and raw.objective > 0:
        ratio = raw.objective / max(raw.relaxed_objective, 1e-9)
        sizeable = math.sqrt(raw.objective / points) > 1.0 if not raw.robust else raw.objective / points > 1.0
        if len(years) > 1 and sizeable and ratio > 2.0:
            mixes = "; ".join(f"{y}: " + ", ".join(f"{k} {share(m)}" for k, m in zip(keys, mix) if m > 0.0005)
                              for y, mix in zip(years, raw.year_mixes) if np.isfinite(mix).all())
            notes.append(_("fitm_mix_differs", ratio=number(ratio, 1), mixes=mixes))
    return notes


@dataclass(frozen=True)
class _Draft:
    name: str
    pot: str
    pot_id: str
    keys: list[str]
    years: list[int]
    registers: dict[int, str]
    weights: pd.DataFrame
    profile: pd.DataFrame
    raw: KeyFit
    vast: bool
    method: str
    points: int
    complete: bool
    user_keys: dict[str, tuple[str, Key]]  # name -> (file written beside the scenario, key)


def _key_csv(key: Key, codes2021: list[str]) -> bytes:
    """A user key as the CSV the fitted scenario names (gm_code,value on the key register)."""
    values = key.values.reindex(codes2021).fillna(0.0)
    lines = ["gm_code,value"] + [f"{code},{np.format_float_positional(float(v), trim='-')}"
                                 for code, v in values.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _weight_text(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"


def quality_text(quality: dict[str, float]) -> str:
    """R², the mean and largest absolute error in euros and %, in one line."""
    if not math.isfinite(quality.get("r2", math.nan)):
        return _("fitm_quality_unknown")
    return _("fitm_quality_numbers", r2=number(quality["r2"], 4), mean=eur(quality["mean_abs_eur"]),
             mean_pct=pct(quality["mean_abs_pct"], 3), largest=eur(quality["max_abs_eur"]),
             largest_pct=pct(quality["max_abs_pct"], 3))


def _peildata(registers: dict[int, str], data_dir: Path = DATA_DIR) -> dict:
    out = {}
    for year, date in sorted(registers.items()):
        if date != register_in_force(f"{year}-01-01", data_dir):
            out[year] = {"date": date, "source": _("fity_peildatum", year=year, date=date)}
    return out


def scenario_text(draft: _Draft, quality: dict[str, float]) -> str:
    """The fitted scenario as YAML: every number labelled DERIVED from the table with the fit's quality."""
    raw = draft.raw
    origin = _("fity_origin", name=_short(draft.name), pot=_short(draft.pot, 40))
    how = _("fity_how", method=draft.method, points=draft.points,
            completeness=_("fity_complete") if draft.complete else _("fity_sparse"),
            years=", ".join(map(str, draft.years)), quality=quality_text(quality))
    ranges = "; ".join(
        _("fity_range", key=row.key, weight=_weight_text(row.weight), low=_weight_text(row.low),
          high=_weight_text(row.high), flag="" if row.identifiable else _("fity_not_identifiable"))
        for row in draft.weights.itertuples(index=False))
    vast_text = (_("fity_vast", amount=eur(int(raw.vast)), low=eur(raw.vast_low), high=eur(raw.vast_high))
                 if draft.vast else "")
    years = {}
    for row in draft.profile.itertuples(index=False):
        if row.low_eur == row.high_eur == row.budget_eur:
            years[int(row.year)] = {"value": int(row.budget_eur),
                                    "source": _("fity_year_total", origin=origin, year=row.year)}
            continue
        determined = "" if row.determined else _("fity_not_determined")
        years[int(row.year)] = {"value": int(row.budget_eur), "assumption": _(
            "fity_year_amount", origin=origin, year=row.year, low=eur(row.low_eur), high=eur(row.high_eur),
            flag=determined)}
    data: dict = {
        "name": _short(_("fity_name", file=Path(draft.name).name, pot=draft.pot), 120),
        "description": _("fity_description", origin=origin, how=how),
        "key_register": KEY_REGISTER_DATE,
    }
    peildata = _peildata(draft.registers)
    if peildata:
        data["peildata"] = peildata
    if draft.user_keys:
        data["user_keys"] = {name: {
            "file": file, "code_column": "gm_code", "value_column": "value", "label": _short(key.label, 120),
            "unit": _short(key.unit, 40), "source": _short(key.source, 300), "vintage": _short(key.vintage, 40),
            "kind": key.kind} for name, (file, key) in draft.user_keys.items()}
    data["pots"] = {draft.pot_id: {
        "label": _short(draft.pot, 120),
        "budget": {"amount_eur": int(draft.profile["budget_eur"].sum()),
                   "assumption": _("fity_budget", origin=origin)},
        "years": {"euros": years},
        "key": {
            "weights": {row.key: float(row.weight) for row in draft.weights.itertuples(index=False)},
            "vast_bedrag_eur": int(raw.vast) if draft.vast else 0,
            "assumption": _("fity_key", origin=origin, how=how, ranges=ranges, vast=vast_text),
        },
    }}
    return to_yaml(_exact_weights(data, draft.pot_id))


def _exact_weights(data: dict, pot_id: str) -> dict:
    """Weights written with 15 significant digits that still sum to 1 within the format's 1e-9."""
    weights = data["pots"][pot_id]["key"]["weights"]
    rounded = {k: float(f"{w:.15g}") for k, w in weights.items()}
    data["pots"][pot_id]["key"]["weights"] = rounded
    return data


def _run_points(text: str, chosen: pd.DataFrame, registers: dict[int, str], pot_id: str, name: str,
                data_dir: Path, extra_keys: dict[str, Key] | None = None) -> np.ndarray:
    """What ``run`` gives for the scenario at the table's points (on the table's registers)."""
    loaded = parse_scenario(text, origin=f"{Path(name).stem}-fit.yaml", scenario_id="fit",
                            extra_keys=extra_keys, data_dir=data_dir)
    result = run_scenario(loaded, data_dir)
    published = result.published
    mine = published[published["pot"] == pot_id].set_index(["year", "gm_code"])["amount_eur"]
    index = pd.MultiIndex.from_arrays([chosen["year"].astype("int64"), chosen["gm_code"]])
    return mine.reindex(index).fillna(0).to_numpy(dtype="int64")


# --- the exact scenario -----------------------------------------------------------------


@dataclass(frozen=True)
class ExactFit:
    """A user key of the table's own shares and a scenario that reproduces the table to the euro."""

    key_name: str
    key_file: str
    key_csv: bytes  # gm_code,share on the 2021 key register
    scenario_text: str
    vast_bedrag_eur: int


def exact_fit(fit: TableFit, table: pd.DataFrame, data_dir: Path = DATA_DIR) -> ExactFit:
    """The key of the table's own shares (with the fit's vast bedrag, or none), checked by running it.

    Needs a complete table; raises :class:`InputError` when no single key reproduces it (the
    shares differ between years by more than rounding: a key per year made it)."""
    name = fit.table_name
    if not fit.complete:
        raise InputError(_("fitm_exact_needs_complete", name=name, pot=fit.pot, points=number(len(fit.points))))
    municipalities = load_municipalities_2021(data_dir)
    codes2021 = list(municipalities["gm_code"])
    points = fit.points
    years = list(fit.years)
    totals = points.groupby("year")["published_eur"].sum().reindex(years).to_numpy(dtype=np.int64)
    combined = np.zeros(len(codes2021))
    for row in fit.weights.itertuples(index=False):
        values = builtin_keys(data_dir)[row.key].values.reindex(codes2021).fillna(0.0).to_numpy(float) \
            if row.key in builtin_keys(data_dir) else None
        if values is not None and row.weight > 0:
            combined += row.weight * normalise(values)
    tries = [fit.vast_bedrag_eur] if fit.vast_bedrag_eur else []
    shares, used = None, 0
    for vast in tries + [0]:
        shares = _exact_shares(points, years, fit.registers, codes2021, totals, vast, combined, data_dir)
        if shares is not None:
            used = vast
            break
    if shares is None:
        raise InputError(_("fitm_no_exact_key", name=name, pot=fit.pot))
    key_name = "tabel_" + fit.pot_id[:40] if not fit.pot_id.startswith("tabel") else fit.pot_id
    key_file = f"{fit.stem}-exact-key.csv"
    lines = ["gm_code,share"] + [f"{code},{np.format_float_positional(float(value), trim='-')}"
                                 for code, value in zip(codes2021, shares)]
    key_csv = ("\n".join(lines) + "\n").encode("utf-8")
    text = _exact_text(fit, key_name, key_file, totals, used)
    key = Key(name=key_name, label=_("fity_key_label", file=_short(Path(name).name, 60)), unit="share",
              source=_("fity_key_source", name=_short(name)), vintage="", kind="assumption",
              values=pd.Series(shares, index=codes2021, dtype=float))
    chosen = points.rename(columns={"published_eur": "amount_eur"})
    reproduced = _run_points(text, chosen, fit.registers, fit.pot_id, name, data_dir, extra_keys={key_name: key})
    if not np.array_equal(reproduced, points["published_eur"].to_numpy(dtype="int64")):  # pragma: no cover
        raise InputError(f"{name}: the exact key did not reproduce the table (a bug: please report it with the table)")
    return ExactFit(key_name=key_name, key_file=key_file, key_csv=key_csv, scenario_text=text, vast_bedrag_eur=used)


def _exact_shares(points: pd.DataFrame, years: list[int], registers: dict[int, str], codes2021: list[str],
                  totals: np.ndarray, vast: int, start: np.ndarray, data_dir: Path) -> np.ndarray | None:
    """Key-register shares with which ``run`` gives exactly the table (see engine.key_fit.exact_shares).

    A merged municipality's amount is split over its predecessors pro rata the current shares
    (whole euros, largest remainder), and the shares are found again, a few times."""
    n = len(codes2021)
    variable = totals - vast * n
    if np.any(variable < 0):
        return None
    position = {code: i for i, code in enumerate(codes2021)}
    merged = []  # (year column, [predecessor indices], amount)
    fixed = np.full((n, len(years)), np.nan)
    for column, year in enumerate(years):
        held = _composition(registers[year], codes2021, data_dir)
        rows = points[points["year"] == year]
        for code, amount in zip(rows["gm_code"], rows["published_eur"]):
            parts = held[code]
            if len(parts) == 1 and parts[0][1] == 1.0:
                fixed[parts[0][0], column] = amount - vast
            elif all(share == 1.0 for _, share in parts):
                merged.append((column, [i for i, _ in parts], int(amount)))
            else:
                return None  # a split: not reproduced by a key
    del position
    implied = np.nanmean(np.where(variable > 0, fixed / np.where(variable > 0, variable, 1), np.nan), axis=1)
    starts = [start, np.nan_to_num(implied, nan=0.0) + 1e-12]
    for shares in starts:  # the split of a merged amount over its predecessors: pro rata these shares
        targets = fixed.copy()
        for column, members, amount in merged:
            weights = shares[members]
            rest = amount - vast * len(members)
            if rest < 0:
                return None
            targets[members, column] = apportion(weights if weights.sum() > 0 else np.ones(len(members)), rest,
                                                 [codes2021[i] for i in members])
        found = exact_shares(targets, variable)
        if found is not None:  # every exact amount in its rounding window: run gives the targets
            return found
    return None


def _exact_text(fit: TableFit, key_name: str, key_file: str, totals: np.ndarray, vast: int) -> str:
    origin = _("fity_origin_exact", name=_short(fit.table_name), pot=_short(fit.pot, 40))
    data: dict = {
        "name": _short(_("fity_exact_name", file=Path(fit.table_name).name, pot=fit.pot), 120),
        "description": _("fity_exact_description", origin=origin, key=key_name),
        "key_register": KEY_REGISTER_DATE,
    }
    peildata = _peildata(fit.registers)
    if peildata:
        data["peildata"] = peildata
    data["user_keys"] = {key_name: {
        "file": key_file, "code_column": "gm_code", "value_column": "share",
        "label": _short(_("fity_exact_label", file=Path(fit.table_name).name, pot=fit.pot), 120),
        "unit": "share", "source": _("fity_exact_source", origin=origin),
        "kind": "assumption",
        "note": _("fity_exact_note"),
    }}
    data["pots"] = {fit.pot_id: {
        "label": _short(fit.pot, 120),
        "budget": {"amount_eur": int(totals.sum()), "source": _("fity_table_total", origin=origin)},
        "years": {"euros": {int(y): {"value": int(t), "source": _("fity_table_year_total", origin=origin, year=y)}
                            for y, t in zip(fit.years, totals)}},
        "key": {"weights": {key_name: 1.0}, "vast_bedrag_eur": int(vast),
                "assumption": _("fity_exact_key", origin=origin,
                                vast=_("fity_exact_vast", amount=eur(vast)) if vast else "")},
    }}
    return to_yaml(data)


# --- text ---------------------------------------------------------------------------------


def fit_text(fit: TableFit) -> str:
    """What ``fit`` prints: the weights with ranges, the profile, the quality, the worst points, the notes
    (in the language; weights as shares to 4 significant decimals)."""
    registers = ", ".join(f"{y}: {d}" for y, d in sorted(fit.registers.items()))
    lines = [_("fitm_title", table=fit.table_name, pot=fit.pot, method=_(METHOD_WORDS[fit.method]),
               points=number(len(fit.points)), complete=_("fitm_complete" if fit.complete else "fitm_sparse_word"),
               registers=registers)]
    lines.append(_("fitm_quality", level=_(QUALITY_LEVELS[fit.level]), words=_(QUALITY_WORDS[fit.level]),
                   numbers=quality_text(fit.quality)))
    rows = [[_("fitm_col_key"), _("fitm_col_weight"), _("fitm_col_range"), ""]]
    rows += [[r.key, share(r.weight), f"{share(r.low)} - {share(r.high)}",
              "" if r.identifiable else _("fitm_not_identifiable_mark")] for r in fit.weights.itertuples(index=False)]
    lines += text_table(rows, right={1})
    if fit.vast_bedrag_eur is not None:
        lines.append(_("fitm_vast", eur=eur(fit.vast_bedrag_eur), low=eur(fit.vast_range[0]),
                       high=eur(fit.vast_range[1])))
    rows = [[_("cmp_col_year"), _("fitm_col_national"), _("fitm_col_range_short"), _("fitm_col_points"), ""]]
    rows += [[str(r.year), eur(r.budget_eur), f"{eur(r.low_eur)} - {eur(r.high_eur)}", number(r.points),
              "" if r.determined else _("fitm_not_determined_mark")] for r in fit.profile.itertuples(index=False)]
    lines.append(_("fitm_profile"))
    lines += text_table(rows, right={1, 3})
    worst = fit.worst
    worst = worst[worst["difference_eur"] != 0]
    lines.append(_("fitm_worst") if not worst.empty else _("fitm_worst_none"))
    lines += [] if worst.empty else text_table([
        [str(r.year), r.gm_code, r.gm_name, number(r.published_eur), number(r.fitted_eur), signed(r.difference_eur),
         "" if r.difference_pct != r.difference_pct else pct(r.difference_pct, 2, signed=True)]
        for r in worst.itertuples(index=False)], right={3, 4, 5, 6})
    for note in fit.notes:
        lines.append(_("cli_note", note=note))
    return "\n".join(lines) + "\n"


def summary_table(fit: TableFit) -> pd.DataFrame:
    """The weights, vast bedrag, profile and quality as rows: section, item, value, low, high, note."""
    not_identifiable = _("fit_not_identifiable")
    rows = [("weight", r.key, r.weight, r.low, r.high, "" if r.identifiable else not_identifiable)
            for r in fit.weights.itertuples(index=False)]
    if fit.vast_bedrag_eur is not None:
        rows.append(("vast_bedrag_eur", _("fit_per_municipality_per_year"), fit.vast_bedrag_eur, *fit.vast_range,
                     "" if fit.raw.vast_identifiable else not_identifiable))
    rows += [("year_budget_eur", str(r.year), r.budget_eur, r.low_eur, r.high_eur,
              _("fit_points_note" if r.determined else "fit_points_not_determined", n=number(r.points)))
             for r in fit.profile.itertuples()]
    rows += [("quality", item, value, math.nan, math.nan, "") for item, value in fit.quality.items()]
    rows.append(("quality", "level", math.nan, math.nan, math.nan, fit.level))
    rows += [("note", str(i + 1), math.nan, math.nan, math.nan, note) for i, note in enumerate(fit.notes)]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
