"""Render a resident's member card as a vector PDF: credit-card size (85.6 × 54 mm, ID-1) or
an A6 page, with the programme's name, the holder's Thai name (Sarabun embedded, shaped as
the poster's is), the card's QR as paths and its typed form under it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from ecolife.posters import (
    GREEN_DARK,
    GREEN_LIGHT,
    GREEN_PALE,
    INK,
    MUTED,
    WHITE,
    Colour,
    leaf_shape,
)
from ecolife.posters_pdf import FAMILY, close_fonts, dark_runs, sarabun_page
from ecolife.qr import qr_image

CardSize = Literal["card", "a6"]
CARD_SIZES: tuple[CardSize, ...] = ("card", "a6")
PROGRAMME_LATIN, PROGRAMME_THAI = "ECO LIFE ", "ลำพูน"
CARD_LABEL = "บัตรสมาชิก · Member card"
HOW_TO_TH = "ยื่นบัตรนี้ที่ร้านค้าร่วมโครงการ เพื่อสะสมแต้ม"
HOW_TO_EN = "Show this card at partner shops to earn points."
PIN_NOTE_TH = "แลกของรางวัลด้วยรหัส PIN 4 หลักของท่าน"
MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class CardInfo:
    """What a member card shows: the holder's name and the card code (display form)."""

    display_name: str
    code: str  # "ABCD-EFGH-JKMN": the QR's payload, printed under it


