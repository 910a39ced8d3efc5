"""Layer 3 (scenario): every constraint on a pot in words, with its provenance.

Used by the exports, the summaries and the app, so that each constraint is listed with
its source or assumption next to the amounts it shaped.
"""

from __future__ import annotations

from allocation.common.texts import euro
from allocation.engine.bands import band_limits
from allocation.scenario.pot_problem import amount_text
from allocation.scenario.schema import Pot, Scenario


def describe_constraints(pot_id: str, pot: Pot, scenario: Scenario) -> list[tuple[str, str, object]]:
    """Every constraint on a pot in words: (item, value, the constraint with its provenance).

    Used by the exports and the app so that each constraint is listed with its source or
    assumption next to the amounts it shaped.
    """
    lines: list[tuple[str, str, object]] = []
    spec = pot.constraints
    if spec is not None:
        for kind, entries in (("minimum", spec.minimum), ("maximum", spec.maximum)):
            for entry in entries:
                amount = amount_text(entry)
                scope = " (municipalities with a non-zero key)" if entry.nonzero_key_only else ""
                years = f" in {', '.join(map(str, entry.years))}" if entry.years else ""
                lines.append((f"{kind} per municipality", f"{amount}{scope}{years}", entry))
        if spec.transition is not None:
            band = spec.transition
            ref = band.reference.scenario or band.reference.allocation_csv
            limits = band_limits(band).text()
            pot_text = f" (pot {band.reference.pot})" if band.reference.pot else ""
            lines.append(("transition band (ingroeiregeling)", f"{limits} than {ref}{pot_text}", band))
        if spec.year_band is not None:
            lines.append(
                ("year band", f"{band_limits(spec.year_band).text()} than the previous payment year", spec.year_band)
            )
        for group in spec.groups:
            members = next(
                f"{field_name} {value}"
                for field_name in ("province", "veiligheidsregio", "size_class", "codes")
                if (value := getattr(group, field_name)) is not None
            )
            limits = []
            if group.min_eur is not None:
                limits.append(f"at least {euro(group.min_eur)}")
            if group.min_share is not None:
                limits.append(f"at least {group.min_share:.2%} of the pot")
            if group.max_eur is not None:
                limits.append(f"at most {euro(group.max_eur)}")
            if group.max_share is not None:
                limits.append(f"at most {group.max_share:.2%} of the pot")
            years = f" in {', '.join(map(str, group.years))}" if group.years else ""
            lines.append((f"group {group.name}", f"{members}: {', '.join(limits)}{years}", group))
    for cap in scenario.cross_pot:
        if cap.pots is None or pot_id in cap.pots:
            amount = amount_text(cap)
            pots = ", ".join(cap.pots) if cap.pots else "all pots"
            lines.append(("cross-pot maximum", f"{amount} per municipality per year for {pots} together", cap))
    return lines
