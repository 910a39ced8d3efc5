"""Layer 3 (scenario): every constraint on a pot in words, with its provenance.

Used by the exports, the summaries and the app, so that each constraint is listed with
its source or assumption next to the amounts it shaped.
"""

from __future__ import annotations

from allocation.common.i18n import N_, _, eur, pct
from allocation.engine.bands import band_limits
from allocation.scenario.pot_problem import amount_text
from allocation.scenario.schema import Pot, Scenario

#: The words for a group's members, by the field that names them.
MEMBERS = {
    "province": N_("dsc_members_province"),
    "veiligheidsregio": N_("dsc_members_veiligheidsregio"),
    "size_class": N_("dsc_members_size_class"),
    "codes": N_("dsc_members_codes"),
}


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
                scope = _("eng_nonzero_note") if entry.nonzero_key_only else ""
                years = _("dsc_in_years", years=", ".join(map(str, entry.years))) if entry.years else ""
                item = _("dsc_minimum") if kind == "minimum" else _("dsc_maximum")
                lines.append((item, f"{amount}{scope}{years}", entry))
        if spec.transition is not None:
            band = spec.transition
            ref = band.reference.scenario or band.reference.allocation_csv
            limits = band_limits(band).text()
            pot_text = _("dsc_reference_pot", pot=band.reference.pot) if band.reference.pot else ""
            lines.append((_("dsc_transition"), _("dsc_transition_value", limits=limits, reference=ref, pot=pot_text),
                          band))
        if spec.year_band is not None:
            lines.append(
                (_("dsc_year_band"), _("dsc_year_band_value", limits=band_limits(spec.year_band).text()),
                 spec.year_band)
            )
        for group in spec.groups:
            members = next(
                _(MEMBERS[field_name], value=value)
                for field_name in ("province", "veiligheidsregio", "size_class", "codes")
                if (value := getattr(group, field_name)) is not None
            )
            limits = []
            if group.min_eur is not None:
                limits.append(_("eng_group_at_least", amount=eur(group.min_eur)))
            if group.min_share is not None:
                share = _("dsc_share_of_pot", share=pct(group.min_share * 100, 2))
                limits.append(_("eng_group_at_least", amount=share))
            if group.max_eur is not None:
                limits.append(_("eng_group_at_most", amount=eur(group.max_eur)))
            if group.max_share is not None:
                share = _("dsc_share_of_pot", share=pct(group.max_share * 100, 2))
                limits.append(_("eng_group_at_most", amount=share))
            years = _("dsc_in_years", years=", ".join(map(str, group.years))) if group.years else ""
            lines.append((_("dsc_group", name=group.name), f"{members}: {', '.join(limits)}{years}", group))
    for cap in scenario.cross_pot:
        if cap.pots is None or pot_id in cap.pots:
            amount = amount_text(cap)
            pots = ", ".join(cap.pots) if cap.pots else _("eng_all_pots")
            lines.append((_("dsc_cap"), _("dsc_cap_value", amount=amount, pots=pots), cap))
    return lines
