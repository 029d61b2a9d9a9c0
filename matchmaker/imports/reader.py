"""Read an uploaded .xlsx or .csv into a header and rows, with a Chinese message for every bad file."""

import csv
import html
import io
import itertools
import re
import zipfile
from dataclasses import dataclass

from ..utils.text import clean_text


class FileProblem(ValueError):
    """The file as a whole cannot be imported; the message says why."""


def file_format(filename):
    """'xlsx' or 'csv' from the file name, or a FileProblem."""
    name = (filename or "").lower().strip()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xls"):
        raise FileProblem("不支持旧版 Excel (.xls) 文件，请在 Excel 中另存为 .xlsx 后再上传")
    ext = name.rpartition(".")[2]
    if ext in OTHER_SHEETS:  # its user saved a spreadsheet: told only "只支持 .xlsx 或 .csv", not why nor how
        kind, program = OTHER_SHEETS[ext]
        raise FileProblem(
            f"这是{kind}（.{ext}），无法读取：请在 {program} 中“另存为”Excel 工作簿（.xlsx）后再上传"
            + ("（宏不会被导入）" if ext in ("xlsm", "xltm") else "")
        )
    raise FileProblem("只支持 Excel (.xlsx) 或 CSV (.csv) 文件，请下载模板填写后上传")


# Spreadsheets of other kinds, by extension: (what it is, the program to save it as .xlsx in).
OTHER_SHEETS = {
    "xlsm": ("启用宏的 Excel 工作簿", "Excel"),
    "xltm": ("启用宏的 Excel 模板", "Excel"),
    "xltx": ("Excel 模板", "Excel"),
    "xlsb": ("Excel 二进制工作簿", "Excel"),
    "et": ("WPS 表格文件", "WPS 表格"),
    "ett": ("WPS 表格模板", "WPS 表格"),
    "ods": ("OpenDocument 电子表格", "LibreOffice 或 WPS"),
    "numbers": ("Numbers 表格", "Numbers"),
}


class Cleaned(str):
    """A text cell as cleaned (as form text is) that cleaning changed, with ``typed``, the text as typed
    (full-width digits made ASCII: an amount column tells the user what it read, as the forms do)."""

    typed = ""


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        # As every form's text (utils/text.py): a NUL past the binary check below was a 500 on PostgreSQL
        # when the whole import was confirmed, and bidi overrides or zero-width spaces were stored as typed.
        cleaned = clean_text(value).strip()
        if cleaned == value.strip():
            return cleaned
        out = Cleaned(cleaned)
        out.typed = value.strip()
        return out
    if isinstance(value, float):
        # As Excel shows it, to 15 significant digits: a sum of amounts (=0.1+0.2, 12.1+3.2) is kept as
        # 0.30000000000000004 or 15.299999999999999, refused as "金额必须是数字" while the user sees 0.3 and 15.3.
        value = float(format(value, ".15g"))
        if value.is_integer():
            return (LongNumber if abs(value) >= 1e15 else str)(int(value))
    return value  # numbers, dates: cleaned by the column rules


class LongNumber(str):
    """A number cell of 16 digits or more, as text: Excel keeps a number's first 15 significant digits only (and
    openpyxl writes a Python int as a float), so a code typed so (123456789012345678) is kept as 123456789012345000;
    a column of codes refuses it (columns._as_text), the others read it as any number."""


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+\d{2}")  # as Excel shows a long number: 1.38E+10, 2E+11


def digits_lost(text):
    """Why a number or code written in scientific notation (1.38E+10, as Excel saves a long number shown so to a
    CSV, its last digits dropped) cannot be read, or None: a phone read so matched nobody, and codes collapsed into
    one (every 139… mobile was 1.39E+10)."""
    text = str(text).strip()
    if not _SCIENTIFIC.fullmatch(text):
        return None
    return (
        f"“{text[:30]}”是科学计数法，原来的后几位数字已丢失（Excel 把显示成这样的长数字另存为 CSV 时会这样）："
        "请在 Excel 中把该列设为文本格式、重新填写后再导出，或直接上传 .xlsx 文件"
    )


@dataclass(frozen=True)
class Limits:
    """What one upload may hold; checked before and while reading, never after (issue 13).

    Defaults fit a city's real files with room (the 50,000-row cap is the import's own limit)."""

    max_rows: int = 50_000  # data rows
    max_cols: int = 200
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_unpacked: int = 300 * 1024 * 1024  # all parts of an .xlsx, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, per part of an .xlsx (a zip bomb's is in the thousands)
    max_string_elements: int = 3_000_000  # XML elements of the shared strings: 1,000,000 texts or more
    max_style_elements: int = 200_000  # of styles.xml: Excel itself allows 64,000 cell formats
    max_merged: int = 50_000  # merged ranges of the sheet read: openpyxl reads them whole (1,000,000: 70 s, 0.7 GB)

    @property
    def string_elements(self):
        """The shared strings' bound for this row limit: every cell read a text of its own (about 3 elements,
        <si><r><t>), with room for the header and a few spare; never over max_string_elements, which at
        3,000,000 still takes 13-30 s and 170 MB to load (counting them, 0.15 s; both in the validation job,
        never in the upload request): a deployment importing 2,000 rows refuses a bomb at 1.2 million."""
        return min(self.max_string_elements, (self.max_rows + 1) * self.max_cols * 3 + 10_000)


def precheck(content, fmt, limits=None):
    """What the upload request itself checks, in milliseconds whatever the file: not empty, the right kind of
    file (an .xlsx a zip, not an encrypted or old Excel file; a CSV text in a known encoding) and an .xlsx's
    declared sizes (a zip bomb). Nothing is unpacked or parsed: that is read_rows's, in the background job."""
    limits = limits or Limits()
    if not content:
        raise FileProblem("上传的文件是空的")
    if fmt == "xlsx":
        _check_container(content)
        _check_archive(content, limits)
    else:
        _csv_text(content)


