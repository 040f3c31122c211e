"""Render a shop's poster as a vector A5 PDF: Sarabun embedded, Thai shaped, the QR as paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import PathPaintRule
from PIL import Image, ImageFont

from ecolife.posters import (
    BOLD,
    DPI,
    FONT_DIR,
    HEIGHT,
    LEAF_VEIN_WIDTH,
    REGULAR,
    WIDTH,
    Anchor,
    Box,
    Colour,
    Point,
    PosterInfo,
    draw_poster,
    leaf_shape,
)

PT = 72 / DPI  # PDF points per poster pixel: the PDF page is the PNG's 200 dpi A5 page
FAMILY = "Sarabun"
STYLES = {REGULAR: "", BOLD: "B"}
BASELINE = 0.8  # fpdf2 sets a one-line cell's baseline this many font sizes below its top


class _PosterPdf(FPDF):
    """fpdf2 with the one thing the poster needs that it lacks: ActualText spans."""

    @contextmanager
    def actual_text(self, text: str) -> Iterator[None]:
        """Mark what is drawn inside as reading text, for copying and search.

        Shaping moves Thai marks glyph by glyph, and PDF readers guessing the text from the
        glyphs' positions reorder or split them ("ท่ี" for "ที่"); ActualText gives them the
        string as written."""
        utf16 = ("\ufeff" + text).encode("utf-16-be").hex().upper()
        self._out(f"/Span <</ActualText <{utf16}>>> BDC")
        yield
        self._out("EMC")


def sarabun_page(unit: str, size: tuple[float, float]) -> _PosterPdf:
    """One borderless PDF page of `size` (in `unit`), Sarabun loaded and Thai shaping on:
    the poster's and the member card's."""
    pdf = _PosterPdf(unit=unit, format=size)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    for name, style in STYLES.items():
        pdf.add_font(FAMILY, style, FONT_DIR / name)
    pdf.set_text_shaping(True)
    pdf.add_page()
    return pdf


def close_fonts(pdf: FPDF) -> None:
    """Close the font files: fontTools reads them lazily and keeps them open (a ZIP of 500
    posters would otherwise hold 1,000 open files until garbage collection)."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


class PdfCanvas:
    """Draw the poster's layout (in 200 dpi pixels) on one vector PDF page."""

    def __init__(self) -> None:
        self.pdf = sarabun_page("pt", (WIDTH * PT, HEIGHT * PT))

    def close(self) -> None:
        close_fonts(self.pdf)

    def rectangle(self, box: Box, fill: Colour) -> None:
        left, top, right, bottom = box
        self.pdf.set_fill_color(*fill)
        self.pdf.rect(left * PT, top * PT, (right + 1 - left) * PT, (bottom + 1 - top) * PT, "F")

    def card(self, box: Box, radius: int, fill: Colour, outline: Colour, width: int) -> None:
        # Pillow draws the outline inside the box; a PDF stroke is centred on its path.
        half = width / 2
        left, top = box[0] + half, box[1] + half
        right, bottom = box[2] + 1 - half, box[3] + 1 - half
        self.pdf.set_fill_color(*fill)
        self.pdf.set_draw_color(*outline)
        self.pdf.set_line_width(width * PT)
        self.pdf.rect(
            left * PT,
            top * PT,
            (right - left) * PT,
            (bottom - top) * PT,
            "DF",
            round_corners=True,
            corner_radius=(radius - width / 2) * PT,
        )

    def line(self, start: Point, end: Point, fill: Colour, width: int) -> None:
        self.pdf.set_draw_color(*fill)
        self.pdf.set_line_width(width * PT)
        self.pdf.line(start[0] * PT, start[1] * PT, end[0] * PT, end[1] * PT)

    def text(
        self, xy: Point, text: str, font: ImageFont.FreeTypeFont, fill: Colour, anchor: Anchor
    ) -> None:
        pdf = self.pdf
        size = font.size * PT
        pdf.set_font(FAMILY, STYLES[_font_file(font)], size)
        pdf.set_text_color(*fill)
        width = pdf.get_string_width(text)
        left = xy[0] * PT - (width / 2 if anchor == "ms" else 0)
        pdf.set_xy(left, xy[1] * PT - BASELINE * size)
        with pdf.actual_text(text):
            pdf.cell(width, size, text)

    def leaf(self, xy: Point, size: int, fill: Colour, vein: Colour) -> None:
        outline, (start, end) = leaf_shape(size)
        x, y = xy
        self.pdf.set_fill_color(*fill)
        self.pdf.polygon([((x + px) * PT, (y + py) * PT) for px, py in outline], style="F")
        self.line((x + start[0], y + start[1]), (x + end[0], y + end[1]), vein, LEAF_VEIN_WIDTH)

    def qr(self, code: Image.Image, xy: Point, module: int) -> None:
        # One path of every dark run, filled once: no hairline seams between modules.
        x, y = xy
        step = module * PT
        with self.pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
            path.style.fill_color = "#000000"
            for row, start, length in dark_runs(code):
                path.rectangle(x * PT + start * step, y * PT + row * step, length * step, step)


def _font_file(font: ImageFont.FreeTypeFont) -> str:
    """Return the file name of a shipped font (REGULAR or BOLD)."""
    return Path(str(font.path)).name


def dark_runs(code: Image.Image) -> Iterator[tuple[int, int, int]]:
    """Yield (row, first column, length) of each run of dark modules of a 1 px/module QR."""
    pixels = code.convert("L").load()
    for row in range(code.height):
        start = None
        for column in range(code.width + 1):
            dark = column < code.width and pixels[column, row] < 128
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row, start, column - start
                start = None


def poster_pdf(info: PosterInfo) -> bytes:
    """Return the poster as a one-page vector A5 PDF whose text can be copied."""
    canvas = PdfCanvas()
    try:
        draw_poster(canvas, info)
        canvas.pdf.set_title(info.name_th)
        canvas.pdf.set_lang("th")
        canvas.pdf.set_creator("EcoLife")
        return bytes(canvas.pdf.output())
    finally:
        canvas.close()
