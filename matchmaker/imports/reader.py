"""Read an uploaded .xlsx or .csv into a header and rows, with a Chinese message for every bad file."""

import csv
import io
import zipfile


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
    raise FileProblem("只支持 Excel (.xlsx) 或 CSV (.csv) 文件，请下载模板填写后上传")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value  # numbers, dates: cleaned by the column rules


def read_rows(content, fmt):
    """Return (header, rows): header a list of names, rows a list of (row number, [cells])."""
    if not content:
        raise FileProblem("上传的文件是空的")
    rows = _read_xlsx(content) if fmt == "xlsx" else _read_csv(content)
    header = None
    out = []
    for number, cells in rows:
        cells = [_cell(c) for c in cells]
        if header is None:
            if any(c != "" for c in cells):
                header = [str(c) for c in cells]
            continue
        if any(c != "" for c in cells):
            out.append((number, cells))
    if header is None:
        raise FileProblem("文件中没有内容（第一行应为表头），请下载模板填写")
    while header and header[-1] == "":
        header.pop()
    return header, out


def _read_xlsx(content):
    if not content.startswith(b"PK"):
        raise FileProblem("文件不是有效的 Excel (.xlsx) 文件，可能已损坏或只是改了扩展名")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileProblem("无法读取该 Excel 文件，可能已损坏，请另存为 .xlsx 后重试") from exc
    try:
        ws = wb.worksheets[0]
        return [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def _read_csv(content):
    if b"\x00" in content[:4096]:
        raise FileProblem("文件不是文本格式的 CSV，请下载模板填写后上传")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码")
    try:
        return [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误：{exc}") from None