def read_rows(content, fmt, limits=None, problems=None, progress=None, unread=None, hidden=None):
    """Return (header, rows): header a list of names, rows a list of (row number, [cells]), a row's cells as far as
    the file gives them (to the header's width, further to a cell past it that holds something, never past max_cols).

    A row with a cell over the size limit is left out and reported in `problems` as
    (row number, column name, reason); the file as a whole fails only for what spoils all of it.
    `progress(rows read)` is called every 1,000 data rows. An .xlsx's cells that read as empty but are not (see
    _unread_cells) are put in `unread`, {row number: {column index: reason}}, once all rows are read.
    With a list as `hidden`, the data rows an .xlsx hides (hidden by hand, by a filter, in a collapsed group) are left
    out and their numbers put in it; without one they are read as any row."""
    limits = limits or Limits()
    if not content:
        raise FileProblem("上传的文件是空的")
    hidden_rows = set() if hidden is not None else None  # filled by _read_xlsx before its first row
    rows = _read_xlsx(content, limits, unread, hidden_rows) if fmt == "xlsx" else _read_csv(content, limits)
    header = width = None  # width: the header row's cells as read, to its last one holding something
    out, past = [], {}  # past: {column index: the shared reason of the rows with a value there, past max_cols}
    for number, cells in rows:
        far = _past_columns(cells, limits.max_cols)
        cells = [_cell(c) for c in _used(cells[: limits.max_cols], width)]
        if header is None and far is not None:
            raise FileProblem(
                f"第 {number} 行的单元格 {column_letter(far)}{number} 有内容，超出了可读取的前 {limits.max_cols} 列"
                f"（表头最多 {limits.max_cols} 列）：请删除多余的列后重新上传"
            )
        if header is None:
            if any(c != "" for c in cells):
                header = [str(c)[:100] for c in cells]
                width, header_row = len(cells), number
            continue
        if far is None and not any(c != "" for c in cells):
            continue
        if cells and cells[0] == header[0] and _same_as_header(cells, header):  # files pasted one after another
            if problems is not None:
                problems.append((number, header[0] or "第 1 列", HeaderAgain(HEADER_AGAIN)))
            continue
        if hidden is not None and number in hidden_rows:
            hidden.append(number)
            continue
        if len(out) >= limits.max_rows:  # checked while reading: the rest is never read
            raise FileProblem(f"文件数据行数超过单次导入上限 {limits.max_rows} 行，请拆分成多个文件分批导入")
        if far is not None:  # the value would be left out without a word: the row is, and told why
            if problems is not None:
                if far not in past:
                    past[far] = Again(
                        f"{column_letter(far)} 列（第 {far + 1} 列）有内容，超出了可读取的前 {limits.max_cols} 列，"
                        "不会被读取，该行未导入：请删除表头以外多余的列（或把内容移到模板的列中）后重新上传"
                    )
                problems.append((number, f"第 {far + 1} 列", past[far]))
            continue
        long = [i for i, c in enumerate(cells) if isinstance(c, str) and len(c) > limits.max_cell_chars]
        if long:
            if problems is not None:
                for i in long:
                    name = header[i] if i < len(header) and header[i] else f"第 {i + 1} 列"
                    problems.append((number, name, f"内容超过 {limits.max_cell_chars} 个字符"))
            continue
        out.append((number, cells))
        if progress is not None and len(out) % 1000 == 0:
            progress(len(out))
    if header is None:
        raise FileProblem("文件中没有内容（第一行应为表头），请下载模板填写")
    while header and header[-1] == "":
        header.pop()
    header = Header(header)
    header.row = header_row
    header.hidden = hidden_rows is not None and header_row in hidden_rows
    if unread:
        header.unread = sorted(
            (n, i, why) for n, cells in unread.items() if n <= header_row for i, why in cells.items()
        )
        if problems is not None:
            _tell_rows_not_read(header, out, problems, unread)
    return header, out


def rows_text(numbers, shown=10):
    """ "第 5、8–12 行" for the row numbers given (runs of consecutive rows as a range), the first `shown` runs named."""
    runs = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    named = "、".join(str(a) if a == b else f"{a}–{b}" for a, b in runs[:shown])
    more = f" 等 {len(set(numbers))} " if len(runs) > shown else " "
    return f"第 {named}{more}行"


class HeaderAgain(str):
    """read_rows's reason for a row left out because it repeats the header."""


HEADER_AGAIN = "该行与表头相同（文件可能由几个文件拼接而成），不是数据行，未读取"


def _same_as_header(cells, header):
    """Whether a row repeats the header (as read: text cleaned, cut to 100 characters), blank cells at its end aside."""
    row = [str(c)[:100] for c in cells]
    while row and row[-1] == "":
        row.pop()
    names = list(header)
    while names and names[-1] == "":
        names.pop()
    return row == names


class Header(list):
    """The header's names, with ``row``, its row number, ``unread``: [(row, column index, reason)] of the cells
    of that row and the rows above it that read as empty or as an error's text but are not (see _unread_cells), and
    ``hidden``: whether an .xlsx hides that row (known when read_rows is given `hidden`)."""

    row = 1
    unread = ()
    hidden = False


HEADER_CELLS_SHOWN = 2  # header cells not read named in a message (kept on a batch in 500 characters); all counted


def header_not_read(header, rows=None):
    """A Chinese sentence (ending in "。") naming the cells of the header that could not be read (a formula without
    its kept result or with an error, a cell under a merged cell) and of the rows above it, or "" when none: a header
    refused for a column read as empty or as "#REF!" was told only as missing the column or not knowing "#REF!".
    With `rows`, only the header's cells over a column that holds something in a row below: a column whose header
    reads as empty was left out without a word, its data with it."""
    cells = header.unread
    if cells and rows is not None:
        cells = [
            (n, i, why) for n, i, why in cells if n == header.row and any(i < len(r) and r[i] != "" for _, r in rows)
        ]
    if not cells:
        return ""
    told = [
        f"表头第 {i + 1} 列无法读取：{why}" if n == header.row else f"表头上方第 {n} 行无法读取：{why}"
        for n, i, why in cells[:HEADER_CELLS_SHOWN]
    ]
    more = f"；另有 {len(cells) - HEADER_CELLS_SHOWN} 个单元格同样无法读取" if len(cells) > HEADER_CELLS_SHOWN else ""
    if rows is not None:
        more += "。该列下面填有数据，无法确定它是哪一列：请在表头中直接填写列名后重新上传"
    return "；".join(told) + more + "。"


