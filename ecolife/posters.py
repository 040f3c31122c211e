"""Lay out a partner shop's printable A5 QR poster with shaped Thai text, and render it as PNG.

The layout is drawn on a Canvas in 200 dpi pixels: Pillow draws the PNG, and
`ecolife.posters_pdf` draws the same layout as a vector PDF."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

from PIL import Image, ImageDraw, ImageFont, features

from ecolife.qr import qr_image

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR = "Sarabun-Regular.ttf"
BOLD = "Sarabun-Bold.ttf"

DPI = 200
WIDTH, HEIGHT = 1165, 1654  # A5 portrait (148 x 210 mm) at 200 dpi
MARGIN = 80
CONTENT_WIDTH = WIDTH - 2 * MARGIN
HEADER_HEIGHT = 190
FOOTER_HEIGHT = 150
NAME_MAX_SIZE = 96
NAME_ONE_LINE_MIN_SIZE = 64  # below this, a name with spaces wraps onto two lines

Colour = tuple[int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom, inclusive as in Pillow
Anchor = Literal["ms", "ls"]  # Pillow text anchors: middle or left, on the baseline
WHITE: Colour = (255, 255, 255)
GREEN_DARK: Colour = (27, 94, 32)
GREEN: Colour = (46, 125, 50)
GREEN_LIGHT: Colour = (165, 214, 167)
GREEN_PALE: Colour = (232, 245, 233)
INK: Colour = (27, 38, 29)
MUTED: Colour = (84, 110, 87)
LEAF_VEIN_WIDTH = 3

SHAPING_ERROR = (
    "Thai text shaping is unavailable: Pillow needs libraqm, which loads libfribidi at run "
    "time. Install libfribidi0 (Debian/Ubuntu: apt-get install libfribidi0) and restart."
)


@dataclass(frozen=True)
class PosterInfo:
    """What a shop poster shows; url is the QR payload, printed under the code."""

    name_th: str
    name_en: str | None
    district_th: str | None
    url: str


def thai_shaping_available() -> bool:
    """Return True when Pillow can shape Thai text (libraqm is usable)."""
    return bool(features.check("raqm"))


@lru_cache(maxsize=128)
def load_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """Load a shipped font at a pixel size with the RAQM (shaping) layout engine."""
    if not thai_shaping_available():
        raise RuntimeError(SHAPING_ERROR)
    return ImageFont.truetype(str(FONT_DIR / name), size, layout_engine=ImageFont.Layout.RAQM)


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Return the width text needs when centred on its advance, ink overhangs included."""
    left, _, right, _ = font.getbbox(text)
    half = font.getlength(text) / 2
    return 2 * max(half - min(0, left), max(2 * half, right) - half)


def fit_font(
    text: str, name: str, max_size: int, max_width: float = CONTENT_WIDTH, min_size: int = 6
) -> ImageFont.FreeTypeFont:
    """Return the largest font (at most max_size) in which text fits max_width."""
    size = max_size
    while size > min_size and text_width(load_font(name, size), text) > max_width:
        size -= 1
    return load_font(name, size)


def name_lines(name: str) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """Split a shop name into one or two lines (at a space only) and fit their font size."""
    font = fit_font(name, BOLD, NAME_MAX_SIZE)
    words = name.split()
    if font.size >= NAME_ONE_LINE_MIN_SIZE or len(words) < 2:
        return [name], font
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    big = load_font(BOLD, NAME_MAX_SIZE)
    best = min(splits, key=lambda pair: max(text_width(big, part) for part in pair))
    size = min(fit_font(part, BOLD, NAME_ONE_LINE_MIN_SIZE).size for part in best)
    return list(best), load_font(BOLD, size)


def _line_extent(font: ImageFont.FreeTypeFont, text: str) -> tuple[int, int]:
    """Return the space a line needs above and below its baseline (Thai stacks marks)."""
    ascent, descent = font.getmetrics()
    if any("\u0e00" <= char <= "\u0e7f" for char in text):
        return round(font.size * 1.26), round(font.size * 0.36)
    return ascent, descent


