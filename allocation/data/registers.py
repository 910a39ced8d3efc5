"""Layer 1 (data): loading and validating the project's data files (``data/``).

Every loader checks what it reads (code format, uniqueness, completeness, the known
number of municipalities) and raises :class:`~allocation.common.errors.DataError` naming the
file and the row, so that a damaged file gives a clear error instead of a wrong number.
Loaders are cached; they return copies so callers cannot change the cache.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from allocation.common.errors import DataError
from allocation.common.i18n import N_, _

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

#: The register on which the keys are defined (the 2021 municipalities).
KEY_REGISTER_DATE = "2021-01-01"

#: Known municipality counts per register date (DOMAIN.md, SOURCES.md).
EXPECTED_COUNTS = {
    "2021-01-01": 352,
    "2022-01-01": 345,
    "2022-03-24": 344,
    "2023-01-01": 342,
    "2024-01-01": 342,
    "2025-01-01": 342,
    "2026-01-01": 342,
}

CODE_PATTERN = re.compile(r"^GM\d{4}$")

#: CBS gemeentegrootteklasse (size class by inhabitants), lower bounds and labels.
SIZE_CLASSES = [
    (0, "< 5.000"),
    (5_000, "5.000 - 10.000"),
    (10_000, "10.000 - 20.000"),
    (20_000, "20.000 - 50.000"),
    (50_000, "50.000 - 100.000"),
    (100_000, "100.000 - 150.000"),
    (150_000, "150.000 - 250.000"),
    (250_000, ">= 250.000"),
]


def size_class(population: float) -> str:
    """CBS size class (gemeentegrootteklasse) for a number of inhabitants."""
    label = SIZE_CLASSES[0][1]
    for lower, name in SIZE_CLASSES:
        if population >= lower:
            label = name
    return label


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(_("reg_not_found", path=path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(_("reg_not_utf8", path=path, error=exc)) from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise DataError(_("reg_missing_columns", path=path, columns=", ".join(missing)))
    return frame


def _check_codes(frame: pd.DataFrame, path: Path, column: str = "gm_code", what: str = "") -> list[str]:
    problems = []
    for row, code in enumerate(frame[column], start=2):
        if not CODE_PATTERN.match(code):
            problems.append(_("reg_bad_code", path=path, row=row, what=what, column=column, code=repr(code)))
    duplicated = frame[column][frame[column].duplicated()]
    for code in duplicated:
        problems.append(_("reg_duplicate_code", path=path, what=what, column=column, code=code))
    return problems


def _check_complete(frame: pd.DataFrame, path: Path, columns: list[str]) -> list[str]:
    problems = []
    for column in columns:
        empty = frame.index[frame[column].str.strip() == ""]
        for index in empty:
            problems.append(_("reg_empty", path=path, row=index + 2, column=column))
    return problems


def _numeric(frame: pd.DataFrame, column: str, path: Path, minimum: float = 0.0) -> tuple[pd.Series, list[str]]:
    values = pd.to_numeric(frame[column], errors="coerce")
    texts, fits = frame[column].tolist(), (values >= minimum).tolist()  # NaN fits no minimum
    problems = [
        _("reg_not_number", path=path, row=index + 2, column=column, value=repr(texts[index]), minimum=f"{minimum:g}")
        for index in range(len(frame))
        if not fits[index]
    ]
    return values, problems


@lru_cache(maxsize=4)
def _registers(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "register.csv"
    frame = _read_csv(path, ["valid_from", "gm_code", "gm_name", "province_code", "province_name"])
    problems = _check_complete(frame, path, list(frame.columns))
    for date, group in frame.groupby("valid_from", sort=True):
        problems += _check_codes(group, path, what=_("reg_register_what", date=date))
        expected = EXPECTED_COUNTS.get(date)
        if expected is not None and len(group) != expected:
            problems.append(_("reg_count", path=path, date=date, count=len(group), expected=expected))
    if KEY_REGISTER_DATE not in set(frame["valid_from"]):
        problems.append(_("reg_key_register_missing", path=path, date=KEY_REGISTER_DATE))
    if problems:
        raise DataError(problems)
    return frame.sort_values(["valid_from", "gm_code"], kind="stable").reset_index(drop=True)


def register_dates(data_dir: Path = DATA_DIR) -> list[str]:
    """All reference dates (peildata) for which a register is available, ascending."""
    return list(_register_dates(Path(data_dir)))


@lru_cache(maxsize=4)
def _register_dates(data_dir: Path) -> tuple[str, ...]:
    return tuple(sorted(_registers(data_dir)["valid_from"].unique()))


def all_registers(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Every register of ``register.csv``, by valid_from date, then code (the frame is shared:
    read it, never change it): valid_from, gm_code, gm_name, province_code, province_name."""
    return _registers(Path(data_dir))


def register_in_force(date: str, data_dir: Path = DATA_DIR) -> str:
    """The valid_from date of the register in force on ``date`` (ISO format)."""
    dates = [d for d in register_dates(data_dir) if d <= date]
    if not dates:
        raise DataError(_("reg_none_in_force", date=date, first=register_dates(data_dir)[0]))
    return dates[-1]