def _tell_rows_not_read(header, out, problems, unread):
    """Put in `problems` the rows below the header skipped as blank whose cells are formulas without their kept
    result: read as empty, such a row was left out without a word. Each row by its first such cell."""
    told = {number for number, _ in out} | {p[0] for p in problems}
    added, shared = False, {}  # shared: the one reason of the rows whose first such cell's reason is an Again
    for number in sorted(unread):
        if number <= header.row or number in told:
            continue
        cells = [(i, why) for i, why in sorted(unread[number].items()) if isinstance(why, NoResult)]
        if cells:
            i, why = cells[0]
            name = header[i] if i < len(header) and header[i] else f"第 {i + 1} 列"
            if isinstance(why, Again):  # told once for them all (collapse_again), not a sentence a row
                if id(why) not in shared:
                    shared[id(why)] = NoResultAgain(f"整行读取为空，未能导入：{why}")
                problems.append((number, name, shared[id(why)]))
                added = True
                continue
            more = f"（该行另有 {len(cells) - 1} 个这样的单元格）" if len(cells) > 1 else ""
            problems.append((number, name, NoResult(f"整行读取为空，未能导入：{why}{more}")))
            added = True
    if added:
        problems.sort(key=lambda p: p[0])


def _used(cells, width):
    """A row's cells to the last one holding something, or to the header's `width` when none past it does: a row
    costs the columns the file has, not the 200 openpyxl pads every row of an .xlsx to (20,000 rows of 12 columns
    took 8 s, 7 of them cleaning and checking empty cells). Whether a cell past the header holds anything is one
    count (C speed); a row with one is kept to it, so it is read and told about as before (a value past the header
    makes a row; a long one names its column)."""
    if width is not None:
        if len(cells) <= width:
            return cells
        rest = cells[width:]
        if rest.count(None) + rest.count("") == len(rest):
            return cells[:width]
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return cells[:end]


class _Far:
    """A value of an .xlsx row past the columns read (see _rows): its 0-based column and the value."""

    def __init__(self, column, value=None):
        self.column, self.value = column, value


def _past_columns(cells, most):
    """The 0-based column of a row's first value past the `most` columns read, or None: such a value (a CSV's
    column 201, an .xlsx's cell in column GS or further) was left out without a word."""
    if len(cells) <= most:
        return None
    if isinstance(cells[-1], _Far):
        return cells[-1].column
    return next((i for i in range(most, len(cells)) if _cell(cells[i]) != ""), None)


def _check_zip(content, limits):
    """Refuse, before reading a row, an .xlsx whose parts unpack too large or too well (a zip bomb), or whose
    parts openpyxl reads whole hold too many XML elements."""
    _check_archive(content, limits)
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for name, most in _whole_parts(zf, limits).items():
            if _elements(zf, name, most) > most:
                raise FileProblem(
                    "该 Excel 文件的格式或文字表异常庞大，已拒绝；请把数据复制到新建的工作簿，另存后再上传"
                )


def _check_archive(content, limits):
    """The zip's central directory only: parts that would unpack too large or too well (a zip bomb).
    zipfile never unpacks more than a part's declared size, so the declared sizes bound the work."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试") from exc
    total = sum(p.file_size for p in parts)
    if total > limits.max_unpacked or len(parts) > 10_000:
        raise FileProblem(f"该 Excel 文件解压后超过 {limits.max_unpacked // 1024 // 1024} MB，请拆分后再上传")
    for p in parts:
        if p.file_size > 1024 * 1024 and p.file_size > limits.max_ratio * max(p.compress_size, 1):
            raise FileProblem("该 Excel 文件的压缩比异常（疑似压缩炸弹），已拒绝；请用 Excel 另存后再上传")


# openpyxl streams the sheet's rows but reads these parts whole before the first row, each element costing
# microseconds and up to a kilobyte: a 0.3 MB styles.xml of a million <xf/> took 17 s and 1 GB, a 0.7 MB
# shared-strings part of 3 million one-letter texts 24 s and 0.5 GB. So they are bounded by their elements.
def _whole_parts(zf, limits):
    """{part: most elements} for the styles (a fixed name) and the shared strings (named by the manifest,
    where openpyxl looks them up)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    parts = {ARC_STYLE: limits.max_style_elements}
    if ARC_CONTENT_TYPES in zf.namelist() and zf.getinfo(ARC_CONTENT_TYPES).file_size > 1024 * 1024:
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试")  # a real one is a few KB
    try:
        manifest = Manifest.from_tree(fromstring(zf.read(ARC_CONTENT_TYPES)))
    except _BROKEN:
        return parts  # openpyxl fails on it as well: a FileProblem when the workbook is loaded
    for part in manifest.Override:
        if part.ContentType == SHARED_STRINGS:
            parts[part.PartName.lstrip("/")] = limits.string_elements
    return parts


def _elements(zf, name, most):
    """About how many XML elements a part holds (start tags), unpacked a megabyte at a time; stops past `most`."""
    count = 0
    try:
        with zf.open(name) as f:
            while count <= most and (chunk := f.read(1024 * 1024)):
                count += chunk.count(b"<") - chunk.count(b"</")
    except KeyError:
        return 0  # no such part
    except _BROKEN as exc:
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试") from exc
    return count