class Canvas(Protocol):
    """Where the poster is drawn, in 200 dpi pixels: a Pillow image or a vector PDF page."""

    def rectangle(self, box: Box, fill: Colour) -> None: ...

    def card(self, box: Box, radius: int, fill: Colour, outline: Colour, width: int) -> None: ...

    def line(self, start: Point, end: Point, fill: Colour, width: int) -> None: ...

    def text(
        self, xy: Point, text: str, font: ImageFont.FreeTypeFont, fill: Colour, anchor: Anchor
    ) -> None: ...

    def leaf(self, xy: Point, size: int, fill: Colour, vein: Colour) -> None: ...

    def qr(self, code: Image.Image, xy: Point, module: int) -> None:
        """Draw a QR image of one pixel per module (quiet zone included) scaled to module px."""


class ImageCanvas:
    """Draw the poster on a white Pillow image."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
        self.draw = ImageDraw.Draw(self.image)

    def rectangle(self, box: Box, fill: Colour) -> None:
        self.draw.rectangle(box, fill=fill)

    def card(self, box: Box, radius: int, fill: Colour, outline: Colour, width: int) -> None:
        self.draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)

    def line(self, start: Point, end: Point, fill: Colour, width: int) -> None:
        self.draw.line((start, end), fill=fill, width=width)

    def text(
        self, xy: Point, text: str, font: ImageFont.FreeTypeFont, fill: Colour, anchor: Anchor
    ) -> None:
        self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)

    def leaf(self, xy: Point, size: int, fill: Colour, vein: Colour) -> None:
        icon = _leaf(size, fill, vein)
        self.image.paste(icon, (round(xy[0]), round(xy[1])), icon)

    def qr(self, code: Image.Image, xy: Point, module: int) -> None:
        big = code.resize((code.width * module, code.height * module), Image.Resampling.NEAREST)
        self.image.paste(big.convert("RGB"), (round(xy[0]), round(xy[1])))


def _write(
    canvas: Canvas, y: float, text: str, font: ImageFont.FreeTypeFont, fill: Colour
) -> float:
    """Draw text centred on the page below y and return the y under its line box."""
    above, below = _line_extent(font, text)
    canvas.text((WIDTH / 2, y + above), text, font, fill, "ms")
    return y + above + below


def leaf_shape(size: float) -> tuple[list[Point], tuple[Point, Point]]:
    """Return a leaf's outline and vein inside a size x size box, tilted up to the right."""
    length, half = size * 1.15, size * 0.27
    steps = [i / 40 for i in range(41)]
    upper = [(length * t, half * math.sin(math.pi * t)) for t in steps]
    lower = [(length * t, -half * math.sin(math.pi * t)) for t in reversed(steps)]
    turn = math.radians(-45)

    def place(x: float, y: float) -> Point:
        x -= length / 2
        return (
            size / 2 + x * math.cos(turn) - y * math.sin(turn),
            size / 2 + x * math.sin(turn) + y * math.cos(turn),
        )

    vein = (place(length * 0.08, 0), place(length * 0.8, 0))
    return [place(x, y) for x, y in upper + lower], vein


