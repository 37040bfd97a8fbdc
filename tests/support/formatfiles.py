"""Write PDF and Word files for tests and benchmarks: pages with headings, paragraphs, two
columns, a running header and footer; an encrypted PDF; a PDF of one image and no text.

fpdf2 and python-docx write them, so a test states its document in a few lines of Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# A page is a list of items: ("h1" | "h2", text), ("p", text), or ("cols", left, right) with
# left and right lists of paragraphs.
Item = tuple


def write_pdf(
    path: Path,
    pages: Sequence[Sequence[Item]],
    *,
    header: str | None = None,
    page_numbers: bool = True,
    title: str | None = None,
    author: str | None = None,
) -> Path:
    """Write a text PDF of `pages`; return its path."""
    from fpdf import FPDF

    class Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", size=8)
                self.cell(0, 8, header, align="C")
                self.ln(12)

        def footer(self) -> None:
            if page_numbers:
                self.set_y(-12)
                self.set_font("Helvetica", size=8)
                self.cell(0, 8, f"Page {self.page_no()}", align="C")

    pdf = Pdf()
    pdf.set_auto_page_break(True, 18)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for page in pages:
        pdf.add_page()
        for item in page:
            if item[0] in ("h1", "h2"):
                pdf.set_font("Helvetica", "B", 18 if item[0] == "h1" else 14)
                pdf.multi_cell(0, 9, item[1])
                pdf.ln(2)
            elif item[0] == "p":
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 5.5, item[1])
                pdf.ln(4)
            elif item[0] == "cols":
                pdf.set_font("Helvetica", size=11)
                top = pdf.get_y()
                for x, column in ((pdf.l_margin, item[1]), (pdf.l_margin + 98, item[2])):
                    pdf.set_xy(x, top)
                    for text in column:
                        pdf.set_x(x)
                        pdf.multi_cell(88, 5.5, text)
                        pdf.ln(4)
    pdf.output(str(path))
    return path


def write_encrypted_pdf(path: Path, text: str, password: str = "secret") -> Path:
    """Write a PDF that opens only with `password`."""
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(path.with_suffix(".plain.tmp"), [[("p", text)]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)
    plain.unlink()
    return path


def write_image_pdf(path: Path) -> Path:
    """Write a PDF whose one page is a picture (a scan), with no text layer."""
    from fpdf import FPDF
    from PIL import Image

    image = Image.new("RGB", (200, 100), "white")
    for x in range(20, 180):
        image.putpixel((x, 50), (0, 0, 0))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def write_docx(
    path: Path,
    items: Sequence[Item],
    *,
    title: str | None = None,
    author: str | None = None,
) -> Path:
    """Write a Word file: ("h1" | "h2", text), ("p", text), ("li", text), ("table", rows)."""
    import datetime as dt

    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title or ""
    props.author = author or ""
    props.created = dt.datetime(2024, 3, 5, 10, 0, 0)
    for item in items:
        if item[0] in ("h1", "h2"):
            document.add_heading(item[1], level=int(item[0][1]))
        elif item[0] == "p":
            document.add_paragraph(item[1])
        elif item[0] == "li":
            document.add_paragraph(item[1], style="List Bullet")
        elif item[0] == "table":
            rows = item[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    document.save(str(path))
    return path
