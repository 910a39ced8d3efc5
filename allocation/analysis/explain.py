"""Layer 4 (analysis): how a municipality's amounts follow from the keys, so that it can
recompute them: key values and shares, the combined share, the vast bedrag, the factor of
the constraints, and the rounding. In the language, numbers the language's way."""

from __future__ import annotations

import math
from dataclasses import dataclass

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.data.keys import kind_word, unit_word
from allocation.data.registers import step_words
from allocation.scenario.result import ScenarioResult


def rounding_note() -> str:
    """How whole euros are made (largest remainder), in the language."""
    return _("explain_rounding")


def explanation_text(result: ScenarioResult, gm_code: str, year: int | None = None) -> str:
    """How a municipality's amounts follow from the keys, so that it can recompute them.

    Without ``year``: every payment year, on the 2021 key register the amounts are computed
    on. With ``year``: that payment year on the register in force on its peildatum, as the
    circular publishes it; a municipality formed by a herindeling is explained as the sum of
    its predecessors on the key register, each with its share and its own computation.
    """
    if year is None:
        lines = _key_register_lines(result, gm_code, None)
        if not lines:
            return _("explain_not_on_key_register", code=gm_code) + "\n"
        return "\n".join(lines + [rounding_note()]) + "\n"
    return _payment_year_text(result, gm_code, year)


def _times(share: str) -> str:
    return "" if share == "1" else _("explain_split_weight", share=share)


def _payment_year_text(result: ScenarioResult, gm_code: str, year: int) -> str:
    if year not in result.peildata:
        raise InputError(_("explain_year_not_paid", year=year, years=", ".join(map(str, sorted(result.peildata)))))
    date, provenance = result.peildata[year]
    register = result.registers[year].set_index("gm_code")
    if gm_code not in register.index:
        mapping = result.successors.get(year)
        into = [] if mapping is None or mapping.empty else list(mapping[mapping["predecessor"] == gm_code]["successor"])
        names = [f"{register.loc[code, 'gm_name']} ({code})" for code in into]
        hint = _("explain_part_of", names=", ".join(names)) if names else ""
        raise InputError(_("explain_not_on_register", code=gm_code, date=date, year=year, hint=hint))
    name = register.loc[gm_code, "gm_name"]
    mapping = result.successors.get(year)
    parts = mapping[mapping["successor"] == gm_code] if mapping is not None and not mapping.empty else None
    published = result.published[(result.published["year"] == year) & (result.published["gm_code"] == gm_code)]
    lines = [_("explain_year_header", name=name, code=gm_code, year=year, date=date, provenance=provenance)]
    if parts is None or parts.empty:
        lines.append(_("explain_unchanged"))
        lines.append("")
        lines += _key_register_lines(result, gm_code, year)
    else:
        names_2021 = result.municipalities.set_index("gm_code")["gm_name"]
        lines.append(_("explain_formed"))
        for row in parts.itertuples(index=False):
            lines.append(f"    {row.predecessor} {names_2021.get(row.predecessor, '')}{_times(row.share)}: "
                         f"{step_words(row.steps)}")
        lines.append("")
        for row in parts.itertuples(index=False):
            lines += _key_register_lines(result, row.predecessor, year)
    lines.append(_("explain_published"))
    for pot_id, pot in result.scenario.pots.items():
        amount = published[published["pot"] == pot_id]["amount_eur"]
        if amount.empty:
            continue
        if parts is not None and not parts.empty:
            allocation = result.allocation
            rows = allocation[(allocation["pot"] == pot_id) & (allocation["year"] == year)].set_index("gm_code")
            terms = " + ".join(
                i18n.eur(rows.loc[p.predecessor, "amount_eur"]) + ("" if p.share == "1" else f" x {p.share}")
                for p in parts.itertuples(index=False)
            )
            lines.append(f"  {pot.label} ({pot_id}) {year}: {terms} = {i18n.eur(int(amount.iloc[0]))}")
        else:
            lines.append(f"  {pot.label} ({pot_id}) {year}: {i18n.eur(int(amount.iloc[0]))}")
    if parts is not None and (parts["share"] != "1").any():
        lines.append(_("explain_split_note"))
    lines.append("")
    lines.append(rounding_note())
    return "\n".join(lines) + "\n"