# What openpyxl raises for a damaged workbook: a bad zip, a missing part, malformed or truncated XML
# (ElementTree's and lxml's parse errors are SyntaxErrors), values of the wrong kind.
_BROKEN = (
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    AttributeError,
    OSError,
    ValueError,
    TypeError,
    EOFError,
    SyntaxError,
)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of an encrypted .xlsx and of an old .xls


def _check_container(content):
    if content.startswith(OLE2):  # an .xlsx saved with a password is not a zip but this, its parts encrypted
        if "EncryptionInfo".encode("utf-16-le") in content:
            raise FileProblem("该 Excel 文件设置了打开密码，无法读取；请在 Excel 中取消密码后另存，再上传")
        raise FileProblem("这是旧版 Excel (.xls) 文件（只是改了扩展名），请在 Excel 中另存为 .xlsx 后再上传")
    if not content.startswith(b"PK"):
        if kind := binary_kind(content):
            raise FileProblem(
                f"{kind}，不是 Excel (.xlsx) 文件（可能只是改了扩展名）：请下载 Excel 或 CSV 模板，填写后上传"
            )
        raise FileProblem("文件不是有效的 Excel (.xlsx) 文件，可能已损坏或只是改了扩展名")


def _read_xlsx(content, limits, unread=None, hidden_rows=None):
    _check_container(content)
    _check_zip(content, limits)
    from openpyxl import load_workbook  # parses with defusedxml when installed (it is: pyproject)

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _BROKEN as exc:
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试") from exc
    # A generator: rows are read one at a time as read_rows asks, so its limits stop the reading.
    try:
        _refuse_hidden_first(wb)
        _check_merges(wb._archive, wb.worksheets[0]._worksheet_path, limits)
        if hidden_rows is not None:
            hidden_rows.update(_hidden_rows(wb._archive, wb.worksheets[0]._worksheet_path))
        lines = enumerate(_rows(wb.worksheets[0], limits), start=1)
        kept = []  # the first two rows read_rows keeps: the header and a data row, looked for until found
        for number, row in _with_values(lines, limits, _no_value):
            if len(kept) < 2 and _filled(row):
                kept.append(row)
            yield number, list(row)
        if len(kept) < 2:
            _refuse_if_data_elsewhere(wb, limits, kept[0] if kept else None)
        if unread is not None:
            ws = wb.worksheets[0]
            unread.update(_unread_cells(wb._archive, ws._worksheet_path, limits))
    except _BROKEN as exc:
        if isinstance(exc, FileProblem):
            raise
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试") from exc
    finally:
        wb.close()


def _rows(ws, limits):
    """A worksheet's rows as values, to its last row in the file: openpyxl stops at the last row of the sheet's
    <dimension>, which some programs write wrong (ref="A1", or the size of the sheet they started from): a file
    of 100 rows whose dimension said A1:S3 was read as its first 2, the rest left out without a word."""
    ws.reset_dimensions()
    get_row, most = ws._get_row, limits.max_cols

    def get_row_telling_far(row, min_col=1, max_col=None, values_only=False):
        # openpyxl parses every cell of a row and keeps those up to max_col: the first past it holding a value is
        # added as a _Far (read_rows tells its row), so the row is never built wider than the columns read.
        out = get_row(row, min_col, max_col, values_only)
        if row and (row[-1]["column"] > most or row[0]["column"] > most):
            far = next((c for c in row if c["column"] > most and _cell(c["value"]) != ""), None)
            if far is not None:
                out += (_Far(far["column"] - 1, far["value"]),)
        return out

    ws._get_row = get_row_telling_far
    return ws.iter_rows(values_only=True, max_col=limits.max_cols)


def _no_value(row):
    """Whether a row of an .xlsx holds no value at all: openpyxl fills the rows missing between two in the file
    with one tuple of Nones, and this tells one in a fraction of a microsecond (read_rows's look costs 100 times
    more: its 200 cells each cleaned)."""
    return row.count(None) == len(row)


def _blank_line(row):
    """Whether a CSV line holds no text (its cells are all strings)."""
    return not any(row)


EXCEL_ROWS = 1_048_576  # the last row of an Excel sheet: what is read past the bound to name a stray cell


def _with_values(lines, limits, blank):
    """The (number, cells) of `lines` that hold a value, those that hold none skipped at once (read_rows would
    skip them too, at a cost). Past the bound on lines read, blank ones too, the file is refused, naming the
    first cell below the bound: a stray cell at row 900,000 under a few rows was refused after 7 s or more of
    reading 201,000 empty rows cell by cell, as holding too many lines, without saying where."""
    bound = _line_bound(limits)
    for number, cells in lines:
        if number > bound:
            raise _too_many_lines(limits, *_first_value(itertools.chain([(number, cells)], lines), blank))
        if not blank(cells):
            yield number, cells


def _first_value(lines, blank):
    """(row number, column index, value) of the first line holding a value, read up to Excel's last row;
    (None, None, None) when there is none there (blank rows kept in the file, formatted ones)."""
    for number, cells in lines:
        if number > EXCEL_ROWS:
            break
        if not blank(cells):
            column = next(i for i, c in enumerate(cells) if c is not None and c != "")
            if isinstance(cells[column], _Far):  # an .xlsx's cell past the columns read: its own column, not GS
                return number, cells[column].column, cells[column].value
            return number, column, cells[column]
    return None, None, None


def _filled(row):
    """Whether a row has a cell read_rows keeps (it skips a row of blanks and spaces)."""
    return not _no_value(row) and any(_cell(c) != "" for c in row)


