"""Text in the spreadsheets we write stays text: never run as a formula (formula injection).

A spreadsheet runs a cell whose text begins with one of FORMULA_START. CSV has no cell types, so
its only guard is a leading apostrophe (``csv_text``), which the reader then sees. An .xlsx cell has a
type: text is stored as a string cell with the quote-prefix style (``append_row``, ``keep_text``), so
Excel shows exactly what was typed, never evaluates it, and keeps it text when the cell is edited.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """A CSV cell's value: text a spreadsheet would run gets a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def keep_text(cell):
    """Make an openpyxl cell holding text a string cell, quote-prefixed when it looks like a formula."""
    if isinstance(cell.value, str):
        # openpyxl types any text starting with "=" as a formula when it is assigned.
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def append_row(sheet, values):
    """Append a row to an openpyxl sheet with every text cell kept as text; returns the row number."""
    sheet.append(values)
    row = sheet.max_row
    for col, value in enumerate(values, start=1):
        if isinstance(value, str):
            keep_text(sheet.cell(row, col))
    return row
