"""Layer 4 (publishing): a workbook as an OpenDocument spreadsheet (ODS), the format in which
the Gemeentefonds has published its rekenbestanden since September 2017.

:func:`sheets_to_ods` writes :class:`~allocation.publish.sheets.Sheet` objects (built in
memory by :mod:`allocation.publish.meicirculaire`) as ODS: the same sheets, cells, number
formats, bold headers, wrapped text, column widths and row heights as the xlsx, and the
same print layout (landscape, one page wide, the header row repeated on every page, the
title and the generation date in the page header, "Pagina 1 van 3" in the footer).

The XML is written as text a row at a time, every text and attribute escaped by
:func:`xml_text` and :func:`xml_attribute` (a character XML cannot hold becomes U+FFFD);
a column of cells (:class:`~allocation.publish.sheets.Run`) is rendered at once. Text cells
are ``office:value-type="string"``, never formulas. The bytes are deterministic: styles
named in the order they are first used, fixed zip timestamps and no creation date.
"""

from __future__ import annotations

import io
import re
import zipfile

from allocation.common.version import __version__
from allocation.publish.sheets import (
    Cell,
    Formula,
    PrintLayout,
    Ref,
    Run,
    Sheet,
    generated_words,
    page_words,
    plain_value,
)

__all__ = ["PrintLayout", "sheets_to_ods", "xml_attribute", "xml_text"]

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
#: zlib's level for the XML parts: 3 packs the 6 MB of a circular's content.xml to about 0.48 MB in
#: half the time of the default 6 (about 0.39 MB).
COMPRESS_LEVEL = 3

#: Characters XML 1.0 cannot hold (control characters but tab, line feed and carriage return;
#: lone surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;",
                                    "\n": "&#10;", "\r": "&#13;"})
_SPECIAL_TEXT = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL_ATTRIBUTE = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def xml_text(text: str) -> str:
    """``text`` as XML character data: ``&``, ``<``, ``>`` escaped, a carriage return kept as
    ``&#13;``, a character XML cannot hold replaced by U+FFFD."""
    if not _SPECIAL_TEXT.search(text):
        return text
    return _NOT_XML.sub("\ufffd", text).translate(_TEXT_ESCAPES)


def xml_attribute(text: str) -> str:
    """``text`` as an attribute value between double quotes (also ``"`` and white space escaped)."""
    if not _SPECIAL_ATTRIBUTE.search(text):
        return text
    return _NOT_XML.sub("\ufffd", text).translate(_ATTRIBUTE_ESCAPES)


def _element(tag: str, attributes: dict[str, str] | None = None, *children: str) -> str:
    """``<tag a="v">children</tag>`` (``<tag a="v"/>`` without children); the children are XML already."""
    attribute_text = "".join(f' {name}="{xml_attribute(value)}"' for name, value in (attributes or {}).items())
    if not children:
        return f"<{tag}{attribute_text}/>"
    return f"<{tag}{attribute_text}>{''.join(children)}</{tag}>"


def _paragraph(text: str) -> str:
    return f"<text:p>{xml_text(text)}</text:p>" if text else "<text:p/>"


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
            for style, _quoted in sheet.styles():
                self.style(style)

    def column(self, width: float) -> str:
        width_cm = round(width * CHARACTER_CM, 2)
        return self.columns.setdefault(width_cm, f"co{len(self.columns) + 1}")

    def row(self, height_points: float) -> str:
        return self.rows[round(height_points * POINT_CM, 3)]

    def cell(self, cell: Cell) -> str | None:
        return self.style(cell.style)

    def run(self, run: Run) -> str | None:
        return self.style(run.style)

    def style(self, style: tuple[str | None, bool, bool]) -> str | None:
        number_format, bold, wrap = style
        key = (number_format if number_format in NUMBER_FORMATS else None, bold, wrap)
        if key == (None, False, False):
            return None
        if key not in self.cells:
            if key[0] is not None and key[0] not in self.numbers:
                self.numbers[key[0]] = f"N{len(self.numbers) + 1}"
            self.cells[key] = f"ce{len(self.cells) + 1}"
        return self.cells[key]

    def xml(self) -> str:
        parts = []
        for index in self.tables.values():
            parts.append(_element("style:style", {"style:name": f"ta{index}", "style:family": "table",
                                                  "style:master-page-name": f"Liggend{index}"}))
        for width_cm, name in self.columns.items():
            parts.append(_element("style:style", {"style:name": name, "style:family": "table-column"},
                                  _element("style:table-column-properties", {"style:column-width": f"{width_cm}cm"})))
        for height_cm, name in self.rows.items():
            parts.append(_element("style:style", {"style:name": name, "style:family": "table-row"},
                                  _element("style:table-row-properties", {"style:row-height": f"{height_cm}cm",
                                                                          "style:use-optimal-row-height": "false"})))
        for pattern, name in self.numbers.items():
            decimals, grouping = NUMBER_FORMATS[pattern]
            parts.append(_element("number:number-style", {"style:name": name},
                                  _element("number:number", {"number:decimal-places": str(decimals),
                                                             "number:min-integer-digits": "1",
                                                             "number:grouping": "true" if grouping else "false"})))
        for (pattern, bold, wrap), name in self.cells.items():
            attributes = {"style:name": name, "style:family": "table-cell"}
            if pattern is not None:
                attributes["style:data-style-name"] = self.numbers[pattern]
            children = []
            if wrap:
                children.append(_element("style:table-cell-properties",
                                         {"fo:wrap-option": "wrap", "style:vertical-align": "top"}))
            if bold:
                children.append(_element("style:text-properties", {"fo:font-weight": "bold"}))
            parts.append(_element("style:style", attributes, *children))
        return _element("office:automatic-styles", {}, *parts)