def _refuse_if_data_elsewhere(wb, limits, header=None):
    """Only the first worksheet is read: when it is empty, or holds only a header, and another sheet holds data,
    say which, not that the file has no content or no data rows (its user, who sees the data, was told
    文件中没有内容 or 只有表头). Never reads the other sheet instead: a workbook's later sheets are as often
    notes or a list of choices as the data itself. After a header, the other sheet counts only when its own
    first row shares a column name with that header and a row follows it (the template's 填写说明 does not)."""
    first = wb.worksheets[0]
    names = _header_names(header) if header is not None else None
    budget = _line_bound(limits)  # lines looked at over all the other sheets, blank ones too
    for ws in wb.worksheets[1:]:
        its_header = False
        for r in _rows(ws, limits):
            budget -= 1
            if budget < 0:
                return
            if not _filled(r):
                continue
            if names is None:
                raise FileProblem(
                    f"第一个工作表「{_sheet_name(first)}」是空的，数据在工作表「{_sheet_name(ws)}」："
                    "请把数据放到第一个工作表后重新上传（只读取第一个工作表）"
                )
            if its_header:
                raise FileProblem(
                    f"第一个工作表「{_sheet_name(first)}」只有表头，没有数据行，数据在工作表「{_sheet_name(ws)}」："
                    "请把数据行放到第一个工作表的表头下方后重新上传（只读取第一个工作表）"
                )
            if not names & _header_names(r):
                break  # another table: not this sheet
            its_header = True


def _refuse_hidden_first(wb):
    """Refuse a workbook whose first worksheet is hidden: only the first is read, and Excel shows its user another
    one first. Old rows kept on a hidden first sheet were imported, the rows the user saw left out without a word;
    a hidden list of choices first was told as a wrong header the user could not find."""
    first = wb.worksheets[0]
    if first.sheet_state == "visible":
        return
    shown = next((ws for ws in wb.worksheets if ws.sheet_state == "visible"), None)
    seen = f"，在 Excel 中看到的第一个工作表「{_sheet_name(shown)}」不会被读取" if shown is not None else ""
    raise FileProblem(
        f"第一个工作表「{_sheet_name(first)}」是隐藏的工作表：只读取第一个工作表{seen}。"
        "请取消隐藏并核对，把要导入的数据放到第一个工作表（或删除隐藏的工作表）后重新上传"
    )


def _header_names(row):
    """A header row's column names as compared across sheets: without spaces, case, a required-column asterisk."""
    return {re.sub(r"\s+", "", str(_cell(c))).rstrip("*＊").lower() for c in row} - {""}


def _sheet_name(ws):
    name = clean_text(ws.title or "", multiline=False).strip()[:31]
    return f"{name}（已隐藏）" if ws.sheet_state != "visible" else name


def _line_bound(limits):
    return 4 * limits.max_rows + 1000  # data rows and blank ones: time stays bounded


def _too_many_lines(limits, number=None, column=None, value=None):
    """Past the lines read counting blank ones: a file of a few rows and one stray cell far below them (row
    300000) was told it held more than the 50,000 rows it may, and its user looked for rows that are not there.
    Names the first cell holding a value below the bound, when there is one (the stray cell, as a rule)."""
    if number is None:
        cause = "若数据并没有这么多，可能是数据下方很远处有误填的单元格，请删除数据下方的多余行后重新上传"
    else:
        spaces = "（只是空格，看上去是空的）" if isinstance(value, str) and not value.strip() else ""
        cause = (
            f"第 {number} 行的单元格 {column_letter(column)}{number} 还有内容{spaces}，若数据并没有这么多，"
            "多半是数据下方很远处有误填的单元格，请删除它或数据下方的多余行后重新上传"
        )
    return FileProblem(
        f"文件连同空行超过 {_line_bound(limits)} 行：{cause}；数据超过 {limits.max_rows} 行的请拆分成多个文件分批导入"
    )


# A formula or a merged cell in a sheet part: looked for in the raw bytes first (C speed), parsed only when there.
_FORMULA_OR_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:f|mergeCell)[\s/>]")
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
MOST_MERGED_CELLS = 200_000  # cells under merges told about; past it, the usual message of an empty cell


def _ref(ref):
    """(row, 0-based column) of an A1 reference, or None."""
    m = _CELL_REF.match((ref or "").strip().upper())
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - ord("A") + 1
    return int(m.group(2)), col - 1


_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell[\s/>]")


def _check_merges(archive, path, limits):
    """Refuse a sheet of more merged ranges than limits.max_merged, counted in the raw bytes (C speed) before a row
    is read: openpyxl reads them all after the last row, each an object, and _unread_cells each again; an 8 MB file of
    a million took 70 s and 1 GB of a worker, and would have been run again by each worker it killed."""
    count, tail = 0, b""
    with archive.open(path) as f:
        while chunk := f.read(1024 * 1024):
            # with the end of the chunk before: a tag cut between the two is counted, one in that end only once
            count += len(_MERGE.findall(tail + chunk)) - len(_MERGE.findall(tail))
            if count > limits.max_merged:
                raise FileProblem(
                    f"该 Excel 文件的第一个工作表中合并单元格异常多（超过 {limits.max_merged} 处），已拒绝："
                    "请全选后取消合并单元格，另存后再上传"
                )
            tail = chunk[-40:]


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_HIDDEN_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*\bhidden=[\"'](?:1|true)[\"'][^>]*)>")
_ROW_NUMBER = re.compile(rb"\br=[\"'](\d{1,7})[\"']")


def _hidden_rows(archive, path):
    """The numbers of a sheet's rows marked hidden (<row r="5" hidden="1">: hidden by hand, by an AutoFilter, in a
    collapsed group), from the raw bytes (C speed): openpyxl's read-only sheet, the one read here, has no
    row_dimensions, and its parser keeps them to itself. Only the hidden rows' tags are looked at, unless one lacks
    its number (r is optional): then every row is counted, a row without its number the one after the last. 12 MB of
    50,000 rows: 0.07 s hiding none, 0.25 s hiding 5,000."""
    out = set()
    for attrs in _row_tags(archive, path, _HIDDEN_ROW_TAG):
        r = _ROW_NUMBER.search(attrs)
        if r is None:
            break
        out.add(int(r.group(1)))
    else:
        return out
    out, number = set(), 0  # 12 MB of 50,000 rows: 0.6 s
    for attrs in _row_tags(archive, path, _ROW_TAG):
        r = _ROW_NUMBER.search(attrs)
        number = int(r.group(1)) if r else number + 1
        if _HIDDEN_ROW_TAG.fullmatch(b"<row" + attrs + b">"):
            out.add(number)
    return out


