"""Layer 2 (engine): restating whole-euro amounts on a later municipality register (herindelingen).

Amounts are computed on the key register (1 January 2021). A payment year is published
on the register in force on its reference date (peildatum), so the amounts are carried
through every municipal reorganisation that took effect after the key register and on or
before that date, in date order (chains such as 2021 -> 2022 -> 2023 are followed step
by step):

* merger or absorption: the successor gets the sum of its predecessors' amounts (a
  continuing municipality keeps its own amount and adds the absorbed one's);
* split: the old municipality's amount is divided over its parts pro rata the
  ``split_weight`` given in the data, in whole euros by largest remainder computed with
  exact fractions (ties to the lowest successor code).

Totals are conserved to the euro at every step. Pure functions: the caller passes the
mergers table (``allocation.data.load_mergers``); nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd


@dataclass(frozen=True)
class Link:
    """One old -> new link of a reorganisation step, with the share of the old amount."""

    effective_date: str
    old_code: str
    new_code: str
    change_type: str
    weight: Fraction  # share of the old municipality's amount going to new_code


class RestatementError(ValueError):
    """The mergers table cannot be applied; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _weight(text: object) -> Fraction | None:
    value = "" if text is None or (isinstance(text, float) and text != text) else str(text).strip()
    if not value:
        return None
    try:
        weight = Fraction(value)
    except (ValueError, ZeroDivisionError):
        return None
    return weight if weight >= 0 else None


def reorganisation_steps(mergers: pd.DataFrame, *, after: str, until: str) -> list[tuple[str, dict[str, list[Link]]]]:
    """The reorganisations with ``after < effective_date <= until`` (ISO dates), by date.

    Each step is ``(effective_date, {old_code: [Link, ...]})``; the links of one old code
    carry weights that sum to 1. Raises :class:`RestatementError` when a split lacks
    valid ``split_weight`` values.
    """
    steps: list[tuple[str, dict[str, list[Link]]]] = []
    problems: list[str] = []
    # plain records: the table is small, and pandas filtering per row dominated the run time
    records = [r for r in mergers.to_dict("records") if after < r["effective_date"] <= until]
    by_date: dict[str, dict[str, list[dict]]] = {}
    for record in records:
        by_date.setdefault(record["effective_date"], {}).setdefault(record["old_code"], []).append(record)
    for date in sorted(by_date):
        links: dict[str, list[Link]] = {}
        for old_code in sorted(by_date[date]):
            group = sorted(by_date[date][old_code], key=lambda r: r["new_code"])
            if len(group) == 1:
                row = group[0]
                links[old_code] = [Link(date, old_code, row["new_code"], row["change_type"], Fraction(1))]
                continue
            read = [_weight(row.get("split_weight")) for row in group]
            weights = [w for w in read if w is not None]
            if len(weights) < len(read) or sum(weights) == 0:
                parts = ", ".join(row["new_code"] for row in group)
                problems.append(
                    f"{old_code} is split on {date} into {parts}: every part needs a split_weight >= 0 "
                    "(a number; the weights must not all be zero)"
                )
                continue
            total = sum(weights, Fraction(0))
            links[old_code] = [
                Link(date, old_code, row["new_code"], row["change_type"], weight / total)
                for weight, row in zip(weights, group)
            ]
        steps.append((date, links))
    if problems:
        raise RestatementError(problems)
    return steps