def load_register(date: str = KEY_REGISTER_DATE, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The municipalities in force on ``date``: gm_code, gm_name, province_code, province_name."""
    return _register_from(Path(data_dir), register_in_force(date, data_dir)).copy()


@lru_cache(maxsize=16)
def _register_from(data_dir: Path, valid_from: str) -> pd.DataFrame:
    frame = _registers(data_dir)
    return frame[frame["valid_from"] == valid_from].drop(columns="valid_from").reset_index(drop=True)


@lru_cache(maxsize=4)
def _municipalities_2021(data_dir: Path) -> pd.DataFrame:
    register = load_register(KEY_REGISTER_DATE, data_dir)
    problems: list[str] = []

    pop_path = data_dir / "population_2021.csv"
    population = _read_csv(pop_path, ["gm_code", "population", "population_date"])
    problems += _check_codes(population, pop_path) + _check_complete(population, pop_path, ["population"])
    pop_values, more = _numeric(population, "population", pop_path, minimum=1)
    problems += more

    ind_path = data_dir / "indicators_2021.csv"
    indicators = _read_csv(ind_path, ["gm_code", "area_km2", "pct_non_western_migration_background"])
    problems += _check_codes(indicators, ind_path)
    area, more = _numeric(indicators, "area_km2", ind_path, minimum=0)
    problems += more
    pct, more = _numeric(indicators, "pct_non_western_migration_background", ind_path, minimum=0)
    problems += more
    problems += [
        _("reg_pct_above_100", path=ind_path, row=i + 2, value=v)
        for i, v in enumerate(pct)
        if v > 100
    ]

    vr_path = data_dir / "veiligheidsregios.csv"
    vr = _read_csv(vr_path, ["valid_from", "gm_code", "veiligheidsregio_code"])
    vr = vr[vr["valid_from"] == KEY_REGISTER_DATE]

    codes = set(register["gm_code"])
    for path, frame in ((pop_path, population), (ind_path, indicators), (vr_path, vr)):
        other = set(frame["gm_code"])
        for code in sorted(codes - other):
            problems.append(_("reg_municipality_missing", path=path, code=code, date=KEY_REGISTER_DATE))
        for code in sorted(other - codes):
            problems.append(_("reg_not_in_register", path=path, code=code, date=KEY_REGISTER_DATE))
    if problems:
        raise DataError(problems)

    frame = register.copy()
    frame = frame.merge(
        pd.DataFrame(
            {
                "gm_code": population["gm_code"],
                "population": pop_values.astype("int64"),
                "population_date": population["population_date"],
            }
        ),
        on="gm_code",
    )
    frame = frame.merge(
        pd.DataFrame({"gm_code": indicators["gm_code"], "area_km2": area, "pct_non_western": pct}),
        on="gm_code",
    )
    frame = frame.merge(vr[["gm_code", "veiligheidsregio_code"]], on="gm_code")
    frame["size_class"] = frame["population"].map(size_class)
    return frame.sort_values("gm_code", kind="stable").reset_index(drop=True)


def load_municipalities_2021(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The 352 municipalities of the key register with their characteristics.

    Columns: gm_code, gm_name, province_code, province_name, population (CBS, 30 April
    2021), population_date, area_km2, pct_non_western, veiligheidsregio_code, size_class.
    """
    return _municipalities_2021(Path(data_dir)).copy()


@lru_cache(maxsize=4)
def _mergers(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "herindelingen.csv"
    frame = _read_csv(
        path,
        ["effective_date", "old_code", "old_name", "new_code", "new_name", "change_type", "split_weight"],
    )
    problems = _check_complete(frame, path, ["effective_date", "old_code", "new_code", "change_type"])
    for column in ("old_code", "new_code"):
        problems += [
            _("reg_bad_code", path=path, row=i + 2, what="", column=column, code=repr(code))
            for i, code in enumerate(frame[column])
            if not CODE_PATTERN.match(code)
        ]
    allowed = {"merged_new_municipality", "split_part", "absorbed", "absorbing_continues"}
    problems += [
        _("reg_bad_change_type", path=path, row=i + 2, kind=repr(kind), allowed=", ".join(sorted(allowed)))
        for i, kind in enumerate(frame["change_type"])
        if kind not in allowed
    ]
    if problems:
        raise DataError(problems)
    return frame


def load_mergers(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The herindelingen (municipal reorganisations) table, one row per old->new link."""
    return _mergers(Path(data_dir)).copy()


GEO_DATES = ["2021-01-01", "2022-01-01", "2022-03-24", "2023-01-01"]


def geojson_path(date: str, data_dir: Path = DATA_DIR) -> Path:
    """Boundary file for the register in force on ``date`` (2023 boundaries hold to 2026)."""
    in_force = register_in_force(date, data_dir)
    geo_date = [d for d in GEO_DATES if d <= in_force][-1]
    return Path(data_dir) / "geo" / f"gemeenten_{geo_date}.geojson"


@lru_cache(maxsize=8)
def _geojson(path: Path) -> str:
    if not path.is_file():
        raise DataError(_("reg_geo_not_found", path=path))
    return path.read_text(encoding="utf-8")


def load_geojson(date: str, data_dir: Path = DATA_DIR) -> dict:
    """GeoJSON FeatureCollection of the municipalities in force on ``date``.

    Feature ids and ``properties.statcode`` are GM codes (CBS/Kadaster, CC BY 4.0).
    """
    path = geojson_path(date, data_dir)
    geo = json.loads(_geojson(path))
    codes = {feature["properties"]["statcode"] for feature in geo["features"]}
    expected = set(load_register(date, data_dir)["gm_code"])
    if codes != expected:  # 2024-2026 use the 2023 boundaries: they must still match
        raise DataError(_("reg_geo_mismatch", path=path, date=date))
    return geo


_STEPS = {"merged_new_municipality": N_("mc_step_merged_new_municipality"), "split_part": N_("mc_step_split_part"),
          "absorbed": N_("mc_step_absorbed"), "absorbing_continues": N_("mc_step_absorbing_continues")}
_STEP = re.compile("|".join(_STEPS))


def step_words(steps) -> str:
    """The merger steps in words (``2022-01-01 merged_new_municipality`` -> ``2022-01-01
    ontstaan uit herindeling``)."""
    return _STEP.sub(lambda m: _(_STEPS[m.group(0)]), str(steps))