def _row_tags(archive, path, pattern):
    """The attributes of a sheet part's tags matching `pattern`, read a MB at a time (a tag cut by a chunk's end is
    read with the next one)."""
    rest = b""
    with archive.open(path) as f:
        while chunk := f.read(1024 * 1024):
            data = rest + chunk
            cut = data.rfind(b"<")
            cut = len(data) if cut < 0 else cut
            if pattern is _ROW_TAG or b"hidden" in data:  # a search at C speed: most sheets hide nothing
                for m in pattern.finditer(data, 0, cut):
                    yield m.group(1)
            rest = data[cut:]


def _holds_formula_or_merge(f):
    tail = b""
    while chunk := f.read(1024 * 1024):
        if _FORMULA_OR_MERGE.search(tail + chunk):
            return True
        tail = chunk[-40:]
    return False


def _unread_cells(archive, path, limits):
    """{row: {column index: reason}} of a sheet's cells that openpyxl reads as empty but that are not: a formula
    whose result the file does not keep (a file written by a program and never opened in Excel: the value is
    computed only when Excel opens it) and the cells under a merged cell but its first (only that one holds the
    value). Such a cell was told "请填写…" although the user filled it, or, in a column not required, imported
    as empty. Also a formula whose kept result is an error (#DIV/0!, #N/A): openpyxl reads it as that text, which
    was "必须是数字" in a number's column and imported as the text in a free one. Read only when the part holds a
    formula or a merge (a raw search first), then in the raw bytes too (C speed), as _hidden_rows: only the cells
    holding a formula and the merges are looked at, not every element parsed."""
    with archive.open(path) as f:
        if not _holds_formula_or_merge(f):
            return {}
    out, merged_cells, told = {}, 0, {}  # told: {(column, kind): cells named so far, or the reason standing for more}
    for m, body in _formula_cells_and_merges(archive, path):
        if m.group("merge") is not None:
            ref = _attr(m.group("merge"), b"ref")
            merged_cells += _merged(out, ref, limits, MOST_MERGED_CELLS - merged_cells)
            continue
        ref, kind = _attr(m.group("cell"), b"r"), _attr(m.group("cell"), b"t")
        at = _ref(ref)
        if at is None or at[1] >= limits.max_cols:
            continue
        formula = _text(m.group("formula") or b"")
        value = _value(body, kind)
        if value is None and formula:
            out.setdefault(at[0], {})[at[1]] = _told(told, at, NoResult, _no_result, ref, formula)
        elif kind == "e":  # its kept result is an error (#DIV/0!), read as that text
            out.setdefault(at[0], {})[at[1]] = _told(told, at, str, _error, ref, formula, value)
    return out