def split_whole(amount: int, parts: Sequence[tuple[str, Fraction]]) -> dict[str, int]:
    """Divide whole euros over ``(code, weight)`` parts (weights summing to 1) exactly.

    Every part gets the floor of its exact share; the euros left over go one each to
    the largest remainders, ties to the lowest code. The parts add up to ``amount``.
    """
    exact = {code: amount * weight for code, weight in parts}
    whole = {code: value.numerator // value.denominator for code, value in exact.items()}
    leftover = amount - sum(whole.values())
    order = sorted(exact, key=lambda code: (-(exact[code] - whole[code]), code))
    for code in order[:leftover]:
        whole[code] += 1
    return whole


def apply_steps(amounts: Mapping[str, int], steps: list[tuple[str, dict[str, list[Link]]]]) -> dict[str, int]:
    """Carry whole-euro amounts by code through the reorganisation steps."""
    current = {code: int(value) for code, value in amounts.items()}
    problems = []
    for date, links in steps:
        missing = sorted(code for code in links if code not in current)
        if missing:
            problems.append(f"{date}: {', '.join(missing)} not on the register being restated")
            continue
        following: dict[str, int] = {code: value for code, value in current.items() if code not in links}
        for old_code in sorted(links):
            parts = [(link.new_code, link.weight) for link in links[old_code]]
            for new_code, value in split_whole(current[old_code], parts).items():
                following[new_code] = following.get(new_code, 0) + value
        current = following
    if problems:
        raise RestatementError(problems)
    return dict(sorted(current.items()))


def restate(amounts: pd.DataFrame | pd.Series, mergers: pd.DataFrame, *, after: str, until: str):
    """Restate whole-euro amounts indexed by municipality code onto a later register.

    ``amounts``: a Series, or a DataFrame whose columns are restated independently (e.g.
    one column per pot-year), on the register in force on ``after``. ``until``: the
    reference date of the target register. Returns the same type, indexed by the codes
    of the target register (sorted), int64. Column totals are conserved exactly.
    """
    steps = reorganisation_steps(mergers, after=after, until=until)
    if isinstance(amounts, pd.Series):
        result = apply_steps(amounts.to_dict(), steps)
        return pd.Series(result, dtype="int64", name=amounts.name).rename_axis(amounts.index.name)
    columns = {}
    for column in amounts.columns:
        columns[column] = apply_steps(amounts[column].to_dict(), steps)
    frame = pd.DataFrame(columns, columns=amounts.columns)
    if frame.empty and not columns:
        return frame
    return frame.sort_index().astype("int64").rename_axis(amounts.index.name)


def successor_map(codes: Sequence[str], mergers: pd.DataFrame, *, after: str, until: str) -> pd.DataFrame:
    """Which municipality of the target register each affected old code ends up in.

    One row per (predecessor, successor) pair for every code of ``codes`` involved in a
    reorganisation between ``after`` (exclusive) and ``until`` (inclusive): columns
    predecessor, successor, share (exact fraction of the predecessor's amount, as text
    like ``1`` or ``1/4``), share_float, steps (``date change_type`` per step, chains
    joined by ``; ``).
    """
    steps = reorganisation_steps(mergers, after=after, until=until)
    # a code that no step names as an old code never moves: only the others are followed
    involved = {code for _, links in steps for code in links}
    paths: dict[str, dict[str, tuple[Fraction, tuple[str, ...]]]] = {
        code: {code: (Fraction(1), ())} for code in codes if code in involved
    }
    for date, links in steps:
        for origin, reached in paths.items():
            following: dict[str, tuple[Fraction, tuple[str, ...]]] = {}
            for code, (share, via) in reached.items():
                if code not in links:
                    previous = following.get(code)
                    following[code] = (share + (previous[0] if previous else 0), previous[1] if previous else via)
                    continue
                for link in links[code]:
                    step = f"{date} {link.change_type}" + (f" {link.weight}" if link.weight != 1 else "")
                    previous = following.get(link.new_code)
                    new_share = share * link.weight + (previous[0] if previous else 0)
                    following[link.new_code] = (new_share, previous[1] if previous else via + (step,))
            paths[origin] = following
    rows = []
    for origin in sorted(paths):
        for successor, (share, via) in sorted(paths[origin].items()):
            if not via:
                continue
            rows.append(
                {
                    "predecessor": origin,
                    "successor": successor,
                    "share": str(share),
                    "share_float": float(share),
                    "steps": "; ".join(via),
                }
            )
    return pd.DataFrame(rows, columns=["predecessor", "successor", "share", "share_float", "steps"])
