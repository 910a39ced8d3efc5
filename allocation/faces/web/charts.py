"""Layer 6 (faces): maps, bar charts and tables, with readable labels and Dutch numbers.

Tables are shown through a pandas Styler whose texts come from
:class:`allocation.faces.web.numbers.Numbers`, so the numbers read ``€ 3.500.000`` and
``0,107`` whatever the browser's locale, while the columns still sort by value.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from allocation.faces.web import state
from allocation.faces.web.labels import Lang

# plotly's geo maps fetch a base-map file even when it is hidden; serve an empty one
# locally (static/world_110m.json, enableStaticServing in .streamlit/config.toml).
MAP_CONFIG = {"topojsonURL": "app/static/", "displaylogo": False, "responsive": True, "displayModeBar": False}
ROW_HEIGHT = 35


def formatter(lang: Lang, kind: str):
    """A value -> text function for a table column of ``kind``: ``eur`` (whole euros),
    ``signed_eur``, ``eur3`` (three decimals, per inhabitant), ``signed_eur3``, ``int``,
    ``pct`` (one decimal, signed), ``share`` (four decimals), ``number2``, ``text``."""
    n = lang.n

    def missing(value) -> bool:
        return value is None or (isinstance(value, float) and value != value)

    formats = {
        "eur": lambda v: n.eur(v),
        "signed_eur": lambda v: n.delta_eur(v),
        "eur3": lambda v: n.eur(v, 3),
        "signed_eur3": lambda v: n.delta_eur(v, 3),
        "int": lambda v: n.number(v),
        "pct": lambda v: n.pct(v, 1, signed=True),
        "plain_pct": lambda v: n.pct(v, 1),
        "share": lambda v: n.number(v, 4),
        "number2": lambda v: n.number(v, 2),
        "number3": lambda v: n.number(v, 3),
    }
    if kind not in formats:
        return lambda v: "" if missing(v) else str(v)
    function = formats[kind]
    return lambda v: "" if missing(v) else function(v)


def table(lang: Lang, frame: pd.DataFrame, columns: dict[str, tuple[str, str]], *, key: str,
          max_height: int = 480, widths: dict[str, str] | None = None, static: bool = False) -> None:
    """Show ``frame``'s ``columns`` ({column: (label key, kind)}) with readable headers and
    numbers (a label starting with ``=`` is shown as it is); the height fits the rows (no empty
    rows under a short result). ``static``: a
    plain table whose long texts wrap (provenance), instead of a scrolling grid."""
    formats = {column: formatter(lang, kind) for column, (_, kind) in columns.items()}

    def header(label: str) -> str:  # a catalogue label, or "=" and a text already in the language
        return label[1:] if label.startswith("=") else lang(label)

    if static:
        labels = {column: header(label) for column, (label, _) in columns.items()}
        shown = frame[list(columns)].rename(columns=labels)
        styler = shown.style.format({labels[c]: f for c, f in formats.items()}, na_rep="–").hide(axis="index")
        st.table(styler)
        return
    hidden = [c for c in ("gm_code",) if c in frame.columns and c not in columns]  # kept for search and tests
    shown = frame[list(columns) + hidden]
    styler = shown.style.format(formats, na_rep="–")
    config = {
        column: st.column_config.Column(header(label), width=(widths or {}).get(column))
        for column, (label, _) in columns.items()
    }
    height = table_height(len(shown), max_height)
    st.dataframe(styler, hide_index=True, column_config=config, column_order=list(columns), height=height, key=key)


def table_height(rows: int, max_height: int = 480) -> int:
    """Pixels for a header and ``rows`` rows (at most ``max_height``): no empty rows under a
    short result, as after a search."""
    return min(max_height, ROW_HEIGHT * (rows + 1) + 3)


def municipality_map(lang: Lang, date: str, frame: pd.DataFrame, value: str, hover_columns: list[str], hover: str,
                     title: str, *, key: str, height: int, colorbar: str, uniform: float | None = None,
                     **colours) -> None:
    """A choropleth of the municipalities in force on ``date``. With ``uniform`` (a rate in
    euros per inhabitant) every municipality gets one colour: the differences are rounding."""
    z = frame[value]
    if uniform is not None:
        colours = {"colorscale": [[0, "#3b7dd8"], [1, "#3b7dd8"]], "showscale": False}
    figure = go.Figure(go.Choropleth(
        geojson=state.geojson(date), featureidkey="properties.statcode",
        locations=frame["gm_code"], z=z, marker_line_width=0.3,
        customdata=frame[hover_columns].to_numpy(), hovertemplate=hover,
        colorbar_title=colorbar, **colours,
    ))
    figure.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    figure.update_layout(margin=dict(l=0, r=0, t=0, b=0), height=height, autosize=True, separators=lang.n.separators)
    st.markdown(f"**{title}**")  # above the map, where a long title wraps instead of being cut off
    st.plotly_chart(figure, key=key, config=MAP_CONFIG)


def bar(lang: Lang, frame: pd.DataFrame, x: str, y: str, *, key: str, title: str = "", x_label: str = "",
        y_label: str = "", height: int = 280, orientation: str = "v", colour: str | None = None) -> None:
    """A bar chart with the language's separators; negative values in red, positive in blue."""
    values = frame[x if orientation == "h" else y]
    colours = colour or ["#d7191c" if v < 0 else "#2c7bb6" for v in values]
    figure = go.Figure(go.Bar(x=frame[x], y=frame[y], orientation=orientation, marker_color=colours))
    figure.update_layout(height=height, margin=dict(l=0, r=0, t=30 if title else 10, b=0), title=title,
                         xaxis_title=x_label, yaxis_title=y_label, separators=lang.n.separators)
    if orientation == "h":
        figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