_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # a namespace prefix (<x:c>, as the Open XML SDK writes)
# A cell opening with a formula (its first child, as the schema orders them: f, v, is) or a merge; a cell's or a
# merge's attributes never hold ">". A formula cell that is no error (no t="e": err unset) and ends with its kept
# result (<v>2</v></c>) is not matched: it reads as its value, and a workbook saved by Excel keeps one for every
# formula. Matched, each cost microseconds of Python: a sheet of a million formula cells with their results took
# 6 s more than the same values typed, for nothing to tell.
_CELL_OR_MERGE = re.compile(
    rb"<(?P<prefix>"
    + _P
    + rb")c(?:(?P<err>)(?=[^>]*\st\s*=\s*[\"']e[\"']))?(?P<cell>\s[^>]*?)?(?<!/)>\s*<"
    + _P
    + rb"f(?:\s[^>]*?)?(?:/>|>(?P<formula>[^<]*)</"
    + _P
    + rb"f>)(?(err)|(?!\s*<(?P=prefix)v>[^<]+</(?P=prefix)v>\s*</(?P=prefix)c>))|<"
    + _P
    + rb"mergeCell(?P<merge>\s[^>]*?)/?>"
)
_VALUE_TAG = re.compile(rb"<" + _P + rb"(v|is)(?=[\s/>])([^>]*)>")
_ATTRS = {
    name: re.compile(rb"(?:^|\s)" + name + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')") for name in (b"r", b"t", b"ref")
}
_LONGEST_OPENING = (
    256 * 1024
)  # a cell's opening tag and formula (Excel: 8,192 characters, each up to 6 bytes as &quot;)


def _formula_cells_and_merges(archive, path):
    """(match, the rest of the cell to its end tag) of each cell opening with a formula and each merge of a sheet part,
    in order, read a MB at a time: a cell or merge cut by a chunk's end is read with the next one."""
    rest = b""
    with archive.open(path) as f:
        while chunk := f.read(1024 * 1024):
            data, done, cut = rest + chunk, 0, None
            for m in _CELL_OR_MERGE.finditer(data):
                body = b""
                if m.group("merge") is None:
                    end = data.find(b"</" + m.group("prefix") + b"c>", m.end())
                    if end < 0:  # the cell goes on in the next chunk
                        cut = m.start()
                        break
                    body = data[m.end() : end]
                done = m.end() + len(body)
                yield m, body
            # kept for the next chunk: a cell cut before it matched (its opening and formula at most that long)
            rest = data[cut if cut is not None else max(done, len(data) - _LONGEST_OPENING) :]


def _attr(attrs, name):
    m = _ATTRS[name].search(attrs or b"")
    return _text(m.group(1) if m.group(1) is not None else m.group(2)) if m else None


def _text(raw):
    """An XML text's bytes as text, its entities (&amp; &quot; &#10;) read."""
    text = raw.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def _value(body, kind):
    """A formula cell's kept result as text (its <v>, "" for an inline string), or None when it keeps none (Excel keeps
    a formula's empty text as t="str", <v></v>)."""
    for m in _VALUE_TAG.finditer(body):
        if m.group(1) == b"is":
            return ""
        if m.group(2).endswith(b"/"):
            text = ""
        else:
            close = body.find(b"<", m.end())
            text = _text(body[m.end() : close if close >= 0 else len(body)])
        if text or kind == "str":
            return text
    return None


CELLS_NAMED = 5  # cells of one column named each with its formula; the others share one reason, told once (Again)


def _told(told, at, kind, message, *args):
    """The reason for the cell `at`: its own `message(*args)` for the first CELLS_NAMED of its column and `kind`, then one
    reason object shared by the rest (a million formula cells each with a sentence of its own took 420 MB)."""
    key = (at[1], kind)
    named = told.get(key, 0)
    if isinstance(named, Again):
        return named
    if named < CELLS_NAMED:
        told[key] = named + 1
        return kind(message(*args))
    told[key] = again = (NoResultAgain if kind is NoResult else Again)(
        f"单元格 {column_letter(at[1])}{at[0]} 起该列的更多单元格"
        + ("同样是公式，文件中没有保存计算结果" if kind is NoResult else "的公式同样计算出错")
        + "：请用 Excel 打开该文件，改正或重新计算后保存，再重新上传"
    )
    return again


def _shown(formula):
    return formula if len(formula) <= 40 else formula[:40] + "…"


def _no_result(ref, formula):
    return (
        f"单元格 {ref} 是公式（={_shown(formula)}），文件中没有保存计算结果：请用 Excel 打开该文件并保存后"
        "重新上传，或在单元格中直接填写内容"
    )


def _error(ref, formula, value):
    error = value[:20] if value is not None else "错误"
    return f"单元格 {ref} 的公式（={_shown(formula)}）计算出错（{error}）：请改正公式，或在单元格中直接填写内容"


class Again(str):
    """The one reason of the cells of a column past the first CELLS_NAMED (the same object for all): a report tells
    them once, with their count and first rows (collapse_again), not each."""


def collapse_again(entries):
    """`entries` [row, column, reason] with those whose reason is an Again merged into one per reason: at its first
    row, the reason with how many rows and the first of them (第 8–12、15 等 49995 行)."""
    out, grouped = [], {}
    for entry in entries:
        reason = entry[2]
        if isinstance(reason, Again):
            rows = grouped.setdefault((entry[1], id(reason)), (entry, []))[1]
            rows.append(entry[0])
        else:
            out.append(entry)
    for (column, _), (first, rows) in grouped.items():
        out.append([min(rows), column, f"{first[2]}（共 {len(rows)} 行：{rows_text(rows)}）"])
    return out


class NoResult(str):
    """_unread_cells's reason for a formula without its kept result: the one cell that can make a row read as blank
    (a formula's error reads as its text; a merged cell's value is in its first cell)."""


class NoResultAgain(NoResult, Again):
    """The shared reason of a column's formulas without their kept result past the first CELLS_NAMED."""


def _merged(out, ref, limits, room):
    """Put the cells under the merged cell `ref` (C2:C3) but its first into `out`; how many (at most `room`)."""
    first, _, last = ref.partition(":")
    a, b = _ref(first), _ref(last)
    if a is None or b is None or room <= 0 or a[1] >= limits.max_cols:
        return 0
    put = 0
    for row in range(a[0], b[0] + 1):
        for col in range(a[1], min(b[1], limits.max_cols - 1) + 1):
            if (row, col) == a:
                continue
            if put >= room:
                return put
            out.setdefault(row, {}).setdefault(
                col,
                f"单元格 {column_letter(col)}{row} 属于合并单元格 {ref}，只有 {first} 有内容：请取消合并，在每一行的单元格中分别填写",
            )
            put += 1
    return put


def column_letter(index):
    """Excel's letters of the column at 0-based `index`: A, Z, AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _csv_text(content):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its mark: Excel's and WPS's "Unicode 文本"
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码") from None
    if kind := binary_kind(content):
        raise FileProblem(f"{kind}，不是 CSV 文件（可能只是改了扩展名）：请下载 CSV 或 Excel 模板，填写后上传")
    if _utf16_without_mark(content):
        raise FileProblem(
            "文件是 UTF-16 编码（如 Excel 的“Unicode 文本”），无法读取：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
            "或 GBK 编码的 CSV 后重新上传"
        )
    if b"\x00" in content[:4096]:
        raise FileProblem("文件不是文本格式的 CSV，请下载模板填写后上传")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _refuse_nearly_utf8(content, exc)
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码") from None


# What a file is by its first bytes: a PDF, an image or an archive renamed .csv was read as text, its first line
# told as an unknown column (无法识别的列：%PDF-1.4).
_MAGIC = (
    (b"%PDF-", "这是 PDF 文件"),
    (b"\x89PNG\r\n\x1a\n", "这是 PNG 图片"),
    (b"\xff\xd8\xff", "这是 JPEG 图片"),
    (b"GIF87a", "这是 GIF 图片"),
    (b"GIF89a", "这是 GIF 图片"),
    (b"Rar!\x1a\x07", "这是 RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "这是 7z 压缩包"),
    (b"\x1f\x8b", "这是 gzip 压缩包"),
    (OLE2, "这是旧版 Office 文件（如 .xls、.doc）"),
)


def binary_kind(content):
    """What a file that is not text appears to be, as a sentence (这是 PDF 文件), from its first bytes; or None."""
    if content.startswith(b"PK\x03\x04"):  # a zip: an .xlsx, a .docx, or an archive
        head = content[: 64 * 1024]
        if b"xl/" in head:
            return "这是 Excel (.xlsx) 工作簿"
        if b"word/" in head:
            return "这是 Word (.docx) 文档"
        return "这是 ZIP 压缩包"
    return next((kind for magic, kind in _MAGIC if content.startswith(magic)), None)


def _utf16_without_mark(content):
    """Whether a file reads as UTF-16 saved without its byte-order mark: NUL bytes at every other position (the high
    byte of each ASCII character: commas, digits, line ends), at one parity only. Told "不是文本格式的 CSV" before."""
    sample = content[:4096]
    sample = sample[: len(sample) // 2 * 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    most, least = max(even, odd), min(even, odd)
    return most >= max(4, len(sample) // 20) and least * 10 <= most


_BAD_RUN = re.compile("\ufffd+")  # a place where UTF-8 failed: a run of bytes each read as U+FFFD
_GOOD_CHAR = re.compile("[^\x00-\x7f\ufffd]")


def _count(matches, most):
    """How many of `matches` there are, counted up to `most`."""
    return sum(1 for _ in itertools.islice(matches, most))


def _refuse_nearly_utf8(content, exc):
    """Refuse a UTF-8 file spoiled by a few bytes of another encoding (a line pasted from a GBK file, a Latin-1 é):
    read as GBK, the whole file was nonsense (涓€… for 一…), told as a header of unknown columns of it. A GBK file
    read as UTF-8 fails nearly everywhere; one failing at a few places among many good characters is UTF-8."""
    text = content.decode("utf-8", "replace")
    # Counted at C speed and no further than needed: the upload request runs this for every GBK file.
    bad = _count(_BAD_RUN.finditer(text), 11 + content.count("\ufffd".encode())) - content.count("\ufffd".encode())
    if bad > 10 or _count(_GOOD_CHAR.finditer(text), 20 * bad) < 20 * bad:
        return
    line = content.count(b"\n", 0, exc.start) + 1
    raise FileProblem(
        f"文件是 UTF-8 编码，但第 {line} 行起有 {bad} 处无法识别的字符（可能是从其他编码的文件复制粘贴而来）："
        "请在该行重新输入这些文字，保存为 UTF-8 编码后重新上传"
    )


def unquoted(value):
    """A CSV cell of a text column (a code, a phone) without one leading apostrophe: Excel's mark for "keep this as
    text" ('00123 keeps its zeros) is not part of the cell, but a CSV exported by other programs, or typed by hand,
    carries it, and "'00123" was stored as the code, "'13800000000" refused as a phone. An .xlsx never holds it
    (the mark is a cell style there), so only CSV cells are read so; "''x" keeps one.

    The same for ="00123", the way systems export a code or a phone to CSV for Excel to keep it text (a formula
    giving the text): it was stored as the code, the phone refused (a doubled quote inside is one)."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:].strip()
    if isinstance(value, str) and (m := _EXCEL_TEXT.fullmatch(value)):
        return m.group(1).replace('""', '"').strip()
    return value


_EXCEL_TEXT = re.compile(r'="((?:[^"]|"")*)"')


def _delimiter(text):
    """The CSV's separator: a comma, unless the first line has none and has tabs (Excel's "Unicode 文本", a copy
    from a sheet) or semicolons (the CSV of an Excel set to a European locale). Read with commas, such a file's
    header was one unknown column."""
    first = text.lstrip("\ufeff").split("\n", 1)[0][:100_000]
    if "," in first:
        return ","
    return max(("\t", ";"), key=first.count) if ("\t" in first or ";" in first) else ","


# Excel's directive naming a CSV's separator, a first line of its own (sep=; or sep=,), written by programs that
# export for Excel: Excel obeys it and never shows it, so its user was told to delete "the title row above the
# header" (“sep=”) they could not see, and the header of a file separated otherwise was one unknown column.
_SEP_LINE = re.compile(r"\ufeff?sep=([^\r\n])[ \t]*\r?\n", re.IGNORECASE)


def _read_csv(content, limits):
    text = _csv_text(content)
    # The csv module's own field limit (128 K) would fail the whole file on one long cell: lift it to
    # the file's size, and let read_rows turn a long cell into that row's error.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    if sep := _SEP_LINE.match(text):  # rows numbered as Excel shows them, without it
        text, delimiter = text[sep.end() :], sep.group(1)
    else:
        delimiter = _delimiter(text)
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from _with_values(enumerate(_whole_records(lines, delimiter), start=1), limits, _blank_line)
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误：{exc}") from None


def _whole_records(reader, delimiter):
    """The CSV reader's records, refusing one whose quoted cell holds lines that look like records of the file (half
    as many separators as the header has cells, two lines or more): a cell opening with a quote never closed (a
    title typed "智能检测) takes every line after it up to the next quote, and those rows were read as that one cell,
    not imported and not told (the report counted fewer rows than the file has)."""
    width, number = None, 0
    for record in reader:
        number += 1
        if width is None and any(record):
            width = len(record)
        if width and width >= 4:
            inner = [part for cell in record if "\n" in cell for part in cell.split("\n")[1:] if part.strip()]
            if sum(1 for part in inner if part.count(delimiter) >= width // 2) >= 2:
                start = next(c for c in record if "\n" in c)
                raise FileProblem(
                    f'CSV 第 {number} 行有一个单元格以英文引号（"）开头却没有结束的引号（“{_quoted(start)}”），'
                    f"其后的 {len(inner)} 行都被读进了这一个单元格：请删去该单元格开头的引号（或在其内容末尾补上引号）"
                    "后重新上传"
                )
        yield record


def _quoted(cell):
    first = cell.split("\n", 1)[0].strip()
    return first if len(first) <= 20 else first[:20] + "…"


def shown_name(filename):
    """An uploaded file's own name as kept and shown (a listing import, an attendance export): without the folders
    some browsers send (C:\\Users\\…\\需求.csv), NUL (a 500 on PostgreSQL), control or bidi-override characters."""
    name = re.split(r"[\\/]", clean_text(filename or "", multiline=False))[-1].strip()
    if len(name) > 200:  # cut before its extension, kept: a long name cut at 200 lost .xlsx, told 只支持 .xlsx 或 .csv
        stem, dot, ext = name.rpartition(".")
        return stem[: 199 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:200]
    return name
