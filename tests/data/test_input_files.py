"""Every table and key a user gives is read within the limits of allocation/data/input_files.py.

The bombs are made here: a stray value at XFD1048576, a deflate bomb of zeros, a part that
unpacks beyond its declared size, a million repeated ODS rows with content, too many zip
members, too many CSV rows or columns. Each is refused with one message naming the file,
the limit and the fix; ``compare TABLE ...`` exits 2 and writes nothing. Files written by
our own exports, by openpyxl and by LibreOffice (with the empty filler it declares) still
read. Amounts and counts in these files are FICTITIOUS.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from allocation import export_files
from allocation.common.errors import InputError
from allocation.data import input_files
from allocation.data.input_files import MAX_COLUMNS, MAX_ROWS, decode_text, open_workbook
from allocation.data.published_table import read_published_table
from allocation.data.registers import load_register
from tests.conftest import ROOT, SCENARIOS, shipped
from tests.faces.test_cli import cli

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages

CODES = list(load_register("2021-01-01")["gm_code"])
SCENARIO = str(SCENARIOS / "kamerbrief-2021.yaml")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="elip" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>gm_code</t></is></c><c r="B1" t="inlineStr"><is><t>2021'
              '</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>GM0363</t></is></c><c r="B2"><v>1000</v>'
              '</c></row>')


def xlsx(rows_xml: str = HEADER_ROW, dimension: str = "A1:B2", padding: bytes = b"", extra: int = 0) -> bytes:
    """A minimal xlsx with one sheet ``elip`` holding ``rows_xml``; ``padding`` goes after
    the sheet data (zeros make a deflate bomb), ``extra`` adds that many tiny parts."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData>'
             ).encode() + padding + b"</worksheet>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        for number in range(extra):
            book.writestr(f"customXml/item{number}.xml", "<a/>")
    return buffer.getvalue()