def _number_text(value: int | float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _cell_xml(cell: Cell | None, style: str | None, row: int) -> str:
    style_attribute = "" if style is None else f' table:style-name="{style}"'
    if cell is None or cell.value is None:
        return f"<table:table-cell{style_attribute}/>"
    value, formula = plain_value(cell.value), ""
    if isinstance(value, Formula):  # the product's own formula (never user text), its value cached
        formula = f' table:formula="{xml_attribute(value.ods(row))}"'
        value = value.value
    if isinstance(value, bool):
        word = "true" if value else "false"
        return (f'<table:table-cell{style_attribute}{formula} office:value-type="boolean" '
                f'office:boolean-value="{word}">'
                f'<text:p>{"WAAR" if value else "ONWAAR"}</text:p></table:table-cell>')
    if isinstance(value, (int, float)):
        number = _number_text(value)
        return (f'<table:table-cell{style_attribute}{formula} office:value-type="float" office:value="{number}">'
                f"<text:p>{number}</text:p></table:table-cell>")
    lines = "".join(_paragraph(line) for line in str(value).split("\n"))  # text is always text: never a formula
    return f'<table:table-cell{style_attribute}{formula} office:value-type="string">{lines}</table:table-cell>'


def _run_xml(run: Run, styles: _Styles) -> list[str | None]:
    if run.last_used_row < run.first_row:  # only empty cells: nothing written, no style
        return [None] * len(run.values)
    rows, style = range(run.first_row, run.last_row + 1), styles.run(run)
    style_attribute = "" if style is None else f' table:style-name="{style}"'
    if run.formula is not None:
        parts: dict[int, list[str]] = {}  # each distinct formula escaped once
        for formula in run.formulas():
            if id(formula) not in parts:
                parts[id(formula)] = [xml_attribute(part) for part in formula.ods_parts()]
        return [f'<table:table-cell{style_attribute} table:formula="{str(r).join(parts[id(formula)])}" '
                f'office:value-type="float" office:value="{number}"><text:p>{number}</text:p></table:table-cell>'
                for r, number, formula in zip(rows, map(_number_text, run.values), run.formulas())]
    if run.numbers_only():
        return [None if value is None else
                f'<table:table-cell{style_attribute} office:value-type="float" office:value="{_number_text(value)}">'
                f"<text:p>{_number_text(value)}</text:p></table:table-cell>" for value in run.values]
    if all(value is None or (isinstance(value, str) and "\n" not in value) for value in run.values):
        return [None if value is None else
                f'<table:table-cell{style_attribute} office:value-type="string">{_paragraph(value)}</table:table-cell>'
                for value in run.values]
    return [None if value is None else _cell_xml(Cell(value, *run.style), style, r)
            for r, value in zip(rows, run.values)]


_EMPTY_CELL = "<table:table-cell/>"


def _table(sheet: Sheet, styles: _Styles) -> str:
    attributes = {"table:name": sheet.title}
    if sheet.layout is not None:
        attributes["table:style-name"] = f"ta{styles.tables[sheet.layout]}"
    parts = [_element("table:table-column", {"table:style-name": styles.column(sheet.widths.get(column, 10))})
             for column in range(1, sheet.max_column + 1)]
    grid = sheet.rendered(lambda r, c, cell: _cell_xml(cell, styles.cell(cell), r),
                          lambda run: _run_xml(run, styles))
    for number, row in enumerate(grid, start=1):
        height = f' table:style-name="{styles.row(sheet.heights[number])}"' if number in sheet.heights else ""
        cells = "".join(text or _EMPTY_CELL for text in row)
        row_xml = f"<table:table-row{height}>{cells}</table:table-row>"
        if number == 1 and sheet.layout is not None:  # the header row, repeated on every printed page
            row_xml = f"<table:table-header-rows>{row_xml}</table:table-header-rows>"
        parts.append(row_xml)
    return _element("table:table", attributes, *parts)


def _document(root: str, body: str) -> bytes:
    """An XML document: ``root`` declaring the prefixes, around ``body``."""
    declarations = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items() if prefix != "manifest")
    return (f"<?xml version='1.0' encoding='UTF-8'?>\n<{root}{declarations} office:version=\"1.2\">{body}</{root}>"
            ).encode()