def _key_register_lines(result: ScenarioResult, gm_code: str, only_year: int | None) -> list[str]:
    """The computation of a municipality of the key register, per pot, every year or one."""
    lines = []
    for pot_id, pot in result.scenario.pots.items():
        rows = result.explanation(pot_id, gm_code)
        if only_year is not None:
            rows = rows[rows["year"] == only_year]
        if rows.empty:
            continue
        first = rows.iloc[0]
        lines.append(_("explain_pot_for", pot=pot.label, id=pot_id, name=first["gm_name"], code=gm_code))
        for key_name, weight in sorted(pot.key.weights.items()):
            key = result.loaded.keys[key_name]
            lines.append(_("explain_key", key=key_name, kind=kind_word(key.kind),
                           value=i18n.number(first[f"value:{key_name}"], 2), unit=unit_word(key.unit),
                           total=i18n.number(key.values.sum(), 2), share=i18n.share(first[f"share:{key_name}"]),
                           weight=i18n.share(weight)))
        lines.append(_("explain_combined", share=i18n.share(first["combined_share"]), provenance=pot.key.provenance))
        info = result.constrained.get(pot_id)
        bound = {}
        if info is not None:
            report = info.report[info.report["gm_code"] == gm_code]
            bound = {int(r.year): r.constraint for r in report.itertuples(index=False)}
        for row in rows.itertuples(index=False):
            values = {"year": row.year, "vast": f"{i18n.eur(row.vast_bedrag)} + " if row.vast_bedrag else "",
                      "share": i18n.share(row.combined_share), "budget": i18n.eur(row.variable_budget),
                      "amount": i18n.eur(row.amount_eur)}
            if info is None:
                lines.append(_("explain_year", exact=i18n.number(row.exact_amount, 2),
                               rounding=i18n.signed(row.rounding_eur, 2), **values))
            elif row.year in bound:
                lines.append(_("explain_year_bound", constraint=bound[row.year], **values))
            elif info.joint:
                lines.append(_("explain_year_joint", solver=info.solver, **values))
            else:
                lines.append(_("explain_year_factor", factor=i18n.share(info.scales[row.year]),
                               exact=i18n.number(row.exact_amount, 2), rounding=i18n.signed(row.rounding_eur, 2),
                               **values))
        lines.append("")
    return lines


@dataclass(frozen=True)
class KeyShare:
    """One key of a pot: the municipality's share of it (value / national total, on the 2021 key
    register) and its weight in each scenario's key (0 where that key does not use it)."""

    key: str
    label: str
    share: float
    weight_base: float
    weight_other: float


@dataclass(frozen=True)
class KeyShares:
    """What drives the key part of a municipality's difference between two scenarios in a pot:
    its share under each key either scenario's key uses, and its combined share under each."""

    pot: str
    gm_code: str
    gm_name: str
    keys: tuple[KeyShare, ...]  # the keys either scenario uses, the other scenario's heaviest first

    @property
    def combined_base(self) -> float:
        return math.fsum(item.share * item.weight_base for item in self.keys)

    @property
    def combined_other(self) -> float:
        return math.fsum(item.share * item.weight_other for item in self.keys)


def key_shares(base: ScenarioResult, other: ScenarioResult, pot: str, gm_code: str) -> KeyShares:
    """The municipality's share under each key of ``pot`` in BASE and OTHER (weights normalised
    to sum 1 per scenario; the key values of OTHER where it declares the key, else of BASE).
    Raises :class:`InputError` where the pot is not in both or the code not on the key register."""
    if pot not in base.scenario.pots or pot not in other.scenario.pots:
        raise InputError(f"{pot}: not a pot both scenarios have")
    names = base.municipalities.set_index("gm_code")["gm_name"]
    if gm_code not in names.index:
        raise InputError(f"{gm_code} is not a municipality of the 2021 key register")

    def weights(result: ScenarioResult) -> dict[str, float]:
        found = dict(result.scenario.pots[pot].key.weights)
        total = math.fsum(found.values())
        return {k: w / total for k, w in found.items()} if total > 0 else {}

    first, second = weights(base), weights(other)
    order = sorted({*first, *second}, key=lambda k: (-second.get(k, 0.0), -first.get(k, 0.0), k))
    items = []
    for name in order:
        key = other.loaded.keys.get(name) or base.loaded.keys[name]
        values = key.values.astype(float)
        total = float(values.sum())
        share = float(values.get(gm_code, 0.0)) / total if total > 0 else 0.0
        items.append(KeyShare(name, key.label or name, share, first.get(name, 0.0), second.get(name, 0.0)))
    return KeyShares(pot, gm_code, str(names[gm_code]), tuple(items))
