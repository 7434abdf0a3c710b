"""The report as an A4 PDF, drawn with ReportLab from the same content as the HTML.

ReportLab is pure Python from PyPI, so the PDF needs no system libraries. Text is set in
DejaVu Sans, which matplotlib ships, so minus signs, pound signs and arrows print on any
machine and match the charts. Each section starts on a new page and has a PDF bookmark.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from .model import Bullets, Figure, Heading, Num, Para, Report, Rich, Strong, Table

MARGIN = 15 * mm
# Room a table taller than a page needs to start on the current one (see _table): its
# caption, header and about three rows, in points.
LONG_TABLE_START = 70
PAGE_W, PAGE_H = A4
TEXT_W = PAGE_W - 2 * MARGIN
TEXT_H = PAGE_H - 2 * MARGIN - 6 * mm

_FONT = {"regular": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique"}
_UNICODE = False


def _register_fonts() -> None:
    """Use matplotlib's DejaVu Sans if present; fall back to Helvetica (Latin-1 only)."""
    global _UNICODE
    if _UNICODE:
        return
    try:
        import matplotlib
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        faces = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",
                 "italic": "DejaVuSans-Oblique.ttf", "bolditalic": "DejaVuSans-BoldOblique.ttf"}
        names = {}
        for face, file in faces.items():
            name = "CaresimSans" + ("" if face == "regular" else "-" + face)
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
            names[face] = name
        pdfmetrics.registerFontFamily("CaresimSans", normal=names["regular"],
                                      bold=names["bold"], italic=names["italic"],
                                      boldItalic=names["bolditalic"])
        _FONT.update(regular=names["regular"], bold=names["bold"], italic=names["italic"])
        _UNICODE = True
    except Exception:  # fonts missing or unreadable: Helvetica still prints every report
        _UNICODE = False


_LATIN = str.maketrans({"\u2212": "-", "\u2192": "->", "\u2013": "-", "\u00a7": "s."})


def _t(text: str) -> str:
    text = escape(text)
    return text if _UNICODE else text.translate(_LATIN)


def _rich(text: Rich | str) -> str:
    if isinstance(text, str):
        text = (text,)
    out = []
    for run in text:
        if isinstance(run, Num):
            out.append(_t(run.text))
        elif isinstance(run, Strong):
            out.append(f"<b>{_t(run.text)}</b>")
        else:
            out.append(_t(str(run)).replace("\n", "<br/>"))
    return "".join(out)


def _styles() -> dict[str, ParagraphStyle]:
    r, b = _FONT["regular"], _FONT["bold"]
    base = ParagraphStyle("body", fontName=r, fontSize=8.8, leading=11.6, spaceAfter=3.5)
    return {
        "body": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=9.2, leading=12.2),
        "note": ParagraphStyle("note", parent=base, fontSize=7.8, leading=10,
                               textColor=colors.HexColor("#444444")),
        "warning": ParagraphStyle("warning", parent=base, borderColor=colors.black,
                                  borderWidth=0.8, borderPadding=4, backColor="#F0F0F0",
                                  spaceBefore=4, spaceAfter=8),
        "code": ParagraphStyle("code", parent=base, fontSize=7.8, leading=10),
        "kicker": ParagraphStyle("kicker", parent=base, fontName=b, fontSize=8,
                                 textColor=colors.HexColor("#444444"), spaceAfter=1),
        "title": ParagraphStyle("title", parent=base, fontName=b, fontSize=16.5, leading=20,
                                spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=8.2,
                                   textColor=colors.HexColor("#444444"), spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=b, fontSize=14, leading=17,
                             spaceAfter=6),
        "h3": ParagraphStyle("h3", parent=base, fontName=b, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=3, keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontName=b, fontSize=8.3,
                                  leading=10.5, spaceBefore=4, spaceAfter=2, keepWithNext=1),
        "figcaption": ParagraphStyle("figcaption", parent=base, fontSize=7.6, leading=9.6,
                                     textColor=colors.HexColor("#444444"), spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.8, leading=9.6, spaceAfter=0),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=7.1, leading=8.7,
                                     spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=1,
                                 spaceAfter=2.5),
        "tag": ParagraphStyle("tag", parent=base, fontName=b, fontSize=7, leading=9,
                              alignment=TA_CENTER, spaceAfter=0),
    }


