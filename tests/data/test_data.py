"""The data layer loads the real registers and refuses damaged files with a clear error."""

from __future__ import annotations

import pytest

from allocation.common.errors import DataError
from allocation.data import registers as data

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("date", "count"),
    [("2021-01-01", 352), ("2022-01-01", 345), ("2022-03-24", 344), ("2023-01-01", 342), ("2026-01-01", 342)],
)
def test_register_counts_match_the_known_municipality_counts(date, count):
    register = data.load_register(date)
    assert len(register) == count
    assert register["gm_code"].is_unique


def test_register_in_force_picks_the_latest_register_on_or_before_the_date():
    assert data.register_in_force("2022-03-23") == "2022-01-01"
    assert data.register_in_force("2022-03-24") == "2022-03-24"
    assert data.register_in_force("2024-06-30") == "2024-01-01"


def test_weesp_is_gone_after_24_march_2022():
    assert "GM0457" in set(data.load_register("2022-01-01")["gm_code"])
    assert "GM0457" not in set(data.load_register("2022-03-24")["gm_code"])


def test_municipalities_2021_have_population_area_and_size_class():
    frame = data.load_municipalities_2021()
    assert len(frame) == 352
    assert frame.notna().all().all()
    assert frame["population"].sum() == 17_475_908  # the figure SOURCES.md checks against CBS
    amsterdam = frame.set_index("gm_code").loc["GM0363"]
    assert amsterdam["size_class"] == ">= 250.000"
    assert amsterdam["province_name"] == "Noord-Holland"


@pytest.mark.parametrize(
    ("population", "label"),
    [(4_999, "< 5.000"), (5_000, "5.000 - 10.000"), (249_999, "150.000 - 250.000"), (250_000, ">= 250.000")],
)
def test_size_class_boundaries_follow_cbs(population, label):
    assert data.size_class(population) == label


def test_boundaries_match_the_register_of_each_year():
    for date in ["2021-01-01", "2022-01-01", "2022-03-24", "2023-01-01", "2026-01-01"]:
        geo = data.load_geojson(date)
        assert {f["properties"]["statcode"] for f in geo["features"]} == set(data.load_register(date)["gm_code"])


def test_damaged_population_file_gives_a_clear_error_naming_file_and_row(data_copy):
    path = data_copy / "population_2021.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[2], "abc")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        data.load_municipalities_2021(data_copy)
    assert any("population_2021.csv: row 4: population 'abc' is not a number" in p for p in info.value.problems)


def test_register_with_a_missing_municipality_is_refused(data_copy):
    path = data_copy / "register.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:5] + lines[6:]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="register 2021-01-01 has 351 municipalities, expected 352"):
        data.load_register("2021-01-01", data_copy)


def test_register_with_a_malformed_code_is_refused(data_copy):
    path = data_copy / "register.csv"
    text = path.read_text(encoding="utf-8").replace("2021-01-01,GM0034,", "2021-01-01,GM34,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="'GM34' is not a CBS code"):
        data.load_register("2021-01-01", data_copy)


def test_build_script_reproduces_the_shipped_data_files(tmp_path):
    shared = data.DATA_DIR.parent.parent / "shared" / "data"
    if not shared.is_dir():
        pytest.skip(f"the shared source folder {shared} is not beside the repository")
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_data", data.DATA_DIR / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(shared, tmp_path)
    for built in tmp_path.rglob("*.*"):
        shipped = data.DATA_DIR / built.relative_to(tmp_path)
        assert shipped.read_bytes() == built.read_bytes(), f"{shipped} differs from a fresh build"
