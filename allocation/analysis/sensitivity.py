"""Layer 4 (analysis): the bands of the draws (:mod:`allocation.scenario.sensitivity`): per
municipality, pot and payment year (on its payment-year register, like ``run``), the
scenario's own amount and the 5th, 50th and 95th percentile of the draws in whole euros
(each an amount some draw gave: the inverted-CDF percentile), and the band width
``(p95 - p5) / amount x 100``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocation.common import i18n
from allocation.common.cells import frame_csv
from allocation.common.i18n import _
from allocation.common.texts import text_table
from allocation.scenario.result import ScenarioResult
from allocation.scenario.sensitivity import Draws, SpreadSpec

COLUMNS = ["pot", "year", "gm_code", "gm_name", "amount_eur", "p5_eur", "p50_eur", "p95_eur", "band_pct"]


#: Percentiles are taken over this many municipalities at a time (a copy of their kept draws).
BLOCK = 32


def _percentiles(values: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The inverted-CDF 5th, 50th and 95th percentile per column of the kept rows (NaN without any),
    as ``np.percentile(..., method="inverted_cdf")`` gives them: each is one of the sorted values,
    at a position found once on ``0 .. count - 1``; the values are put in place by partitions
    (one position each, the largest first, each on what the last left below it), 32 columns at
    a time, so that no copy of all draws is made."""
    count = int(kept.sum())
    if count == 0:
        return np.full((3, values.shape[1]), np.nan)
    at = np.percentile(np.arange(count), [5, 50, 95], method="inverted_cdf").astype(np.int64)
    found = np.empty((3, values.shape[1]), dtype=np.int64)
    for first in range(0, values.shape[1], BLOCK):
        block = np.ascontiguousarray(values[kept, first:first + BLOCK].T)  # a row per municipality
        limit = count
        for i in (2, 1, 0):
            block[:, :limit].partition(at[i], axis=1)
            found[i, first:first + BLOCK] = block[:, at[i]]
            limit = at[i] + 1
    return found


def band_table(result: ScenarioResult, draws: Draws) -> pd.DataFrame:
    """A row per municipality, pot and payment year: :data:`COLUMNS` (refused draws left out)."""
    published = result.published.set_index(["pot", "year", "gm_code"]).sort_index()
    frames = []
    for pot, year in draws.amounts:
        codes = draws.codes[(pot, year)]
        rows = published.loc[(pot, year)].reindex(codes)
        p5, p50, p95 = _percentiles(draws.amounts[(pot, year)], ~draws.refused[(pot, year)])
        amount = rows["amount_eur"].to_numpy(dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            band = np.where(amount > 0, (p95 - p5) / amount * 100, np.nan)
        frames.append(pd.DataFrame({"pot": pot, "year": year, "gm_code": codes, "gm_name": rows["gm_name"].to_numpy(),
                                    "amount_eur": amount, "p5_eur": p5, "p50_eur": p50, "p95_eur": p95,
                                    "band_pct": band}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def band_csv(table: pd.DataFrame) -> bytes:
    """The bands as CSV (UTF-8, LF; the band to four decimals): byte-identical for the same seed."""
    return frame_csv(table, float_format="%.4f")


def _figure(figure: str) -> str:
    """A figure of the spread (``key inwoners``, ``year profiles``) in words."""
    if figure.startswith("key "):
        return _("sens_figure_key", key=figure[4:])
    return _("sens_figure_profiles") if figure == "year profiles" else figure


def sensitivity_text(table: pd.DataFrame, draws: Draws, spec: SpreadSpec, top: int = 5) -> str:
    """Per pot: the widest bands, how many amounts may move more than 10%, and refused draws (in the language)."""
    spreads = ", ".join(f"{name} {i18n.share(sd)}" for name, sd in sorted(spec.keys.items()) if sd > 0)
    lines = [_("sens_title", draws=i18n.number(draws.draws), seed=spec.seed, spreads=spreads or _("sens_none"))
             + (_("sens_profiles", sd=i18n.share(spec.profile_sd)) if spec.profile_sd > 0 else "")]
    for figure, provenance in sorted(spec.provenance.items()):
        lines.append(f"  {_figure(figure)}: {provenance}")
    for pot, part in table.groupby("pot", sort=False):
        outside = part[(part["p5_eur"] < 0.9 * part["amount_eur"]) | (part["p95_eur"] > 1.1 * part["amount_eur"])]
        refused = {year: int(draws.refused[(pot, year)].sum()) for year in sorted(set(part["year"]))}
        alone = draws.one_by_one.get(pot, 0)
        lines.append(_("sens_pot", pot=pot, outside=i18n.number(len(outside)), count=i18n.number(len(part)),
                       refused=", ".join(f"{y} {i18n.pct(n / draws.draws * 100, 1)}" for y, n in refused.items()))
                     + (_("sens_one_by_one", count=i18n.number(alone)) if alone else ""))
        widest = part.dropna(subset=["band_pct"]).nlargest(top, "band_pct")
        rows = [[_("cmp_col_year"), _("dec_col_code"), _("dec_col_name"), _("sens_col_amount"), _("sens_col_p5"),
                 _("sens_col_p95"), _("band_width")]]
        rows += [[str(r.year), r.gm_code, r.gm_name, i18n.number(r.amount_eur), i18n.number(int(r.p5_eur)),
                  i18n.number(int(r.p95_eur)), i18n.pct(r.band_pct, 1)] for r in widest.itertuples(index=False)]
        lines += text_table(rows, right={3, 4, 5, 6})
    return "\n".join(lines) + "\n"
