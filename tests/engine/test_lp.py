"""The joint linear programme: it agrees with the closed form's euro figures, and its builders agree.

Keys, budgets and bounds here are random, FICTITIOUS test data.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.common.i18n import _
from allocation.engine import joint_lp as lp
from allocation.engine.bounded import allocate_bounded, check_feasible, combine_bounds


@st.composite
def per_municipality_problems(draw):
    n = draw(st.integers(1, 12))
    keys = np.array(draw(st.lists(st.integers(1, 100), min_size=n, max_size=n)), dtype=float)
    budget = draw(st.integers(0, 100_000))
    lower = np.array(draw(st.lists(st.integers(0, 15_000), min_size=n, max_size=n)), dtype=float)
    spread = np.array(draw(st.lists(st.integers(0, 15_000), min_size=n, max_size=n)), dtype=float)
    codes = [f"GM{i:04d}" for i in range(n)]
    return codes, keys / keys.sum(), budget, lower, lower + spread


@settings(max_examples=60, deadline=None)
@given(per_municipality_problems())
def test_lp_and_closed_form_agree_to_the_euro_on_feasibility_and_shortfall(problem):
    codes, shares, budget, lower, upper = problem
    bounds = combine_bounds(len(codes), [("min", lower)], [("max", upper)])
    messages = check_feasible(codes, codes, np.zeros(len(codes)), shares * budget, bounds, budget, "pot 2023")
    joint = lp.JointProblem(
        codes=tuple(codes), years=(2023,), budgets=(budget,), lower=bounds.lower[:, None], upper=bounds.upper[:, None]
    )
    diagnosis = lp.solve_joint_pulp(joint, "highs")
    assert diagnosis.feasible == (not messages)
    if messages:
        analytic = max(bounds.lower.sum() - budget, budget - bounds.upper.sum())
        assert round(diagnosis.short[2023] + diagnosis.over[2023]) == analytic
    else:
        # the closed-form allocation is a point of the LP's feasible set
        result = allocate_bounded(codes, np.zeros(len(codes)), shares * budget, bounds, budget)
        assert np.all(result.amounts >= joint.lower[:, 0]) and np.all(result.amounts <= joint.upper[:, 0])
        assert result.amounts.sum() == budget


def synthetic(n: int, years: int, seed: int) -> lp.JointProblem:
    rng = np.random.default_rng(seed)
    budgets = tuple(int(b) for b in np.linspace(3_000_000, 1_000_000, years))
    lower = np.full((n, years), 2_000.0)
    upper = np.full((n, years), np.inf)
    codes = tuple(f"GM{i:04d}" for i in range(n))
    members = rng.random(n) < 0.3
    group = lp.JointGroup("g", members, {2021 + t: (0.35 * budgets[t], np.inf) for t in range(years)})
    return lp.JointProblem(codes, tuple(range(2021, 2021 + years)), budgets, lower, upper, 0.15, 0.15, (group,))


def test_pulp_highs_pulp_cbc_and_direct_highs_agree_on_the_least_miss():
    for n, seed in ((40, 1), (400, 2), (1000, 3)):
        problem = synthetic(n, 5, seed)
        totals = []
        for diagnosis in (lp.solve_joint_pulp(problem, "highs"), lp.solve_joint_pulp(problem, "cbc"),
                          lp.solve_joint_highspy(problem)):
            assert diagnosis.status == "Optimal"
            totals.append(sum(diagnosis.short.values()) + sum(diagnosis.over.values()))
        assert max(totals) - min(totals) < 1.0, totals


def test_lp_variables_are_named_by_municipality_code():
    import pulp

    problem = synthetic(3, 2, 0)
    names = []
    original = pulp.LpProblem.solve

    def spy(self, *args, **kwargs):
        names.extend(v.name for v in self.variables())
        return original(self, *args, **kwargs)

    pulp.LpProblem.solve = spy
    try:
        lp.solve_joint_pulp(problem, "highs")
    finally:
        pulp.LpProblem.solve = original
    assert "x_GM0000_2021" in names and "x_GM0002_2022" in names


def test_explanation_names_the_total_miss_in_euros():
    problem = synthetic(200, 6, 4)
    diagnosis = lp.diagnose(problem)
    lines = lp.explain("ELIP", diagnosis, _("eng_what_band"))  # in Dutch, the default
    assert len(lines) == 1
    if diagnosis.feasible:
        assert "kunnen de jaarband en de overige beperkingen gelden" in lines[0]
    else:
        assert lines[0].startswith("ELIP: ook gezamenlijk over alle betaaljaren opgelost halen de jaarband en de "
                                   "overige beperkingen de jaarbudgetten niet")
        assert "in totaal met € " in lines[0] and "(het minst mogelijke" in lines[0]
