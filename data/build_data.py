"""Build the project's own data files from the shared source folder.

Run from the repository root:

    python data/build_data.py [--source ../shared/data]

The script is deterministic: running it twice gives byte-identical files. It only
reshapes and checks the upstream files (CBS, CBS/Kadaster, see data/README.md); it
never invents a value.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "data"

REGISTER_DATES = [
    "2021-01-01",
    "2022-01-01",
    "2022-03-24",
    "2023-01-01",
    "2024-01-01",
    "2025-01-01",
    "2026-01-01",
]
GEO_FILES = {
    "gemeenten_2021.geojson": "gemeenten_2021-01-01.geojson",
    "gemeenten_2022.geojson": "gemeenten_2022-01-01.geojson",
    "gemeenten_2022-03-24.geojson": "gemeenten_2022-03-24.geojson",
    "gemeenten_2023.geojson": "gemeenten_2023-01-01.geojson",
}
VR_FILES = {
    "2021-01-01": "municipalities_2021.csv",
    "2022-01-01": "municipalities_2022.csv",
    "2022-03-24": "municipalities_2022-03-24.csv",
    "2023-01-01": "municipalities_2023.csv",
}


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def build(source: Path, target: Path) -> list[Path]:
    written: list[Path] = []
    read = lambda name: pd.read_csv(source / name, dtype=str, keep_default_na=False)  # noqa: E731

    register = read("municipalities_register_2021_2026.csv")
    dates = sorted(register["valid_from"].unique())
    if dates != REGISTER_DATES:
        raise SystemExit(f"unexpected register dates in source: {dates}")
    register = register.sort_values(["valid_from", "gm_code"], kind="stable")
    _write(register, target / "register.csv")
    written.append(target / "register.csv")

    m2021 = read("municipalities_2021.csv").sort_values("gm_code", kind="stable")
    population = m2021[["gm_code", "gm_name", "population", "population_date"]]
    _write(population, target / "population_2021.csv")
    written.append(target / "population_2021.csv")

    indicators = read("municipal_indicators_2021.csv").sort_values("gm_code", kind="stable")
    if list(indicators["gm_code"]) != list(population["gm_code"]):
        raise SystemExit("indicator codes differ from the 2021 register")
    indicators = indicators.rename(
        columns={
            "area_km2_metatopos": "area_km2",
            "pct_non_western_migration_background_2021": "pct_non_western_migration_background",
        }
    )[["gm_code", "gm_name", "area_km2", "pct_non_western_migration_background"]]
    _write(indicators, target / "indicators_2021.csv")
    written.append(target / "indicators_2021.csv")

    vr_rows = []
    for date, name in VR_FILES.items():
        frame = read(name)[["gm_code", "veiligheidsregio_code"]].copy()
        frame.insert(0, "valid_from", date)
        vr_rows.append(frame.sort_values("gm_code", kind="stable"))
    _write(pd.concat(vr_rows, ignore_index=True), target / "veiligheidsregios.csv")
    written.append(target / "veiligheidsregios.csv")

    mergers = read("herindelingen_2021_2026.csv")
    # Splits are divided by weights given in the data. The only split in the source
    # (Haaren, 1 Jan 2021) takes effect on the key register date itself, so it is never
    # restated and no weight is known for it: the column stays empty.
    mergers["split_weight"] = ""
    _write(mergers, target / "herindelingen.csv")
    written.append(target / "herindelingen.csv")

    (target / "geo").mkdir(exist_ok=True)
    for src, dst in GEO_FILES.items():
        shutil.copyfile(source / src, target / "geo" / dst)
        written.append(target / "geo" / dst)

    shutil.copyfile(source / "inburgering_budget_figures.csv", target / "budget_figures.csv")
    written.append(target / "budget_figures.csv")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"source folder not found: {args.source}", file=sys.stderr)
        return 2
    for path in build(args.source, HERE):
        print(path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
