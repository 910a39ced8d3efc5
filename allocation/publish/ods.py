"""Layer 4 (publishing): a workbook as an OpenDocument spreadsheet (ODS), the format in which
the Gemeentefonds has published its rekenbestanden since September 2017.

:func:`workbook_to_ods` writes the sheets of an openpyxl workbook (built in memory by
:mod:`allocation.publish.meicirculaire`) as ODS with odfpy: the same sheets, cells, number
formats, bold headers and column widths, and the same print layout (landscape, one page
wide, the header row repeated on every page, a title and the generation date in the page
header). The bytes are deterministic: fixed zip timestamps and no creation date.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from odf.namespaces import STYLENS, nsdict
from odf.number import Number, NumberStyle
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import (
    Header,
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TextProperties,
)
from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import P

#: openpyxl number format -> (decimal places, thousands grouping)
NUMBER_FORMATS = {"#,##0": (0, True), "#,##0.00": (2, True), "0.0000000000": (10, False), "0.00": (2, False),
                  "0.000": (3, False), "0.0000": (4, False)}
#: one character of an openpyxl column width, in centimetres (Calibri 11 in LibreOffice)
CHARACTER_CM = 0.2


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints: landscape, one page wide, the first row on every page, a page header."""

    title: str
    date: str


class _Styles:
    """The automatic styles of the document, made once per combination that is used."""

    def __init__(self, doc: OpenDocumentSpreadsheet):
        self.doc = doc
        self.cells: dict[tuple[str | None, bool, bool], Style] = {}
        self.columns: dict[float, Style] = {}
        self.numbers: dict[str, NumberStyle] = {}
        self.tables: dict[str, Style] = {}

    def number(self, pattern: str) -> NumberStyle | None:
        if pattern not in NUMBER_FORMATS:
            return None
        if pattern not in self.numbers:
            decimals, grouping = NUMBER_FORMATS[pattern]
            style = NumberStyle(name=f"N{len(self.numbers) + 1}")
            style.addElement(Number(decimalplaces=decimals, minintegerdigits=1,
                                    grouping="true" if grouping else "false"))
            self.doc.automaticstyles.addElement(style)
            self.numbers[pattern] = style
        return self.numbers[pattern]

    def cell(self, pattern: str | None, bold: bool, wrap: bool) -> Style | None:
        key = (pattern if pattern in NUMBER_FORMATS else None, bold, wrap)
        if key == (None, False, False):
            return None
        if key not in self.cells:
            number = self.number(pattern) if key[0] else None
            options = {"name": f"ce{len(self.cells) + 1}", "family": "table-cell"}
            if number is not None:
                options["datastylename"] = number
            style = Style(**options)
            if bold:
                style.addElement(TextProperties(fontweight="bold"))
            if wrap:
                style.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
            self.doc.automaticstyles.addElement(style)
            self.cells[key] = style
        return self.cells[key]

    def column(self, width_cm: float) -> Style:
        width_cm = round(width_cm, 2)
        if width_cm not in self.columns:
            style = Style(name=f"co{len(self.columns) + 1}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=f"{width_cm}cm"))
            self.doc.automaticstyles.addElement(style)
            self.columns[width_cm] = style
        return self.columns[width_cm]

    def table(self, layout: PrintLayout | None) -> Style | None:
        if layout is None:
            return None
        key = f"{layout.title} {layout.date}"
        if key not in self.tables:
            index = len(self.tables) + 1
            page = PageLayout(name=f"pm{index}")
            properties = PageLayoutProperties(printorientation="landscape", pagewidth="29.7cm", pageheight="21cm",
                                              margin="1cm")
            properties.setAttrNS(STYLENS, "scale-to-X", "1")  # one page wide ...
            properties.setAttrNS(STYLENS, "scale-to-Y", "0")  # ... and as many pages long as needed
            page.addElement(properties)
            self.doc.automaticstyles.addElement(page)
            master = MasterPage(name=f"Liggend{index}", pagelayoutname=page)
            header = Header()
            header.addElement(P(text=f"{layout.title} (gegenereerd {layout.date})"))
            master.addElement(header)
            self.doc.masterstyles.addElement(master)
            style = Style(name=f"ta{index}", family="table", masterpagename=master)
            self.doc.automaticstyles.addElement(style)
            self.tables[key] = style
        return self.tables[key]


def _cell(value, style: Style | None) -> TableCell:
    options = {"stylename": style} if style is not None else {}
    if value is None:
        return TableCell(**options)
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false", **options)
        cell.addElement(P(text="WAAR" if value else "ONWAAR"))
        return cell
    if isinstance(value, (int, float)):
        cell = TableCell(valuetype="float", value=repr(value) if isinstance(value, float) else str(value), **options)
        cell.addElement(P(text=str(value)))
        return cell
    cell = TableCell(valuetype="string", **options)
    for line in str(value).split("\n"):
        cell.addElement(P(text=line))
    return cell


def _sheet(doc: OpenDocumentSpreadsheet, styles: _Styles, worksheet, layout: PrintLayout | None) -> Table:
    from openpyxl.utils import get_column_letter

    table_style = styles.table(layout)
    table = Table(name=worksheet.title, **({"stylename": table_style} if table_style is not None else {}))
    columns = worksheet.max_column
    for index in range(1, columns + 1):
        width = worksheet.column_dimensions[get_column_letter(index)].width or 10
        table.addElement(TableColumn(stylename=styles.column(width * CHARACTER_CM)))
    for number, row in enumerate(worksheet.iter_rows(min_row=1, max_row=worksheet.max_row), start=1):
        element = TableRow()
        for cell in row:
            wrap = bool(cell.alignment is not None and cell.alignment.wrap_text)
            style = styles.cell(cell.number_format, bool(cell.font is not None and cell.font.b), wrap)
            element.addElement(_cell(cell.value, style))
        if number == 1 and layout is not None:  # the header row, repeated on every printed page
            header = TableHeaderRows()
            header.addElement(element)
            table.addElement(header)
        else:
            table.addElement(element)
    return table


_ROOT_TAG = re.compile(rb"<office:document-[a-z]+ [^>]*>")
_NAMESPACE = re.compile(rb' xmlns:[a-z0-9]+="[^"]*"')


def _sorted_namespaces(xml: bytes) -> bytes:
    """odfpy declares on the root element the namespaces it happened to meet, in the order of a
    set, which changes between runs. Declare every ODF namespace odfpy knows instead, sorted:
    unused declarations are harmless and the bytes are the same in every run."""
    match = _ROOT_TAG.search(xml)
    if match is None:
        return xml
    tag = match.group(0)
    found = {d.split(b"=")[0].strip(): d for d in _NAMESPACE.findall(tag)}
    for uri, prefix in nsdict.items():
        key = b"xmlns:" + prefix.encode()
        found.setdefault(key, b" " + key + b'="' + uri.encode() + b'"')
    rest = _NAMESPACE.sub(b"", tag)
    name, _, attributes = rest[:-1].partition(b" ")
    rebuilt = name + b"".join(found[k] for k in sorted(found))
    rebuilt += (b" " + attributes if attributes.strip() else b"") + b">"
    return xml[:match.start()] + rebuilt + xml[match.end():]


def _deterministic(content: bytes) -> bytes:
    """The ODS zip with fixed timestamps and sorted namespace declarations; ``mimetype`` first
    and stored, as ODF requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        for name in ["mimetype"] + [n for n in names if n != "mimetype"]:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            data = source.read(name)
            target.writestr(entry, _sorted_namespaces(data) if name.endswith(".xml") else data)
    return out.getvalue()


def workbook_to_ods(workbook, layouts: dict[str, PrintLayout] | None = None) -> bytes:
    """The sheets of an openpyxl workbook as ODS bytes; ``layouts`` gives the print layout per sheet title."""
    layouts = layouts or {}
    doc = OpenDocumentSpreadsheet()
    styles = _Styles(doc)
    default = Style(name="Default", family="table-cell")
    default.addElement(ParagraphProperties())
    doc.styles.addElement(default)
    for worksheet in workbook.worksheets:
        doc.spreadsheet.addElement(_sheet(doc, styles, worksheet, layouts.get(worksheet.title)))
    buffer = io.BytesIO()
    doc.write(buffer)
    return _deterministic(buffer.getvalue())
