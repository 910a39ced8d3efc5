"""Layer 6 (faces): maps, bar charts and tables, with readable labels and Dutch numbers.

Tables are shown through a pandas Styler whose texts come from
:class:`allocation.faces.web.numbers.Numbers`, so the numbers read ``€ 3.500.000`` and
``0,107`` whatever the browser's locale, while the columns still sort by value.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import streamlit as st

from allocation.data.registers import load_geojson
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
        "pct2": lambda v: n.pct(v, 2),
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
    euros per inhabitant) every municipality gets one colour: the differences are rounding.

    Drawn on the server as an SVG (each municipality's figures in its tooltip), so the page
    needs no map code in the browser; the switch under it opens the same map in plotly (zoom,
    pan, hover), built only when asked for."""
    st.markdown(f"**{title}**")  # above the map, where a long title wraps instead of being cut off
    if st.toggle(lang("map_interactive"), key=f"{key}_interactive"):
        plotly_map(lang, date, frame, value, hover_columns, hover, key=key, height=height, colorbar=colorbar,
                   uniform=uniform, **colours)
        return
    # in a frame of its own: the browser draws it natively (as markdown, its parsing took longer
    # than plotly; st.html's sanitiser keeps HTML only and drops an SVG). Every text in it is escaped.
    document = svg_map(lang, date, frame, value, hover_columns, hover, height=height, colorbar=colorbar,
                       uniform=uniform, **colours)
    # the frame is a document of its own: its language and title for screen readers (WCAG 3.1.1, 2.4.2)
    language = "en" if lang.lang == "en" else "nl"
    st.iframe(f'<!doctype html><html lang="{language}"><head><title>{html.escape(lang("map_aria"))}</title></head>'
              f'<body style="margin:0;font-family:sans-serif">{document}</body></html>',
              height=height + (0 if uniform is not None else LEGEND_HEIGHT), alt=lang("map_aria"))


def plotly_map(lang: Lang, date: str, frame: pd.DataFrame, value: str, hover_columns: list[str], hover: str, *,
               key: str, height: int, colorbar: str, uniform: float | None = None, **colours) -> None:
    z = frame[value]
    if uniform is not None:
        colours = {"colorscale": [[0, UNIFORM_COLOUR], [1, UNIFORM_COLOUR]], "showscale": False}
    figure = go.Figure(go.Choropleth(
        geojson=state.geojson(date), featureidkey="properties.statcode",
        locations=frame["gm_code"], z=z, marker_line_width=0.3,
        customdata=frame[hover_columns].to_numpy(), hovertemplate=hover,
        colorbar_title=colorbar, **colours,
    ))
    figure.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    figure.update_layout(margin=dict(l=0, r=0, t=0, b=0), height=height, autosize=True, separators=lang.n.separators)
    st.plotly_chart(figure, key=key, config=MAP_CONFIG)


UNIFORM_COLOUR = "#3b7dd8"
MISSING_COLOUR = "#d9d9d9"
LEGEND_HEIGHT = 28  # pixels under the SVG map for its colour bar
SVG_WIDTH = 1000  # the map's own units (whole numbers); the browser scales it to the column
_HOVER_FIELD = re.compile(r"%\{(customdata\[(\d+)\]|location)\}")


@st.cache_resource(show_spinner=False, max_entries=8)
def map_shapes(date: str) -> tuple[int, int, dict[str, str]]:
    """(width, height, {gm code: SVG path}) of the boundaries in force on ``date``: Mercator,
    fitted to the country, on a grid of whole units (points that fall on the same unit
    dropped), drawn relative (short texts). Once per register: the boundaries never change."""
    features = load_geojson(date)["features"]

    def rings(geometry: dict) -> list:
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        return [np.asarray(ring, dtype=float)[:, :2] for polygon in polygons for ring in polygon]

    shapes = {feature["properties"]["statcode"]: rings(feature["geometry"]) for feature in features}
    points = np.concatenate([ring for found in shapes.values() for ring in found])

    def project(lonlat: np.ndarray) -> np.ndarray:
        x = np.radians(lonlat[:, 0])
        y = -np.log(np.tan(math.pi / 4 + np.radians(lonlat[:, 1]) / 2))
        return np.column_stack([x, y])

    projected = project(points)
    low, high = projected.min(axis=0), projected.max(axis=0)
    scale = (SVG_WIDTH - 2) / (high[0] - low[0])
    height = int(math.ceil((high[1] - low[1]) * scale)) + 2
    paths = {}
    for code, found in shapes.items():
        parts = []
        for ring in found:
            grid = np.rint((project(ring) - low) * scale).astype(np.int64) + 1
            keep = np.ones(len(grid), dtype=bool)
            keep[1:] = (np.diff(grid, axis=0) != 0).any(axis=1)
            grid = grid[keep]
            if len(grid) < 3:
                continue
            steps = np.diff(grid, axis=0)
            parts.append(f"M{grid[0, 0]} {grid[0, 1]}l" + " ".join(f"{dx} {dy}" for dx, dy in steps.tolist()) + "z")
        paths[code] = "".join(parts)
    return SVG_WIDTH, height, paths


def _colour_of(values: np.ndarray, colorscale, zmin: float, zmax: float) -> list[str]:
    scale = plotly.colors.get_colorscale(colorscale) if isinstance(colorscale, str) else colorscale
    span = zmax - zmin
    positions = np.clip((values - zmin) / span, 0, 1) if span > 0 else np.full(len(values), 0.5)
    finite = np.isfinite(values)
    sampled = plotly.colors.sample_colorscale(scale, np.where(finite, positions, 0.5).tolist())
    return [colour if ok else MISSING_COLOUR for colour, ok in zip(sampled, finite)]


