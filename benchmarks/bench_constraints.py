"""Benchmark constrained allocation: ``python benchmarks/bench_constraints.py [--quick]``.

Measures (medians of repeated runs, wall clock and process CPU):

1. each shipped scenario: the whole ``run_scenario`` and, for every constrained pot, the
   closed-form allocation alone; the joint LP of each constrained pot (all years, the same
   bounds and the year band), model building apart from solving, with PuLP+HiGHS,
   PuLP+CBC and HiGHS built directly (highspy);
2. synthetic pots of 350, 3,500 and 35,000 municipalities x 6 years with a floor and a
   year band (+-15%): the closed form (year by year) and the joint LP.

3. the joint fallback of a year band (``--joint-only`` runs just this): the shipped
   ``kamerbrief-2021`` ondertussengroep pot (352 municipalities x 6 years) with a
   FICTITIOUS floor of EUR 5,000 in 2026 and a year band of at most +10% per year, which
   cannot hold year by year but can jointly: the whole constrained allocation (the failed
   sequential pass, the joint LP, the rounding) and the joint LP's building and solving.

The synthetic keys and budgets are random FICTITIOUS data. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allocation import load_scenario, run_scenario  # noqa: E402
from allocation.engine import constrained_pot as constrained  # noqa: E402
from allocation.engine import joint_lp as lp  # noqa: E402
from allocation.engine.bounded import allocate_bounded, check_feasible, combine_bounds  # noqa: E402
from allocation.scenario.pot_problem import pot_problem  # noqa: E402


def measure(function, repeats: int) -> tuple[float, float, object]:
    """Median wall seconds, median CPU seconds, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import highspy  # noqa: F401
    import pulp

    return (
        f"{os.cpu_count()} cores (nproc), CPU {model}, Python {platform.python_version()}, "
        f"PuLP {pulp.__version__}, numpy {np.__version__}"
    )


# --- shipped scenarios -----------------------------------------------------------------


def problem_of(result, pot_id: str, municipalities=None) -> constrained.PotProblem:
    """The engine's problem of a constrained pot of a scenario result (references run as in ``run``)."""
    loaded = result.loaded
    budgets = dict(zip(result.pots[pot_id].years, result.pots[pot_id].budgets))

    def run_reference(path):
        return run_scenario(load_scenario(path)).allocation

    return pot_problem(
        pot_id=pot_id, pot=loaded.scenario.pots[pot_id], scenario=loaded.scenario, origin=loaded.origin,
        base_dir=loaded.base_dir, municipalities=result.municipalities, shares=result.pots[pot_id].shares,
        budgets=budgets, run_reference=run_reference,
    )


def joint_problem_of(result, pot_id: str) -> lp.JointProblem:
    """The joint LP of a constrained pot of a scenario result: static bounds + year band."""
    problem = problem_of(result, pot_id)
    return constrained._joint_problem(problem, [constrained._static_bounds(problem, y, {}) for y in problem.years])


