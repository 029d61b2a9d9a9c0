"""Report tables to Excel (.xlsx, a sheet per table) and CSV (UTF-8 with BOM); formula-safe."""

import csv
import io
import re
from decimal import Decimal

from ..utils.money import format_wan, to_wan
from ..utils.sheets import append_row, csv_text

WAN_FORMAT = '#,##0.00"万元"'
PCT_FORMAT = '0.0"%"'


def cell_value(column, row):
    """A row's value for one column as written to a file: numbers stay numbers (Decimal), text as is.

    Each writer guards the text its own way (utils/sheets.py): a string cell in .xlsx, an apostrophe in CSV."""
    value = row.get(column.key)
    if value is None:
        return None
    if column.kind == "wan":
        return to_wan(value)
    if column.kind == "int":
        return int(value)
    if column.kind == "pct":
        return Decimal(value)
    return str(value)


# Each figure is rounded on its own (as the bureau's tables print them), so a column's rows may miss its total by a cent.
ROUNDING_NOTE = "金额以万元为单位四舍五入保留两位小数，分项之和与合计可能相差 0.01 万元"


def table_rows(table):
    """Body rows (with the total row last, if any) as lists of cell values."""
    rows = list(table.rows) + ([table.total] if table.total else [])
    return [[cell_value(c, r) for c in table.columns] for r in rows]


def _sheet_title(title, used):
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "表"
    base, n = name, 2
    while name in used:
        name, n = f"{base}{n}", n + 1
    used.add(name)
    return name


def to_xlsx(report):
    """The whole report as an .xlsx workbook (bytes): a summary sheet, then a sheet per table."""
    # openpyxl (about 0.2 s to import) only when a workbook is asked for, as the imports and
    # service statistics do: not in every web process and command that builds the app.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    bold = Font(bold=True)
    append_row(ws, ["统计区间", report["period"].label])
    append_row(ws, ["口径", "有效合同（不含已作废），按签订日期，起止日期均包含在内；" + ROUNDING_NOTE])
    append_row(ws, ["线上签约", report["headline"]["text"]])
    append_row(ws, ["全部渠道", report["headline_all"]["text"]])
    ws.append([])
    append_row(ws, ["指标", "合同数（项）", "合同金额（万元）", "技术交易额（万元）"])
    for label, h in (("线上签约", report["headline"]), ("其中网上签约", report["headline_signed"]),
                     ("全部渠道", report["headline_all"])):  # fmt: skip
        append_row(ws, [label, h["count"], to_wan(h["amount"]), to_wan(h["transaction_amount"])])
        for col in (3, 4):
            ws.cell(ws.max_row, col).number_format = WAN_FORMAT
    for row in (1, 2, 3, 4, 6):
        ws.cell(row, 1).font = bold
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 20
    ws.column_dimensions["D"].width = 20
    used = {"概要"}
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for table in report["tables"]:
        sheet = wb.create_sheet(_sheet_title(table.title, used))
        append_row(sheet, [c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(horizontal="center")
        for values in table_rows(table):
            row = append_row(sheet, values)
            for i, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row, i)
                if column.kind == "wan":
                    cell.number_format = WAN_FORMAT
                elif column.kind == "pct":
                    cell.number_format = PCT_FORMAT
        if table.total:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for i in range(1, len(table.columns) + 1):
            sheet.column_dimensions[get_column_letter(i)].width = 28 if i == 1 else 20
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    return "" if value is None else value


def _csv_value(value):
    # Only text is guarded: a negative figure stays a number.
    return csv_text(value) if isinstance(value, str) else _plain_value(value)


def _write_table(writer, table):
    writer.writerow([_csv_value(c.label) for c in table.columns])
    for values in table_rows(table):
        writer.writerow([_csv_value(v) for v in values])


def to_csv(report, table=None):
    """CSV bytes, UTF-8 with BOM: one table, or every table one after another under its title."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if table is not None:
        _write_table(writer, table)
    else:
        writer.writerow(["统计区间", csv_text(report["period"].label)])
        writer.writerow(["线上签约", csv_text(report["headline"]["text"])])
        writer.writerow(["其中网上签约", csv_text(report["headline_signed"]["text"])])
        writer.writerow(["全部渠道", csv_text(report["headline_all"]["text"])])
        for t in report["tables"]:
            writer.writerow([])
            writer.writerow([csv_text(t.title)])
            _write_table(writer, t)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_text(report):
    """A plain-text rendering for the terminal."""
    lines = [f"统计区间：{report['period'].label}", report["headline"]["text"], report["headline_signed"]["text"],
             report["headline_all"]["text"] +
             f"，技术交易额 {format_wan(report['headline_all']['transaction_amount'])} 万元"]  # fmt: skip
    for t in report["tables"]:
        lines += ["", f"【{t.title}】", "\t".join(c.label for c in t.columns)]
        for values in table_rows(t):
            lines.append("\t".join(str(_plain_value(v)) for v in values))
    return "\n".join(lines) + "\n"