def stray_far_cell() -> bytes:
    return xlsx(HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def zeros_bomb() -> bytes:
    """A deflate bomb: a sheet padded with 15 MB of one repeated byte (a space, so the XML stays valid; within
    the per-part size, packed about 1000 times)."""
    return xlsx(padding=b" " * 15_000_000)


def lying_part() -> bytes:
    """A part that declares 2,000 bytes but unpacks to 5 MB (its sizes rewritten in both headers)."""
    data = bytearray(xlsx(padding=b" " * 5_000_000))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    true_size = info.file_size.to_bytes(4, "little")
    at = data.find(true_size, info.header_offset)  # the local header's size field
    data[at:at + 4] = (2000).to_bytes(4, "little")
    at = data.rfind(true_size)  # the central directory's
    data[at:at + 4] = (2000).to_bytes(4, "little")
    return bytes(data)


def many_parts() -> bytes:
    return xlsx(extra=input_files.MAX_ZIP_MEMBERS)


def ods(table_xml: str) -> bytes:
    """A minimal ODS whose one table holds ``table_xml``."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body>'
        f'<office:spreadsheet><table:table table:name="elip">{table_xml}</table:table></office:spreadsheet>'
        '</office:body></office:document-content>'
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("META-INF/manifest.xml", manifest)
        book.writestr("content.xml", content)
    return buffer.getvalue()


def ods_row(*cells: str | int, repeat: int = 1) -> str:
    def cell(value):
        if isinstance(value, int):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p>' \
                   '</table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(map(cell, cells))}</table:table-row>'


#: what LibreOffice writes after the data of a sheet whose rows or cells were formatted to the end
LIBREOFFICE_FILLER = ('<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
                      'table:number-columns-repeated="16384"/></table:table-row>')


def million_rows_with_content() -> bytes:
    return ods(ods_row("gm_code", "2021") + ods_row("GM0363", 1, repeat=1_000_000))


BOMBS = {
    "stray.xlsx": (stray_far_cell, "limit of 100,000 rows, 200 columns"),
    "zeros.xlsx": (zeros_bomb, "more than 100 times (a zip bomb?)"),
    "lying.xlsx": (lying_part, "cannot be read as a workbook"),
    "parts.xlsx": (many_parts, "more than the limit of 1,000"),
    "repeated.ods": (million_rows_with_content, "limit of 100,000 rows, 200 columns"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_workbook_bomb_is_refused_in_one_message_naming_the_file_and_the_fix(name):
    make, message = BOMBS[name]
    with pytest.raises(InputError) as info:
        read_published_table(make(), name, "elip")
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith(f"{name}: ") and message in info.value.problems[0]
    assert "save it again" in info.value.problems[0]


@pytest.mark.parametrize("name", ["stray.xlsx", "zeros.xlsx", "repeated.ods", "parts.xlsx"])
def test_compare_with_a_workbook_bomb_exits_2_with_one_message_and_writes_nothing(tmp_path, name):
    table = tmp_path / name
    table.write_bytes(BOMBS[name][0]())
    out = tmp_path / "out"
    result = cli("compare", str(table), SCENARIO, "--pot", "elip", "--out", str(out))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(table) in lines[0] and BOMBS[name][1] in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not list(out.iterdir())


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    table = tmp_path / "big.csv"
    table.write_bytes(b"pot,year,gm_code,amount_eur\n" + b" " * input_files.MAX_FILE_BYTES)
    result = cli("compare", str(table), SCENARIO, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "larger than the limit of 20 MB" in result.stderr
    assert not (tmp_path / "out").exists()


def test_all_parts_together_are_bounded(monkeypatch):
    monkeypatch.setattr(input_files, "MAX_UNZIPPED_BYTES", 2_000)
    with pytest.raises(InputError, match="unpacks to .* more than the limit of 0.002 MB"):
        open_workbook(xlsx(padding=b" " * 3_000), "t.xlsx")


def test_a_csv_beyond_the_row_or_column_limit_is_refused():
    rows = "gm_code,2021\n" + "GM0363,1\n" * (MAX_ROWS + 1)
    with pytest.raises(InputError, match="more than the limit of 100,000 rows"):
        read_published_table(rows.encode(), "long.csv", "elip")
    wide = "gm_code," + ",".join(["2021"] * (MAX_COLUMNS + 5)) + "\n"
    with pytest.raises(InputError, match="more than the limit of 200 columns"):
        read_published_table(wide.encode(), "wide.csv", "elip")


def test_empty_cells_beyond_the_data_are_filler_and_read():
    # Excel's used range and a styled empty cell far away, and LibreOffice's repeated empty rows
    far_style = HEADER_ROW + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    frame = read_published_table(xlsx(far_style, dimension="A1:XFD1048576"), "styled.xlsx", "elip")
    assert frame["amount_eur"].tolist() == [1000]
    book = ods(ods_row("gm_code", "2021") + ods_row("GM0363", 1000) + LIBREOFFICE_FILLER)
    frame = read_published_table(book, "filler.ods", "elip")
    assert frame[["gm_code", "amount_eur"]].values.tolist() == [["GM0363", 1000]]


def test_the_span_of_the_cells_with_a_value_is_bounded_as_the_reader_fills_it():
    corners = HEADER_ROW + '<row r="10001"><c r="GR10001"><v>1</v></c></row>'  # 10,001 x 200 cells
    with pytest.raises(InputError, match="2,000,000 cells"):
        open_workbook(xlsx(corners), "corners.xlsx")


def test_a_repeated_row_with_content_is_counted_as_the_rows_it_repeats():
    open_workbook(ods(ods_row("gm_code", "2021") + ods_row("GM0363", 1, repeat=MAX_ROWS - 1)), "ok.ods")
    with pytest.raises(InputError, match="limit of 100,000 rows"):
        open_workbook(ods(ods_row("gm_code", "2021") + ods_row("GM0363", 1, repeat=MAX_ROWS)), "over.ods")


def test_our_own_exports_read_within_the_limits():
    files = export_files(shipped("kamerbrief-2021"), workbook_format="both")
    workbooks = {name: content for name, content in files.items() if name.endswith((".xlsx", ".ods"))}
    assert any(n.endswith(".ods") for n in workbooks) and any(n.endswith(".xlsx") for n in workbooks)
    for name, content in workbooks.items():
        book = open_workbook(content, name)
        assert all(book.rows(sheet) is not None for sheet in book.sheet_names)
    table = next(name for name in workbooks if name.endswith("meicirculaire.xlsx"))
    assert len(read_published_table(workbooks[table], table)) > 1000


def test_a_workbook_written_by_openpyxl_reads():
    book = Workbook()
    sheet = book.active
    sheet.title = "elip"
    sheet.append(["Gemeentecode", "Gemeente", "2022", "2023"])
    for code in CODES[:20]:
        sheet.append([code, "x", 100, 200])  # FICTITIOUS amounts
    buffer = io.BytesIO()
    book.save(buffer)
    frame = read_published_table(buffer.getvalue(), "openpyxl.xlsx", "elip")
    assert len(frame) == 40 and frame["amount_eur"].sum() == 20 * 300


def soffice_convert(tmp_path: Path, source: Path, target: str) -> Path:
    """``soffice --headless --convert-to`` with its own profile folder (so it runs beside others)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    converted = tmp_path / f"{source.stem}.{target.split(':')[0]}"
    assert converted.is_file()
    return converted


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lo")
    source = folder / "tabel.csv"
    source.write_text("gm_code,2022,2023\n" + "".join(f"{code},100,200\n" for code in CODES), encoding="utf-8")
    return {suffix: soffice_convert(folder, source, suffix) for suffix in ("ods", "xlsx")}


@pytest.mark.parametrize("suffix", ["ods", "xlsx"])
def test_a_workbook_written_by_libreoffice_reads(libreoffice_files, suffix):
    path = libreoffice_files[suffix]
    frame = read_published_table(path.read_bytes(), path.name, "elip")
    assert len(frame) == 2 * len(CODES) and frame["amount_eur"].sum() == 300 * len(CODES)


def test_text_is_read_in_the_encodings_people_save_it_in_and_the_encoding_is_named():
    text = "gemeente;aantal\nSúdwest-Fryslân;1\n"
    assert decode_text(text.encode("utf-8"), "a.csv") == (text, "UTF-8 text")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8"), "a.csv") == (text, "UTF-8 text with BOM")
    assert decode_text(text.encode("utf-16"), "a.txt") == (text, "UTF-16 text (Excel's Unicode text)")
    assert decode_text(text.encode("cp1252"), "a.csv") == (text, "Windows-1252 text")
    with pytest.raises(InputError, match=r"a.csv: byte 16 \(0x81\) fits no supported encoding"):
        decode_text(b"gemeente;aantal\n\x81\n", "a.csv")
    with pytest.raises(InputError, match="NUL byte.*without its byte-order mark"):
        decode_text(text.encode("utf-16-le"), "a.txt")


def test_the_apps_upload_limit_is_the_librarys():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    line = next(line for line in config.splitlines() if line.startswith("maxUploadSize"))
    assert int(line.split("=")[1].split("#")[0]) * 1_000_000 == input_files.MAX_FILE_BYTES


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_damaged_workbook_is_read_or_refused_with_a_message_never_a_crash(data):
    base = data.draw(st.sampled_from([xlsx(), ods(ods_row("gm_code", "2021") + ods_row("GM0363", 1000))]))
    name = "t.xlsx" if base.startswith(b"PK") and b"xl/" in base else "t.ods"
    content = bytearray(base)
    archive = zipfile.ZipFile(io.BytesIO(base))
    part = data.draw(st.sampled_from([i.filename for i in archive.infolist()]))
    text = bytearray(archive.read(part))
    for _ in range(data.draw(st.integers(1, 4))):  # the part's XML damaged: bytes changed, cut or repeated
        at = data.draw(st.integers(0, max(len(text) - 1, 0)))
        kind = data.draw(st.sampled_from(["byte", "cut", "repeat"]))
        if kind == "byte":
            text[at:at + 1] = bytes([data.draw(st.integers(0, 255))])
        elif kind == "cut":
            del text[at:at + data.draw(st.integers(1, 40))]
        else:
            text[at:at] = text[at:at + data.draw(st.integers(1, 40))] * data.draw(st.integers(1, 50))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            out.writestr(info.filename, bytes(text) if info.filename == part else archive.read(info))
    content = bytearray(buffer.getvalue())
    if data.draw(st.booleans()):  # and sometimes the zip itself
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    try:
        read_published_table(bytes(content), name, "elip")
    except InputError as exc:
        assert exc.problems and all(p.startswith(f"{name}: ") for p in exc.problems)
