"""Word documents in the style of Chinese official documents (党政机关公文格式, GB/T 9704):
a red issuing-authority header, a red rule, the document number, a centred title in a
xiaobiaosong face, the body in fangsong at 三号 (16 pt) with two-character first-line indents."""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

RED = RGBColor(0xC0, 0x00, 0x00)
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
BODY_SIZE = Pt(16)  # 三号


def _font(run, name: str, size, *, bold=False, color=None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # East Asian text takes its face from w:eastAsia, not from w:ascii.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _red_rule(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.append(borders)


class OfficialDocument:
    """Build one official document, paragraph by paragraph; ``bytes()`` gives the .docx."""

    def __init__(self, *, authority: str = "", number: str = "") -> None:
        """``authority`` prints the red header (红头) and its rule; a report that no office
        issues (a deputy's report to constituents) goes without."""
        self.doc = Document()
        section = self.doc.sections[0]
        # A4 with the standard margins: top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm.
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        if not authority:
            return
        header = self.doc.add_paragraph()
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(header.add_run(authority), TITLE_FONT, Pt(26), color=RED)
        number_line = self.doc.add_paragraph()
        number_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if number:
            _font(number_line.add_run(number), BODY_FONT, BODY_SIZE)
        _red_rule(number_line)

    def title(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(16)
        p.paragraph_format.space_after = Pt(16)
        _font(p.add_run(text), TITLE_FONT, Pt(22))

    def addressee(self, text: str) -> None:
        p = self.doc.add_paragraph()
        _font(p.add_run(text), BODY_FONT, BODY_SIZE)

    def paragraph(self, text: str, *, indent: bool = True) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28)
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)  # two characters
        _font(p.add_run(text), BODY_FONT, BODY_SIZE)

    def heading(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), HEADING_FONT, BODY_SIZE)

    def table(self, rows: Iterable[tuple[str, str]]) -> None:
        table = self.doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            _font(cells[0].paragraphs[0].add_run(label), HEADING_FONT, Pt(14))
            _font(cells[1].paragraphs[0].add_run(value), BODY_FONT, Pt(14))

    def grid(self, headers: list[str], rows: Iterable[list], *, size=None) -> None:
        """A table of several columns with a heading row that repeats on every page (a
        ranking, a list of results); cells are written as text, at ``size`` (12 pt)."""
        size = size or Pt(12)
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        head = table.rows[0]
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        head._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(head.cells, headers, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, size)
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, size)

    def signature(self, authority: str, date_text: str) -> None:
        for text in ("", authority, date_text):
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(64)
            _font(p.add_run(text), BODY_FONT, BODY_SIZE)

    def __bytes__(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