def bench_shipped(repeats: int) -> list[list[str]]:
    rows = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        loaded = load_scenario(path)
        run_scenario(loaded)  # warm the data caches
        wall, cpu, result = measure(lambda: run_scenario(loaded), repeats)
        rows.append([path.stem, "whole run_scenario (all pots)", f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}"])
        for pot_id in result.constrained:

            def closed_form():
                return constrained.allocate_constrained_pot(problem_of(result, pot_id), {})

            wall, cpu, _ = measure(closed_form, repeats)
            rows.append(
                [path.stem, f"{pot_id}: closed form (incl. reference run)", f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}"]
            )
            problem = joint_problem_of(result, pot_id)
            for label, solve in (
                ("PuLP+HiGHS", lambda: lp.solve_joint_pulp(problem, "highs")),
                ("PuLP+CBC", lambda: lp.solve_joint_pulp(problem, "cbc")),
                ("highspy direct", lambda: lp.solve_joint_highspy(problem)),
            ):
                builds, solves = [], []
                for _ in range(repeats):
                    diagnosis = solve()
                    builds.append(diagnosis.build_seconds)
                    solves.append(diagnosis.solve_seconds)
                rows.append(
                    [path.stem, f"{pot_id}: joint LP {label}, build", f"{statistics.median(builds) * 1000:.1f}", ""]
                )
                rows.append(
                    [path.stem, f"{pot_id}: joint LP {label}, solve", f"{statistics.median(solves) * 1000:.1f}", ""]
                )
    return rows


# --- synthetic ---------------------------------------------------------------------------


def synthetic(n: int, years: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    population = np.round(rng.lognormal(10, 1, n)) + 500
    shares = population / population.sum()
    budgets = [int(b) for b in np.linspace(3_000_000, 2_000_000, years) * n / 350]
    floor = 2_000.0
    codes = [f"GM{i:05d}" for i in range(n)]
    return codes, shares, budgets, floor


def closed_form_with_band(codes, shares, budgets, floor, band=0.15):
    n = len(codes)
    amounts = np.zeros((n, len(budgets)), dtype=np.int64)
    for t, budget in enumerate(budgets):
        lowers = [("floor", np.full(n, floor))]
        uppers = []
        if t > 0:
            lowers.append(("band", amounts[:, t - 1] * (1 - band)))
            uppers.append(("band", amounts[:, t - 1] * (1 + band)))
        bounds = combine_bounds(n, lowers, uppers)
        weight = shares * budget
        problems = check_feasible(codes, codes, np.zeros(n), weight, bounds, budget, f"year {t}")
        if problems:
            raise RuntimeError(problems)
        amounts[:, t] = allocate_bounded(codes, np.zeros(n), weight, bounds, budget).amounts
    return amounts


def bench_synthetic(sizes: list[int], repeats: int, pulp_limit: int) -> list[list[str]]:
    rows = []
    for n in sizes:
        codes, shares, budgets, floor = synthetic(n)
        reps = repeats if n <= 3500 else max(1, repeats // 2)
        wall, cpu, amounts = measure(lambda: closed_form_with_band(codes, shares, budgets, floor), reps)
        bound = int((amounts == 2000).sum())
        rows.append([f"synthetic {n:,} x 6", f"closed form, floor + year band ({bound:,} pot-years on the floor)",
                     f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}"])
        problem = lp.JointProblem(
            codes=tuple(codes), years=tuple(range(2021, 2027)), budgets=tuple(budgets),
            lower=np.full((n, 6), floor), upper=np.full((n, 6), np.inf), band_decrease=0.15, band_increase=0.15,
        )
        variants = [("highspy direct", lambda: lp.solve_joint_highspy(problem))]
        if n <= pulp_limit:
            variants.insert(0, ("PuLP+HiGHS", lambda: lp.solve_joint_pulp(problem, "highs")))
        for label, solve in variants:
            builds, solves = [], []
            for _ in range(reps):
                diagnosis = solve()
                builds.append(diagnosis.build_seconds)
                solves.append(diagnosis.solve_seconds)
            rows.append(
                [f"synthetic {n:,} x 6", f"joint LP {label}, build", f"{statistics.median(builds) * 1000:.1f}", ""]
            )
            rows.append([f"synthetic {n:,} x 6", f"joint LP {label}, solve ({diagnosis.status})",
                         f"{statistics.median(solves) * 1000:.1f}", ""])
    return rows


# --- the joint fallback of a year band ------------------------------------------------------


def fictitious_joint_scenario():
    """kamerbrief-2021 with a FICTITIOUS floor in 2026 and a +10% year band on ondertussengroep."""
    import yaml

    from allocation import parse_scenario

    data = yaml.safe_load((ROOT / "scenarios" / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    note = {"assumption": "FICTITIOUS benchmark setting"}
    data["pots"]["ondertussengroep"]["constraints"] = {
        "minimum": [{"eur": 5000, "years": [2026], **note}],
        "year_band": {"max_increase_pct": 10, **note},
    }
    return parse_scenario(yaml.safe_dump(data), origin=str(ROOT / "scenarios" / "bench-joint.yaml"),
                          scenario_id="bench-joint", base_dir=ROOT / "scenarios")


def bench_joint(repeats: int) -> list[list[str]]:
    loaded = fictitious_joint_scenario()
    result = run_scenario(loaded)
    pot_id = "ondertussengroep"
    assert result.constrained[pot_id].joint, "the fictitious case should need the joint fallback"
    pot = loaded.scenario.pots[pot_id]
    shares = result.pots[pot_id].shares
    years = list(result.pots[pot_id].years)
    budgets = dict(zip(years, result.pots[pot_id].budgets))
    n = len(result.municipalities)
    case = f"joint fallback {n} x {len(years)} (fictitious)"
    pot_problem_ = problem_of(result, pot_id)

    def whole():
        return constrained.allocate_constrained_pot(pot_problem_, {})

    wall, cpu, _ = measure(whole, repeats)
    rows = [[case, "whole constrained allocation (sequential attempt, joint LP, rounding)",
             f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}"]]
    # the joint LP alone: the same model as the fallback builds
    problem = joint_problem_of(result, pot_id)
    vast = pot.key.vast_bedrag_eur
    target = np.column_stack([vast + shares * (budgets[y] - vast * n) for y in years])
    for label, solver in (("PuLP+HiGHS", "highs"), ("PuLP+CBC", "cbc")):
        builds, solves = [], []
        for _ in range(repeats):
            solution = lp.allocate_joint(problem, target, solver)
            builds.append(solution.build_seconds)
            solves.append(solution.solve_seconds)
        rows.append([case, f"joint LP {label}, build", f"{statistics.median(builds) * 1000:.1f}", ""])
        rows.append(
            [case, f"joint LP {label}, solve ({solution.status})", f"{statistics.median(solves) * 1000:.1f}", ""]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 35,000 case")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pulp-limit", type=int, default=35_000, help="largest n built through PuLP")
    parser.add_argument("--joint-only", action="store_true", help="only the joint fallback of a year band")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    sizes = [350, 3_500] if args.quick else [350, 3_500, 35_000]
    print(f"Machine: {machine()}")
    print(f"Repeats: {repeats} (medians)\n")
    print("| case | what | median wall ms | median CPU ms |")
    print("| --- | --- | ---: | ---: |")
    rows = bench_joint(repeats) if args.joint_only else (
        bench_shipped(repeats) + bench_synthetic(sizes, repeats, args.pulp_limit) + bench_joint(repeats))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