class _Anchor(Flowable):
    """A zero-size mark that adds a bookmark and an outline entry for a section."""

    def __init__(self, key: str, title: str):
        super().__init__()
        self.key, self.title = key, title
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


def _table(block: Table, st: dict[str, ParagraphStyle]) -> list:
    cell = st["cell_small"] if block.small else st["cell"]
    right = ParagraphStyle("r", parent=cell, alignment=TA_RIGHT)
    bold = ParagraphStyle("b", parent=cell, fontName=_FONT["bold"])
    bold_right = ParagraphStyle("br", parent=bold, alignment=TA_RIGHT)
    align = block.align or ["l"] * len(block.columns)

    sub = cell.fontSize - 1.0

    def para(value, a: str, is_bold: bool = False) -> Paragraph:
        if is_bold:
            style = bold_right if a == "r" else bold
        else:
            style = right if a == "r" else cell
        if isinstance(value, tuple) and value and isinstance(value[-1], str) \
                and value[-1].startswith("\n"):
            # A label with a second line (a parameter path) sets the second line smaller.
            text = (_rich(value[:-1]) + f'<br/><font size="{sub}" color="#555555">'
                    f"{_t(value[-1][1:])}</font>")
        elif isinstance(value, str):
            text = _t(value).replace("\n", "<br/>")
        else:
            text = _rich(value)
        return Paragraph(text, style)

    data = [[para(c, a, True) for c, a in zip(block.columns, align)]]
    for k, row in enumerate(block.rows):
        data.append([para(v, a, k in block.bold_rows) for v, a in zip(row, align)])
    weights = block.widths or [1.0] * len(block.columns)
    total = sum(weights)
    widths = [TEXT_W * w / total for w in weights]
    table = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#BBBBBB")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for k in block.bold_rows:
        style.append(("LINEABOVE", (0, k + 1), (-1, k + 1), 0.9, colors.black))
    table.setStyle(TableStyle(style))
    out: list = []
    if block.caption:
        if table.wrap(TEXT_W, TEXT_H)[1] <= 0.9 * TEXT_H:
            out.append(Paragraph(_t(block.caption), st["caption"]))
        else:
            # A caption kept with a table taller than a page moved the whole table on and
            # left the page blank; such a table starts where it is as long as its caption,
            # header and a few rows fit.
            out.append(CondPageBreak(LONG_TABLE_START))
            out.append(Paragraph(_t(block.caption),
                                 ParagraphStyle("caption_long", parent=st["caption"],
                                                keepWithNext=0)))
    out.append(table)
    if block.note:
        out.append(Paragraph(_rich(block.note), st["note"]))
    out.append(Spacer(1, 5))
    return out


def _figure(block: Figure, st: dict[str, ParagraphStyle]) -> list:
    from PIL import Image as PILImage

    png = block.png
    with PILImage.open(io.BytesIO(png)) as im:
        px_w, px_h = im.size
    w = TEXT_W * block.width
    h = w * px_h / px_w
    if h > TEXT_H * 0.62:
        h = TEXT_H * 0.62
        w = h * px_w / px_h
    img = Image(io.BytesIO(png), width=w, height=h)
    img.hAlign = "LEFT"
    return [img, Paragraph(_t(block.caption), st["figcaption"])]