class _CardPdf:
    """One page in millimetres, Sarabun loaded, Thai shaping on (as the poster's)."""

    def __init__(self, width: float, height: float) -> None:
        self.pdf = sarabun_page("mm", (width, height))
        self.width = width

    def close(self) -> None:
        close_fonts(self.pdf)

    def band(self, height: float, title_size: float, label_size: float) -> None:
        """The green programme band across the top: leaf, "ECO LIFE ลำพูน", the card label."""
        pdf = self.pdf
        pdf.set_fill_color(*GREEN_DARK)
        pdf.rect(0, 0, self.width, height, "F")
        pdf.set_font(FAMILY, "B", title_size)
        icon = title_size * MM_PER_PT * 0.95
        title = pdf.get_string_width(PROGRAMME_LATIN) + pdf.get_string_width(PROGRAMME_THAI)
        x = (self.width - (icon * 1.2 + title)) / 2
        baseline = height * 0.55
        self.leaf(x, baseline - icon * 0.85, icon)
        x += icon * 1.2
        self.text(x, baseline, PROGRAMME_LATIN, title_size, WHITE, bold=True)
        pdf.set_font(FAMILY, "B", title_size)
        x += pdf.get_string_width(PROGRAMME_LATIN)
        self.text(x, baseline, PROGRAMME_THAI, title_size, GREEN_LIGHT, bold=True)
        self.centred(self.width / 2, height * 0.86, CARD_LABEL, label_size, GREEN_PALE)

    def leaf(self, x: float, y: float, size: float) -> None:
        outline, (start, end) = leaf_shape(size)
        pdf = self.pdf
        pdf.set_fill_color(*GREEN_LIGHT)
        pdf.polygon([(x + px, y + py) for px, py in outline], style="F")
        pdf.set_draw_color(*GREEN_DARK)
        pdf.set_line_width(size * 0.05)
        pdf.line(x + start[0], y + start[1], x + end[0], y + end[1])

    def text(
        self, x: float, baseline: float, text: str, size: float, colour: Colour, *, bold=False
    ) -> float:
        """Write one line whose left end is x on the baseline; return its width."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        width = pdf.get_string_width(text)
        height = size * MM_PER_PT
        pdf.set_xy(x, baseline - 0.8 * height)  # fpdf2's one-line baseline: 0.8 size down
        with pdf.actual_text(text):
            pdf.cell(width, height, text)
        return width

    def centred(
        self, centre: float, baseline: float, text: str, size: float, colour: Colour, *, bold=False
    ) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        width = self.pdf.get_string_width(text)
        self.text(centre - width / 2, baseline, text, size, colour, bold=bold)

    def fit(self, text: str, width: float, largest: float, smallest: float, *, bold=False):
        """The largest font size (steps of 0.5 pt) at which text fits in width, or None."""
        size = largest
        while size >= smallest:
            self.pdf.set_font(FAMILY, "B" if bold else "", size)
            if self.pdf.get_string_width(text) <= width:
                return size
            size -= 0.5
        return None

    def name(
        self, text: str, x: float, baseline: float, width: float, largest: float, *, centre=False
    ) -> float:
        """Write the holder's name in bold, as large as fits (on two lines if it must, and
        smaller still if even that is too wide); return the baseline of its last line."""
        size = self.fit(text, width, largest, largest * 0.6, bold=True)
        lines = [text]
        if size is None:
            lines = _two_lines(text)
            size = min(self._fitted(line, width, largest) for line in lines)
        step = size * MM_PER_PT * 1.25
        for index, line in enumerate(lines):
            y = baseline + index * step
            if centre:
                self.centred(x + width / 2, y, line, size, GREEN_DARK, bold=True)
            else:
                self.text(x, y, line, size, GREEN_DARK, bold=True)
        return baseline + (len(lines) - 1) * step

    def _fitted(self, line: str, width: float, largest: float) -> float:
        """The size at which a bold line fits in width: down to 4 pt in steps, then exactly."""
        size = self.fit(line, width, largest, 4, bold=True)
        if size is None:
            self.pdf.set_font(FAMILY, "B", 4)
            size = 4 * width / self.pdf.get_string_width(line) * 0.98
        return size

    def qr(self, payload: str, x: float, y: float, size: float) -> None:
        """Draw the QR (with its quiet zone inside `size`) as one filled path."""
        code = qr_image(payload, box_size=1, border=0)
        step = size / (code.width + 4)
        left, top = x + 2 * step, y + 2 * step
        pdf = self.pdf
        pdf.set_fill_color(*WHITE)
        pdf.rect(x, y, size, size, "F")
        pdf.set_fill_color(0, 0, 0)
        with pdf.new_path() as path:
            path.style.fill_color = "#000000"
            path.style.stroke_color = None
            for row, start, length in dark_runs(code):
                path.rectangle(left + start * step, top + row * step, length * step, step)

    def output(self, info: CardInfo) -> bytes:
        self.pdf.set_title(f"{info.display_name} · {info.code}")
        self.pdf.set_lang("th")
        self.pdf.set_creator("EcoLife")
        return bytes(self.pdf.output())


def _two_lines(text: str) -> list[str]:
    """Split a long name at the space nearest its middle (Thai names have one between the
    given name and the family name); a name without spaces, between the letters nearest its
    middle (never before a Thai vowel or tone mark, which belong to the letter before)."""
    words = text.split()
    if len(words) >= 2:
        best = min(
            range(1, len(words)),
            key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
        )
        return [" ".join(words[:best]), " ".join(words[best:])]
    starts = [i for i in range(1, len(text)) if not unicodedata.category(text[i]).startswith("M")]
    if not starts:
        return [text]
    middle = min(starts, key=lambda i: abs(2 * i - len(text)))
    return [text[:middle], text[middle:]]


def _credit_card(info: CardInfo) -> bytes:
    """85.6 × 54 mm, landscape: the band, then the QR on the left with the code under it and
    the name and how-to on the right."""
    card = _CardPdf(85.6, 54)
    try:
        card.band(11, 11, 5.5)
        qr_size = 29
        card.qr(info.code, 3, 13, qr_size)
        card.centred(3 + qr_size / 2, 46.5, info.code, 8.5, INK, bold=True)
        column, width = 35, 47.6
        bottom = card.name(info.display_name, column, 20, width, 13)
        card.pdf.set_draw_color(*GREEN_LIGHT)
        card.pdf.set_line_width(0.3)
        card.pdf.line(column, bottom + 2.5, column + width, bottom + 2.5)
        y = bottom + 7
        for line in _wrapped(card, HOW_TO_TH, width, 6.5) + [PIN_NOTE_TH]:
            card.text(column, y, line, 6.5 if line != PIN_NOTE_TH else 5.5, MUTED)
            y += 3.6
        for line in _wrapped(card, HOW_TO_EN, width, 5.5):
            card.text(column, y, line, 5.5, MUTED)
            y += 3
        card.pdf.set_draw_color(*GREEN_DARK)
        card.pdf.set_line_width(0.2)
        card.pdf.rect(0.1, 0.1, 85.4, 53.8, round_corners=True, corner_radius=3)
        return card.output(info)
    finally:
        card.close()


def _a6(info: CardInfo) -> bytes:
    """A6 portrait (105 × 148 mm): the band, the name, a large QR, the code, the how-to."""
    card = _CardPdf(105, 148)
    try:
        card.band(24, 20, 10)
        bottom = card.name(info.display_name, 8, 40, 89, 22, centre=True)
        how_to = _wrapped(card, HOW_TO_TH, 89, 11)
        top = bottom + 5
        # The QR takes what the name and the lines under it leave (70 mm at most).
        below = 19 + 5.5 * (len(how_to) - 1) + 5 + 5
        qr_size = min(70, 148 - 5 - top - below)
        card.qr(info.code, (105 - qr_size) / 2, top, qr_size)
        card.centred(52.5, top + qr_size + 10, info.code, 18, INK, bold=True)
        y = top + qr_size + 19
        for line in how_to:
            card.centred(52.5, y, line, 11, MUTED)
            y += 5.5
        card.centred(52.5, y, PIN_NOTE_TH, 9, MUTED)
        card.centred(52.5, y + 5, HOW_TO_EN, 8.5, MUTED)
        return card.output(info)
    finally:
        card.close()


def _wrapped(card: _CardPdf, text: str, width: float, size: float) -> list[str]:
    """Break text at spaces into lines no wider than width (Thai: the how-to's spaces)."""
    card.pdf.set_font(FAMILY, "", size)
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and card.pdf.get_string_width(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def card_pdf(info: CardInfo, size: CardSize = "card") -> bytes:
    """Return the member card as a one-page vector PDF whose text can be copied."""
    return _credit_card(info) if size == "card" else _a6(info)