def _leaf(size: int, fill: Colour, vein: Colour) -> Image.Image:
    """Return an anti-aliased leaf icon on a transparent background."""
    scale = 4  # draw big and shrink: Pillow's polygons have no anti-aliasing
    icon = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    outline, (start, end) = leaf_shape(size * scale)
    draw.polygon(outline, fill=fill)
    draw.line([start, end], fill=vein, width=LEAF_VEIN_WIDTH * scale)
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def _draw_header(canvas: Canvas) -> None:
    """Draw the green programme band: leaf, "ECO LIFE ลำพูน" and the partner label."""
    canvas.rectangle((0, 0, WIDTH - 1, HEADER_HEIGHT - 1), GREEN_DARK)
    latin, thai = "ECO LIFE ", "ลำพูน"
    font = load_font(BOLD, 76)
    icon = 72
    title = text_width(font, latin) + text_width(font, thai)
    x = (WIDTH - (icon + 16 + title)) / 2
    baseline = 106
    canvas.leaf((round(x), baseline - 28 - icon // 2), icon, GREEN_LIGHT, GREEN_DARK)
    x += icon + 16
    canvas.text((x, baseline), latin, font, WHITE, "ls")
    canvas.text((x + font.getlength(latin), baseline), thai, font, GREEN_LIGHT, "ls")
    label = "ร้านค้าร่วมโครงการ  ·  Partner shop"
    canvas.text((WIDTH / 2, 164), label, load_font(REGULAR, 30), GREEN_PALE, "ms")


def _district_line(district_th: str) -> str:
    """Return the district as printed, prefixed with "อำเภอ" unless it has a prefix."""
    district = district_th.strip()
    if district.startswith(("อำเภอ", "อ.", "เขต", "กิ่งอำเภอ")):
        return district
    return f"อำเภอ{district}"


def _draw_shop(canvas: Canvas, info: PosterInfo, y: float) -> float:
    """Draw the shop's Thai name, English name and district; return the y below them."""
    lines, font = name_lines(info.name_th)
    for line in lines:
        y = _write(canvas, y, line, font, GREEN_DARK)
    name_en = (info.name_en or "").strip()
    if name_en:
        y = _write(canvas, y + 2, name_en, fit_font(name_en, REGULAR, 44), INK)
    if info.district_th and info.district_th.strip():
        district = _district_line(info.district_th)
        y = _write(canvas, y + 4, district, fit_font(district, REGULAR, 34), MUTED)
    return y


def _draw_call_to_action(canvas: Canvas, y: float) -> float:
    """Draw the Thai and English call to action; return the y below them."""
    y = _write(canvas, y, "ลดใช้พลาสติก สแกนรับแต้ม", load_font(BOLD, 58), GREEN)
    return _write(canvas, y - 6, "Refuse plastic, scan for points", load_font(REGULAR, 36), MUTED)


def _draw_qr_card(canvas: Canvas, url: str, top: float, bottom: float) -> None:
    """Draw the QR code (quiet zone included) and its URL in a card between top and bottom."""
    pad, inset = 14, 20  # white padding around the QR and beside the URL
    url_font = fit_font(url, REGULAR, 30, max_width=CONTENT_WIDTH - 2 * (pad + inset))
    url_above, url_below = _line_extent(url_font, url)
    target = min(bottom - top - 2 * pad - url_above - url_below - 10, round(WIDTH * 0.68))
    code = qr_image(url, box_size=1, border=4)
    module = max(1, int(target // code.width))
    side = code.width * module
    card_w = max(side, text_width(url_font, url)) + 2 * (pad + inset)
    card_h = side + url_above + url_below + 2 * pad + 10
    left = round((WIDTH - card_w) / 2)
    card_top = round(top + (bottom - top - card_h) / 2)
    box = (left, card_top, left + card_w - 1, card_top + card_h)
    canvas.card(box, radius=36, fill=WHITE, outline=GREEN, width=6)
    canvas.qr(code, (round((WIDTH - side) / 2), card_top + pad), module)
    _write(canvas, card_top + pad + side, url, url_font, INK)


def _draw_footer(canvas: Canvas) -> None:
    """Draw the green slogan band at the bottom of the poster."""
    top = HEIGHT - FOOTER_HEIGHT
    canvas.rectangle((0, top, WIDTH - 1, HEIGHT - 1), GREEN_DARK)
    canvas.text((WIDTH / 2, top + 88), "ลดรับ  ลดให้  ลดใช้", load_font(BOLD, 64), WHITE, "ms")
    slogan = "Refuse  ·  Don't hand out  ·  Use less plastic"
    canvas.text((WIDTH / 2, top + 128), slogan, load_font(REGULAR, 28), GREEN_LIGHT, "ms")


def draw_poster(canvas: Canvas, info: PosterInfo) -> None:
    """Lay the shop's A5 poster out on canvas, its QR code in the middle."""
    if not thai_shaping_available():
        raise RuntimeError(SHAPING_ERROR)
    _draw_header(canvas)
    y = _draw_shop(canvas, info, HEADER_HEIGHT + 28)
    canvas.line((WIDTH / 2 - 120, y + 14), (WIDTH / 2 + 120, y + 14), GREEN_LIGHT, 4)
    y = _draw_call_to_action(canvas, y + 24)
    _draw_qr_card(canvas, info.url, y + 8, HEIGHT - FOOTER_HEIGHT - 24)
    _draw_footer(canvas)


def render_poster(info: PosterInfo) -> Image.Image:
    """Render the shop's A5 poster as a 200 dpi RGB image."""
    canvas = ImageCanvas()
    draw_poster(canvas, info)
    return canvas.image


def poster_png(info: PosterInfo) -> bytes:
    """Return the poster as PNG bytes tagged with 200 dpi."""
    buffer = io.BytesIO()
    render_poster(info).save(buffer, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()
