"""How text goes into the spreadsheet files the product writes: never as a live formula.

The one home of the rule, used by every writer (docs/exports.md). A negotiator opens the
other side's files; a scenario name, pot label, assumption or file name that starts with
``=`` must not run in their spreadsheet (``=HYPERLINK(...)``, ``=WEBSERVICE(...)``).

* Workbooks (xlsx, ODS): every text is written as a text cell, intact: XlsxWriter with
  :data:`XLSXWRITER_OPTIONS` (no text turned into a formula, a link or a number), openpyxl
  cells forced to text by :func:`text_cell`, ODS cells as ``office:value-type="string"``.
  A text that starts with a formula character (:data:`FORMULA_STARTS`) also gets the
  quote-prefix style, so that a spreadsheet keeps it text even when the cell is edited.
* CSV: a file has no cell types, so a text cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe (:func:`neutralise`; every
  CSV is written through :func:`frame_csv` or :func:`neutralise`). Numbers are never
  touched: a negative amount stays the number ``-208620``. A carriage return inside a
  text is written as a line feed, the files' own line end: Python's CSV writer quotes a
  cell with a line feed but not one with a lone carriage return, which a spreadsheet
  would read as the end of the row.
"""

from __future__ import annotations

from typing import Any

#: The first characters that make a spreadsheet read a text as a formula (or a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: XlsxWriter's ``Workbook`` options for every workbook: texts stay texts.
XLSXWRITER_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def xlsx_workbook(target: Any) -> Any:
    """An XlsxWriter workbook writing to ``target`` with :data:`XLSXWRITER_OPTIONS`, whose shared
    strings keep every text a text: XlsxWriter writes a shared string that starts with ``<r>``
    and ends with ``</r>`` as rich-text XML, unescaped (a scenario description
    ``<r>Kosten & baten</r>`` broke the file); such a text is stored as one plain run holding
    the text, escaped, which every spreadsheet reads as the text itself."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, XLSXWRITER_OPTIONS)
    index = book.str_table._get_shared_string_index

    def literal_index(string: Any) -> int:
        if isinstance(string, str) and string.startswith("<r>") and string.endswith("</r>"):
            text = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            string = f'<r><t xml:space="preserve">{text}</t></r>'
        return index(string)

    book.str_table._get_shared_string_index = literal_index  # every worksheet shares this table
    return book


def is_risky(value: Any) -> bool:
    """A text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """A CSV cell: text a spreadsheet would read as a formula gets a leading apostrophe, and
    its carriage returns become line feeds (so the cell is quoted); anything that is not
    text (a number, a missing value) is returned as it is."""
    if not isinstance(value, str):
        return value
    text = "'" + value if is_risky(value) else value
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def frame_csv(frame: Any, **options: Any) -> bytes:
    """A pandas frame as CSV bytes (UTF-8, LF, no index), every text cell and header through
    :func:`neutralise`. Number, boolean and date columns are written as pandas writes them;
    in a text (object) column only the ``str`` values change, so a number stays a number."""
    safe = frame.copy(deep=False)
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if series.dtype.kind not in "biufcmM":
            safe.isetitem(position, series.map(neutralise))
    safe.columns = [neutralise(column) for column in frame.columns]
    return safe.to_csv(index=False, lineterminator="\n", **options).encode("utf-8")


def text_cell(cell: Any) -> Any:
    """An openpyxl cell holding a text made a text cell, never a formula (openpyxl reads a
    text that starts with ``=`` as one), with the quote prefix when it looks like a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_risky(cell.value):
            cell.quotePrefix = True
    return cell


def quoted_texts(book: Any, sheet: Any, row: int, column: int, values: list, properties: dict | None,
                 cache: dict) -> None:
    """After an XlsxWriter ``write_column`` of ``values`` from ``(row, column)``: every text
    that looks like a formula is written again, with the column's format ``properties`` plus
    the quote prefix (one format per set of properties, kept in ``cache``)."""
    for offset, value in enumerate(values):
        if is_risky(value):
            wanted = {**(properties or {}), "quote_prefix": True}
            key = tuple(sorted(wanted.items()))
            if key not in cache:
                cache[key] = book.add_format(wanted)
            sheet.write_string(row + offset, column, value, cache[key])