def _headline(block: Bullets, st: dict[str, ParagraphStyle]) -> list:
    rows, style = [], [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#BBBBBB")),
        ("TOPPADDING", (0, 0), (-1, -1), 2.4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
        ("LEFTPADDING", (1, 0), (1, -1), 6),
    ]
    body = ParagraphStyle("hl", parent=st["body"], spaceAfter=0)
    for k, (item, tag) in enumerate(zip(block.items, block.tags or [""] * len(block.items))):
        tag_style = st["tag"]
        if tag == "Worse":
            tag_style = ParagraphStyle("tw", parent=tag_style, textColor=colors.white)
        rows.append([Paragraph(_t(tag.upper()), tag_style), Paragraph(_rich(item), body)])
        box = (0, k), (0, k)
        if tag == "Worse":
            style.append(("BACKGROUND", *box, colors.black))
        elif tag == "Better":
            style.append(("BOX", *box, 0.9, colors.black))
        else:
            style.append(("BOX", *box, 0.7, colors.black, None, (2, 1.5)))
    table = RLTable(rows, colWidths=[19 * mm, TEXT_W - 19 * mm], hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return [table, Spacer(1, 5)]


def _blocks(blocks, st: dict[str, ParagraphStyle]) -> list:
    out: list = []
    heading = None
    for block in blocks:
        if heading is not None and isinstance(block, Figure):
            # A heading never ends a page without the chart it introduces.
            out.append(KeepTogether([heading, *_figure(block, st)]))
            heading = None
            continue
        if heading is not None:
            out.append(heading)
            heading = None
        if isinstance(block, Heading):
            heading = Paragraph(_t(block.text), st["h3"])
        elif isinstance(block, Para):
            out.append(Paragraph(_rich(block.text), st.get(block.style, st["body"])))
        elif isinstance(block, Bullets):
            if block.tags:
                out.extend(_headline(block, st))
            else:
                for item in block.items:
                    out.append(Paragraph(_rich(item), st["bullet"], bulletText="\u2022"))
                out.append(Spacer(1, 3))
        elif isinstance(block, Table):
            out.extend(_table(block, st))
        elif isinstance(block, Figure):
            out.append(KeepTogether(_figure(block, st)))
        else:
            raise TypeError(f"cannot render {type(block).__name__}")
    if heading is not None:
        out.append(heading)
    if len(out) >= 3 and isinstance(out[-1], Paragraph) and isinstance(out[-2], Spacer):
        # A section's closing line (the rebuild command, a source note) never starts a page
        # on its own: it stays with the table it follows.
        out[-3:] = [KeepTogether(out[-3:])]
    return out


def _build(report: Report, st: dict[str, ParagraphStyle], total: int | None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                          title=f"Board report: {report.title}", author="caresim",
                          subject="Scenario comparison for a board", creator="caresim")
    frame = Frame(MARGIN, MARGIN + 4 * mm, TEXT_W, PAGE_H - 2 * MARGIN - 4 * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def footer(canv, d) -> None:
        canv.saveState()
        canv.setFont(_FONT["regular"], 7)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawString(MARGIN, 9 * mm, _t(report.footer))
        of = f" of {total}" if total else ""
        canv.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {d.page}{of}")
        canv.restoreState()

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])
    story: list = []
    for k, section in enumerate(report.sections):
        if k:
            story.append(PageBreak())
        story.append(_Anchor(section.id, section.title))
        if k == 0:
            story.append(Paragraph("BOARD REPORT", st["kicker"]))
            story.append(Paragraph(_t(report.title), st["title"]))
            story.append(Paragraph(_rich(report.subtitle), st["subtitle"]))
        else:
            story.append(Paragraph(_t(section.title), st["h2"]))
        story.extend(_blocks(section.blocks, st))
    doc.build(story)
    return buf.getvalue(), doc.page


def render(report: Report) -> bytes:
    """Two passes: the first counts the pages so every footer can say 'page X of Y'."""
    _register_fonts()
    st = _styles()
    _, pages = _build(report, st, None)
    data, _ = _build(report, st, pages)
    return data