def _content(sheets: list[Sheet], styles: _Styles) -> bytes:
    tables = [_table(sheet, styles) for sheet in sheets]
    named = sorted((name, sheet.title, at) for sheet in sheets for name, at in sheet.names.items())
    if named:
        ranges = []
        for name, title, (r, c) in named:
            place = Ref(r, c, title, fixed=True).ods()[1:-1]
            ranges.append(_element("table:named-range", {"table:name": name, "table:base-cell-address": place,
                                                         "table:cell-range-address": place}))
        tables.append(_element("table:named-expressions", {}, *ranges))
    body = _element("office:body", {}, _element("office:spreadsheet", {}, *tables))
    return _document("office:document-content", styles.xml() + body)


def _page_styles(styles: _Styles) -> bytes:
    """styles.xml: per print layout a landscape A4 page one page wide, with the title in the middle, the
    generation date right in the header and "Pagina 1 van 3" in the footer."""
    common = _element("office:styles", {}, _element("style:style", {"style:name": "Default",
                                                                    "style:family": "table-cell"},
                                                    _element("style:paragraph-properties")))
    layouts = []
    for index in styles.tables.values():
        # 1 cm left and right; the header and footer sit in 0.6 cm top and bottom margins, as in the xlsx
        properties = {"style:print-orientation": "landscape", "fo:page-width": "29.7cm", "fo:page-height": "21cm",
                      "fo:margin-left": "1cm", "fo:margin-right": "1cm", "fo:margin-top": "0.6cm",
                      "fo:margin-bottom": "0.6cm", "style:first-page-number": "continue",  # numbered over the sheets
                      "style:scale-to-X": "1",  # one page wide ...
                      "style:scale-to-Y": "0"}  # ... and as many pages long as needed
        bands = [_element(f"style:{part}-style", {}, _element("style:header-footer-properties", {
            "fo:min-height": "0.5cm", "fo:margin-left": "0cm", "fo:margin-right": "0cm",
            **({"fo:margin-bottom": "0.2cm"} if part == "header" else {"fo:margin-top": "0.2cm"})}))
                 for part in ("header", "footer")]
        layouts.append(_element("style:page-layout", {"style:name": f"pm{index}"},
                                _element("style:page-layout-properties", properties), *bands))
    masters = []
    page, of = page_words()
    for layout, index in styles.tables.items():
        header = _element("style:header", {},
                          _element("style:region-center", {}, _element("text:p", {}, xml_text(layout.title))),
                          _element("style:region-right", {}, _element("text:p", {},
                                                                     xml_text(generated_words(layout.date)))))
        footer = _element("style:footer", {}, _element("text:p", {}, xml_text(f"{page} "),
                                                       _element("text:page-number", {}, "1"), xml_text(f" {of} "),
                                                       _element("text:page-count", {}, "1")))
        masters.append(_element("style:master-page", {"style:name": f"Liggend{index}",
                                                      "style:page-layout-name": f"pm{index}"}, header, footer))
    return _document("office:document-styles", common + _element("office:automatic-styles", {}, *layouts)
                     + _element("office:master-styles", {}, *masters))


def _meta() -> bytes:
    return _document("office:document-meta", _element("office:meta", {}, _element(
        "meta:generator", {}, xml_text(f"inburgering-allocation/{__version__}"))))


def _manifest() -> bytes:
    entries = []
    for path, media in (("/", MIMETYPE.decode()), ("content.xml", "text/xml"), ("styles.xml", "text/xml"),
                        ("meta.xml", "text/xml")):
        attributes = {"manifest:full-path": path, "manifest:media-type": media}
        if path == "/":
            attributes["manifest:version"] = "1.2"
        entries.append(_element("manifest:file-entry", attributes))
    return (f"<?xml version='1.0' encoding='UTF-8'?>\n<manifest:manifest xmlns:manifest=\"{NAMESPACES['manifest']}\""
            f' manifest:version="1.2">{"".join(entries)}</manifest:manifest>').encode()


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
            archive.writestr(entry, data, compresslevel=COMPRESS_LEVEL)
    return out.getvalue()
