"""The documented Excel template: a README sheet, then one sheet per kind of figure.

Layout borrowed from the IPACS model's local input workbook (one sheet per kind of input:
arrivals, capacity, initial conditions, length of stay, costs; one row per service node P1,
P2, P3), with two changes: every value sits beside its unit, allowed range and note, and
rows are keyed by name rather than position so a planner can add notes or reorder rows.
"""

from __future__ import annotations

import io
from typing import Any

from .files import (README_SHEET, SETTINGS_FIRST_ROW, SETTINGS_HEADERS, TABLE_FIRST_ROW,
                    TABLE_HEADER_ROW)
from .schema import SHEETS

SHEET_NOTES = {
    "About": "Name the area and say where its figures come from.",
    "Population": "People aged 65+ living in the area, by age band.",
    "Beds": "How much of the trust's general and acute (G&A) bed base serves emergency care "
            "of people 65+. Bed counts themselves are on the Beds calendar sheet.",
    "Beds calendar": "All-age bed counts as the trust reports them, month by month "
                     "(April to March). They are converted to beds for emergency care of "
                     "people 65+ with the shares on the Beds sheet.",
    "Capacity": "Discharge pathway capacities in the units the NHS plans in.",
    "Costs": "Local unit costs, all in the one price year given on the first row.",
    "Monthly": "Last year's figures by month, where you have them (blank cells are fine). "
               "python -m sim.area fit fits the model's rates to them; figures left blank use "
               "the national default and the fit report says so.",
    "Census": "Who is where today. The run starts from this date and state (leave the date "
              "blank to warm up from an empty hospital instead).",
    "Rates": "Multipliers of the national rates, written by python -m sim.area fit (1 = the "
             "national default). Change them by hand only to test a what-if.",
}

README_LINES = (
    "Local area template for the caresim model of care for people aged 65+",
    "",
    "How to use this workbook",
    "1. Fill the yellow cells on every sheet. Each row says its unit, what values are "
    "allowed and where the figure usually comes from.",
    "2. Type values only. Formulas are refused (they are never evaluated), links to other "
    "workbooks are refused, and text holding ${ is refused.",
    "3. Keep the sheet names and the keys in column A (settings sheets) or row "
    f"{TABLE_HEADER_ROW} (table sheets). Notes can go in the note column.",
    "4. Load it: sim.load_area('my_area.xlsx') in Python, area=my_area.xlsx on the command "
    "line, or the 'Your area' page of the app. Any mistake is reported with its sheet and "
    "cell, e.g. Capacity!B7.",
    "5. Fit it to last year's monthly figures: python -m sim.area fit my_area.xlsx --out "
    "my_area_fitted.xlsx",
    "",
    "Limits: at most 2 MB, 12 sheets, 200 rows and 20 columns a sheet.",
    "The pre-filled values are the example area: a typical English place of 100,000 people "
    "aged 65+ built from national figures (no patient data). See docs/area.md.",
    "",
    "Sheets",
    *(f"- {sheet}: {note}" for sheet, note in SHEET_NOTES.items()),
)


def build_workbook(data: dict[str, Any]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    title = Font(bold=True, size=14)
    value_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = README_SHEET
    for i, line in enumerate(README_LINES, start=1):
        ws.cell(i, 1, line)
    ws["A1"].font = title
    ws.column_dimensions["A"].width = 120

    for sheet, (block, shape, cells) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.cell(1, 1, sheet).font = title
        ws.cell(2, 1, SHEET_NOTES[sheet])
        if shape == "settings":
            values = data.get(block) or {}
            for c, head in enumerate(SETTINGS_HEADERS, start=1):
                ws.cell(SETTINGS_FIRST_ROW - 1, c, head).font = bold
            for r, cell in enumerate(cells, start=SETTINGS_FIRST_ROW):
                ws.cell(r, 1, cell.key)
                v = ws.cell(r, 2, values.get(cell.key))
                v.fill = value_fill
                ws.cell(r, 3, cell.unit)
                ws.cell(r, 4, cell.allowed())
                ws.cell(r, 5, cell.note).alignment = wrap
            for col, width in zip("ABCDE", (34, 18, 26, 34, 90)):
                ws.column_dimensions[col].width = width
        else:
            rows = data.get(block) or []
            labels = ("unit", "allowed", "note")
            for c, cell in enumerate(cells, start=1):
                ws.cell(TABLE_HEADER_ROW, c, cell.key).font = bold
                ws.cell(TABLE_HEADER_ROW + 1, c, cell.unit)
                ws.cell(TABLE_HEADER_ROW + 2, c, cell.allowed())
                ws.cell(TABLE_HEADER_ROW + 3, c, cell.note).alignment = wrap
                ws.column_dimensions[get_column_letter(c)].width = 22
            note_col = len(cells) + 1
            ws.cell(TABLE_HEADER_ROW, note_col, "note").font = bold
            ws.column_dimensions[get_column_letter(note_col)].width = 30
            for offset, label in enumerate(labels, start=1):
                ws.cell(TABLE_HEADER_ROW + offset, note_col, f"<- {label} of each column")
            ws.row_dimensions[TABLE_HEADER_ROW + 3].height = 75
            for r, row in enumerate(rows, start=TABLE_FIRST_ROW):
                for c, cell in enumerate(cells, start=1):
                    v = ws.cell(r, c, row.get(cell.key))
                    v.fill = value_fill
                    if cell.kind == "month":
                        v.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