def svg_map(lang: Lang, date: str, frame: pd.DataFrame, value: str, hover_columns: list[str], hover: str, *,
            height: int, colorbar: str, uniform: float | None = None, colorscale="Viridis", zmin=None, zmax=None,
            zmid=None, **_unused) -> str:
    """The map as one SVG (with a colour bar under it), shown in a frame: a path per
    municipality, coloured like the plotly map (``zmid``: the callers give limits around it),
    its tooltip the plotly map's hover text."""
    width, full_height, paths = map_shapes(date)
    values = frame[value].to_numpy(dtype=float)
    if uniform is not None:
        fills = [UNIFORM_COLOUR] * len(frame)
    else:
        finite = values[np.isfinite(values)]
        low = float(zmin) if zmin is not None else (float(finite.min()) if len(finite) else 0.0)
        high = float(zmax) if zmax is not None else (float(finite.max()) if len(finite) else 1.0)
        fills = _colour_of(values, colorscale, low, high)
    hover = hover.replace("<extra></extra>", "")
    columns = [frame[c].tolist() for c in hover_columns]
    body = []
    for row, (code, fill) in enumerate(zip(frame["gm_code"].tolist(), fills)):
        path = paths.get(code)
        if not path:
            continue
        fields = {"location": str(code)} | {f"customdata[{i}]": str(column[row]) for i, column in enumerate(columns)}
        text = _HOVER_FIELD.sub(lambda m: fields[m.group(1)], hover)  # noqa: B023 (used at once)
        title = "&#10;".join(html.escape(line) for line in text.split("<br>"))
        body.append(f'<path d="{path}" fill="{fill}" data-code="{html.escape(str(code))}">'
                    f"<title>{title}</title></path>")
    svg = (f'<svg class="gm-map" viewBox="0 0 {width} {full_height}" width="100%" height="{height}" '
           f'role="img" aria-label="{html.escape(lang("map_aria"))}" style="display:block">'
           f'<g stroke="#ffffff" stroke-width="1" stroke-linejoin="round">{"".join(body)}</g></svg>')
    if uniform is not None:
        return svg
    stops = plotly.colors.get_colorscale(colorscale) if isinstance(colorscale, str) else colorscale
    gradient = ", ".join(f"{colour} {float(at) * 100:.0f}%" for at, colour in stops)
    legend = (f'<div style="display:flex;align-items:center;gap:0.5em;font-size:0.8rem">'
              f"<span>{html.escape(colorbar.replace('<br>', ' '))}:</span>"
              f"<span>{html.escape(lang.n.number(low, 3))}</span>"
              f'<span style="flex:1;height:0.8em;background:linear-gradient(to right, {gradient})"></span>'
              f"<span>{html.escape(lang.n.number(high, 3))}</span></div>")
    return svg + legend


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


def euro_ticks(lang: Lang, low: float, high: float, count: int = 5) -> tuple[list[float], list[str]]:
    """Tick values and their Dutch (or English) texts for an axis of euros from ``low`` to
    ``high``: ``€ 0,2 mln`` from a million up, else ``€ 500.000``; never ``0.2M`` or ``500k``."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    span = high - low or max(abs(high), 1.0)
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    values = [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]
    largest = max(abs(v) for v in values)
    if largest >= 1_000_000:
        decimals = max(0, -math.floor(math.log10(step / 1_000_000))) if step < 1_000_000 else 0
        texts = [lang("axis_eur_mln", amount=lang.n.number(v / 1_000_000, decimals)) for v in values]
    else:
        texts = [lang.n.eur(v) for v in values]
    return values, texts


def euro_axis(lang: Lang, figure: go.Figure, axis: str = "y", extra: list[float] | None = None) -> None:
    """Euro ticks written the language's way on ``axis`` of ``figure`` (from its traces' values)."""
    values = list(extra or [])
    for trace in figure.data:
        found = getattr(trace, axis, None)
        if found is not None:
            values += [float(v) for v in found if v is not None and v == v]
    if not values:
        return
    ticks, texts = euro_ticks(lang, min(values), max(values))
    update = figure.update_yaxes if axis == "y" else figure.update_xaxes
    update(tickmode="array", tickvals=ticks, ticktext=texts)


def waterfall(lang: Lang, names: list[str], values: list[int], title: str, *, key: str, height: int = 260) -> None:
    """The parts of a difference and their total, each bar labelled with its amount; compact."""
    total = int(sum(values))
    figure = go.Figure(go.Waterfall(
        x=names + [lang("factor_total")], measure=["relative"] * len(values) + ["total"], y=values + [0],
        text=[lang.n.delta_eur(v) for v in values] + [lang.n.delta_eur(total)], textposition="outside",
        decreasing_marker_color="#d7191c", increasing_marker_color="#2c7bb6", totals_marker_color="#636363",
        cliponaxis=False))
    running = list(np.cumsum([0] + values))
    figure.update_layout(height=height, margin=dict(l=0, r=0, t=40, b=0), title=title, separators=lang.n.separators,
                         showlegend=False)
    ticks, texts = euro_ticks(lang, min(running) * 1.15, max(running) * 1.15)
    figure.update_yaxes(tickmode="array", tickvals=ticks, ticktext=texts, range=[min(ticks), max(ticks)])
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
    # the chart's text alternative (WCAG 1.1.1): its parts and total in words
    parts = "; ".join(f"{name} {lang.n.delta_eur(value)}" for name, value in zip(names, values))
    st.caption(lang("chart_parts_text", parts=parts, total=lang.n.delta_eur(total)))
