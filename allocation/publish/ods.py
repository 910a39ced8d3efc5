"""Layer 4 (publishing): a workbook as an OpenDocument spreadsheet (ODS), the format in which
the Gemeentefonds has published its rekenbestanden since September 2017.

:func:`sheets_to_ods` writes :class:`~allocation.publish.sheets.Sheet` objects (built in
memory by :mod:`allocation.publish.meicirculaire`) as ODS: the same sheets, cells, number
formats, bold headers, wrapped text, column widths and row heights as the xlsx, and the
same print layout (landscape, one page wide, the header row repeated on every page, the
title and the generation date in the page header, "Pagina 1 van 3" in the footer).

The XML is streamed with lxml's incremental writer (``etree.xmlfile``), a row at a time:
no document tree of every cell is built. Text cells are ``office:value-type="string"``,
never formulas. The bytes are deterministic: styles named in the order they are first
used, fixed zip timestamps and no creation date.
"""

from __future__ import annotations

import contextlib
import io
import zipfile

from allocation.common.version import __version__
from allocation.publish.sheets import Cell, Formula, PrintLayout, Ref, Sheet, generated_words, page_words

__all__ = ["PrintLayout", "sheets_to_ods"]

#: number format -> (decimal places, thousands grouping)
NUMBER_FORMATS = {"#,##0": (0, True), "#,##0.00": (2, True), "0.0000000000": (10, False), "0.00": (2, False),
                  "0.0": (1, False), "0.000": (3, False), "0.0000": (4, False)}
#: one character of a column width, in centimetres (Calibri 11 in LibreOffice)
CHARACTER_CM = 0.2
#: one point, in centimetres
POINT_CM = 2.54 / 72

NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    "of": "urn:oasis:names:tc:opendocument:xmlns:of:1.2",  # the formulas' namespace (table:formula="of:=...")
}
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _q(name: str) -> str:
    """``"table:table-cell"`` as lxml's ``{namespace}name``."""
    prefix, _, local = name.partition(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _attributes(**items: str) -> dict[str, str]:
    """Keyword arguments as qualified attributes: ``table__name`` is ``table:name``."""
    return {_q(key.replace("__", ":").replace("_", "-")): value for key, value in items.items()}


class _Styles:
    """The automatic styles of content.xml, named in the order they are first used."""

    def __init__(self, sheets: list[Sheet]):
        self.numbers: dict[str, str] = {}
        self.cells: dict[tuple[str | None, bool, bool], str] = {}
        self.columns: dict[float, str] = {}
        self.rows: dict[float, str] = {}
        self.tables: dict[PrintLayout, int] = {}
        for sheet in sheets:
            if sheet.layout is not None and sheet.layout not in self.tables:
                self.tables[sheet.layout] = len(self.tables) + 1
            for column in range(1, sheet.max_column + 1):
                self.column(sheet.widths.get(column, 10))
            for height in sheet.heights.values():
                self.rows.setdefault(round(height * POINT_CM, 3), f"ro{len(self.rows) + 1}")
            for _, cell in sorted(sheet.cells.items()):
                self.cell(cell)

    def column(self, width: float) -> str:
        width_cm = round(width * CHARACTER_CM, 2)
        return self.columns.setdefault(width_cm, f"co{len(self.columns) + 1}")

    def row(self, height_points: float) -> str:
        return self.rows[round(height_points * POINT_CM, 3)]

    def cell(self, cell: Cell) -> str | None:
        number_format, bold, wrap = cell.style
        key = (number_format if number_format in NUMBER_FORMATS else None, bold, wrap)
        if key == (None, False, False):
            return None
        if key not in self.cells:
            if key[0] is not None and key[0] not in self.numbers:
                self.numbers[key[0]] = f"N{len(self.numbers) + 1}"
            self.cells[key] = f"ce{len(self.cells) + 1}"
        return self.cells[key]

    def write(self, xf) -> None:
        with xf.element(_q("office:automatic-styles")):
            for index in self.tables.values():
                _emit(xf, ("style:style", _attributes(style__name=f"ta{index}", style__family="table",
                                                      style__master_page_name=f"Liggend{index}")))
            for width_cm, name in self.columns.items():
                _emit(xf, ("style:style", _attributes(style__name=name, style__family="table-column"),
                           ("style:table-column-properties", _attributes(style__column_width=f"{width_cm}cm"))))
            for height_cm, name in self.rows.items():
                _emit(xf, ("style:style", _attributes(style__name=name, style__family="table-row"),
                           ("style:table-row-properties", _attributes(style__row_height=f"{height_cm}cm",
                                                                      style__use_optimal_row_height="false"))))
            for pattern, name in self.numbers.items():
                decimals, grouping = NUMBER_FORMATS[pattern]
                _emit(xf, ("number:number-style", _attributes(style__name=name),
                           ("number:number", _attributes(number__decimal_places=str(decimals),
                                                         number__min_integer_digits="1",
                                                         number__grouping="true" if grouping else "false"))))
            for (pattern, bold, wrap), name in self.cells.items():
                attributes = _attributes(style__name=name, style__family="table-cell")
                if pattern is not None:
                    attributes[_q("style:data-style-name")] = self.numbers[pattern]
                parts: list = ["style:style", attributes]
                if wrap:
                    parts.append(("style:table-cell-properties",
                                  _attributes(fo__wrap_option="wrap", style__vertical_align="top")))
                if bold:
                    parts.append(("style:text-properties", _attributes(fo__font_weight="bold")))
                _emit(xf, tuple(parts))


def _emit(xf, node) -> None:
    """Write ``(tag, attributes, child, ...)`` (a child is such a tuple or a text) through the
    incremental writer, so every prefix is the one the root declares."""
    tag, attributes, *children = node
    with xf.element(_q(tag), attributes):
        for child in children:
            if isinstance(child, str):
                xf.write(child)
            else:
                _emit(xf, child)


def _number_text(value: int | float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


_CELL, _PARAGRAPH, _FORMULA = _q("table:table-cell"), _q("text:p"), _q("table:formula")
_STYLE, _TYPE, _VALUE, _BOOLEAN = (_q("table:style-name"), _q("office:value-type"), _q("office:value"),
                                   _q("office:boolean-value"))


def _write_cell(xf, cell: Cell | None, style: str | None) -> None:
    attributes = {} if style is None else {_STYLE: style}
    if cell is None or cell.value is None:
        with xf.element(_CELL, attributes):
            return
    value = cell.value
    if isinstance(value, Formula):  # the product's own formula (never user text), its value cached
        attributes[_FORMULA] = value.ods()
        value = value.value
    if isinstance(value, bool):
        attributes[_TYPE] = "boolean"
        attributes[_BOOLEAN] = "true" if value else "false"
        lines = ["WAAR" if value else "ONWAAR"]
    elif isinstance(value, (int, float)):
        attributes[_TYPE] = "float"
        attributes[_VALUE] = _number_text(value)
        lines = [_number_text(value)]
    else:
        attributes[_TYPE] = "string"  # text is always text: never a formula
        lines = str(value).split("\n")
    with xf.element(_CELL, attributes):
        for line in lines:
            with xf.element(_PARAGRAPH):
                if line:
                    xf.write(line)


def _table(xf, sheet: Sheet, styles: _Styles) -> None:
    attributes = {_q("table:name"): sheet.title}
    if sheet.layout is not None:
        attributes[_q("table:style-name")] = f"ta{styles.tables[sheet.layout]}"
    row_tag = _q("table:table-row")
    with xf.element(_q("table:table"), attributes):
        for column in range(1, sheet.max_column + 1):
            _emit(xf, ("table:table-column", {_STYLE: styles.column(sheet.widths.get(column, 10))}))
        for number, row in enumerate(sheet.rows(), start=1):
            attributes = {}
            if number in sheet.heights:
                attributes[_STYLE] = styles.row(sheet.heights[number])
            with contextlib.ExitStack() as stack:
                if number == 1 and sheet.layout is not None:  # the header row, repeated on every printed page
                    stack.enter_context(xf.element(_q("table:table-header-rows")))
                with xf.element(row_tag, attributes):
                    for cell in row:
                        _write_cell(xf, cell, None if cell is None else styles.cell(cell))


def _document(root: str, write_body) -> bytes:
    """An XML document streamed through ``write_body(xf)`` inside ``root``, which declares the prefixes."""
    from lxml import etree

    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="UTF-8") as xf:
        xf.write_declaration()
        nsmap = {prefix: uri for prefix, uri in NAMESPACES.items() if prefix != "manifest"}
        with xf.element(_q(root), {_q("office:version"): "1.2"}, nsmap=nsmap):
            write_body(xf)
    return buffer.getvalue()


def _content(sheets: list[Sheet], styles: _Styles) -> bytes:
    def body(xf) -> None:
        styles.write(xf)
        with xf.element(_q("office:body")), xf.element(_q("office:spreadsheet")):
            for sheet in sheets:
                _table(xf, sheet, styles)
            named = sorted((name, sheet.title, at) for sheet in sheets for name, at in sheet.names.items())
            if named:
                with xf.element(_q("table:named-expressions")):
                    for name, title, (r, c) in named:
                        place = Ref(r, c, title, fixed=True).ods()[1:-1]
                        _emit(xf, ("table:named-range", _attributes(
                            table__name=name, table__base_cell_address=place, table__cell_range_address=place)))

    return _document("office:document-content", body)


def _page_styles(styles: _Styles) -> bytes:
    """styles.xml: per print layout a landscape A4 page one page wide, with the title in the middle, the
    generation date right in the header and "Pagina 1 van 3" in the footer."""
    def body(xf) -> None:
        _emit(xf, ("office:styles", {},
                   ("style:style", _attributes(style__name="Default", style__family="table-cell"),
                    ("style:paragraph-properties", {}))))
        with xf.element(_q("office:automatic-styles")):
            for index in styles.tables.values():
                # 1 cm left and right; the header and footer sit in 0.6 cm top and bottom margins, as in the xlsx
                properties = _attributes(style__print_orientation="landscape", fo__page_width="29.7cm",
                                         fo__page_height="21cm", fo__margin_left="1cm", fo__margin_right="1cm",
                                         fo__margin_top="0.6cm", fo__margin_bottom="0.6cm",
                                         style__first_page_number="continue")  # numbered on over the sheets
                properties[_q("style:scale-to-X")] = "1"  # one page wide ...
                properties[_q("style:scale-to-Y")] = "0"  # ... and as many pages long as needed
                bands = [(f"style:{part}-style", {}, ("style:header-footer-properties", _attributes(
                    fo__min_height="0.5cm", fo__margin_left="0cm", fo__margin_right="0cm",
                    **({"fo__margin_bottom": "0.2cm"} if part == "header" else {"fo__margin_top": "0.2cm"}))))
                         for part in ("header", "footer")]
                _emit(xf, ("style:page-layout", _attributes(style__name=f"pm{index}"),
                           ("style:page-layout-properties", properties), *bands))
        with xf.element(_q("office:master-styles")):
            page, of = page_words()
            for layout, index in styles.tables.items():
                header = ("style:header", {},
                          ("style:region-center", {}, ("text:p", {}, layout.title)),
                          ("style:region-right", {}, ("text:p", {}, generated_words(layout.date))))
                footer = ("style:footer", {}, ("text:p", {}, f"{page} ", ("text:page-number", {}, "1"),
                                               f" {of} ", ("text:page-count", {}, "1")))
                _emit(xf, ("style:master-page", _attributes(style__name=f"Liggend{index}",
                                                            style__page_layout_name=f"pm{index}"), header, footer))

    return _document("office:document-styles", body)


def _meta() -> bytes:
    def body(xf) -> None:
        _emit(xf, ("office:meta", {}, ("meta:generator", {}, f"inburgering-allocation/{__version__}")))

    return _document("office:document-meta", body)


def _manifest() -> bytes:
    from lxml import etree

    root = etree.Element(_q("manifest:manifest"), {_q("manifest:version"): "1.2"},
                         nsmap={"manifest": NAMESPACES["manifest"]})
    for path, media in (("/", MIMETYPE.decode()), ("content.xml", "text/xml"), ("styles.xml", "text/xml"),
                        ("meta.xml", "text/xml")):
        attributes = {_q("manifest:full-path"): path, _q("manifest:media-type"): media}
        if path == "/":
            attributes[_q("manifest:version")] = "1.2"
        etree.SubElement(root, _q("manifest:file-entry"), attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sheets_to_ods(sheets: list[Sheet]) -> bytes:
    """The sheets as ODS bytes: ``mimetype`` first and stored, as ODF requires, then the XML
    parts, each with a fixed timestamp."""
    styles = _Styles(sheets)
    parts = [("mimetype", MIMETYPE), ("content.xml", _content(sheets, styles)), ("styles.xml", _page_styles(styles)),
             ("meta.xml", _meta()), ("META-INF/manifest.xml", _manifest())]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return out.getvalue()
