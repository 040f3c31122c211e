"""QR codes and shop posters: they scan back exactly, are A5, and shape Thai text."""

from __future__ import annotations

import ctypes
import io
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pypdfium2 import raw as pdfium

from ecolife import posters, posters_pdf
from ecolife.posters import PosterInfo, poster_png, render_poster
from ecolife.posters_pdf import poster_pdf
from ecolife.qr import qr_image, qr_png

A5_MM = (148.0, 210.0)
MM_PER_INCH = 25.4
FONT_PATHS = [posters.FONT_DIR / posters.REGULAR, posters.FONT_DIR / posters.BOLD]
LONG_URL = "https://ecolife.example/q/" + "Ab3_-xYz9" * 20
SAMPLE = PosterInfo(
    name_th="ร้านกาแฟปั้มน้ำที่ลำพูน",
    name_en="Pump Water Coffee Lamphun",
    district_th="เมืองลำพูน",
    url="https://ecolife.example/q/AbCdEfGhIjKlMnOpQrStUv",
)
LONG_THAI_NAME = "ร้านก๋วยเตี๋ยวเรือต้มยำน้ำตกสูตรโบราณคุณยายบุญศรีปากซอยวัดพระธาตุหริภุญชัย" * 2
# Names whose marks stack (tone over upper vowel, tone over nikhahit, below vowel + tone).
HARD_THAI_NAMES = ["ร้านที่ปั้ม", "ร้านกาแฟปั้มน้ำที่ลำพูน", "ก๋วยเตี๋ยวเจ๊ติ๋ม ผู้ใหญ่ปู่", "ร้านค้าร่วมโครงการ"]


def decode_qr(image: Image.Image) -> list[str]:
    """Return the texts of all QR codes zxing-cpp finds in image."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


@contextmanager
def pdf_page(data: bytes) -> Iterator[pypdfium2.PdfPage]:
    """Open the first page of a PDF held in memory."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        yield page
        page.close()
    finally:
        document.close()


def pdf_lines(data: bytes) -> list[str]:
    """Return the text of a PDF's first page, line by line, as a PDF reader copies it."""
    with pdf_page(data) as page:
        text_page = page.get_textpage()
        text = text_page.get_text_range()
        text_page.close()
    return text.splitlines()


def render_text(text: str, engine: ImageFont.Layout, path: Path = FONT_PATHS[0]) -> Image.Image:
    """Render text in black on white with the shipped font and the given layout engine."""
    font = ImageFont.truetype(str(path), 100, layout_engine=engine)
    image = Image.new("L", (400, 260), 255)
    ImageDraw.Draw(image).text((40, 190), text, font=font, fill=0, anchor="ls")
    return image


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    """Return the bounding box of the dark pixels of a black-on-white image."""
    box = Image.eval(image, lambda value: 255 - value).getbbox()
    assert box is not None, "nothing was drawn"
    return box


# --- QR codes ---------------------------------------------------------------


@pytest.mark.parametrize("data", ["https://ecolife.example/q/Ab3xYz", LONG_URL, "HELLO 123"])
def test_qr_png_decodes_to_exactly_the_input(data: str) -> None:
    image = Image.open(io.BytesIO(qr_png(data)))
    assert image.format == "PNG"
    assert decode_qr(image) == [data]


def test_qr_image_is_black_on_white_with_error_correction_m() -> None:
    image = qr_image("https://ecolife.example/q/Ab3xYz", box_size=4, border=4)
    assert image.mode in {"L", "RGB"}
    histogram = image.convert("L").histogram()
    assert [value for value, count in enumerate(histogram) if count] == [0, 255]
    assert image.getpixel((0, 0)) in (255, (255, 255, 255))
    (barcode,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert barcode.ec_level == "M"


def test_qr_image_size_follows_box_size_and_border() -> None:
    small = qr_image("x", box_size=1, border=0)
    big = qr_image("x", box_size=10, border=4)
    assert big.size == ((small.width + 8) * 10,) * 2


# --- posters: scanning and page size -----------------------------------------


def test_poster_png_scans_to_the_url_and_is_a5_at_200_dpi() -> None:
    image = Image.open(io.BytesIO(poster_png(SAMPLE)))
    assert decode_qr(image) == [SAMPLE.url]
    assert image.size == (posters.WIDTH, posters.HEIGHT)
    dpi_x, dpi_y = image.info["dpi"]
    assert round(dpi_x) == round(dpi_y) == 200
    width_mm, height_mm = (pixels / 200 * MM_PER_INCH for pixels in image.size)
    assert abs(width_mm - A5_MM[0]) < 1 and abs(height_mm - A5_MM[1]) < 1


def test_poster_pdf_is_one_a5_page_that_scans_to_the_url() -> None:
    data = poster_pdf(SAMPLE)
    assert data.startswith(b"%PDF")
    with pdf_page(data) as page:
        width_pt, height_pt = page.get_size()
        page_image = page.render(scale=150 / 72).to_pil()
    assert abs(width_pt / 72 * MM_PER_INCH - A5_MM[0]) < 1
    assert abs(height_pt / 72 * MM_PER_INCH - A5_MM[1]) < 1
    assert decode_qr(page_image) == [SAMPLE.url]


def test_poster_without_english_name_or_district_still_scans() -> None:
    info = PosterInfo(name_th="ร้านป้าแดง", name_en=None, district_th=None, url=LONG_URL)
    assert decode_qr(Image.open(io.BytesIO(poster_png(info)))) == [LONG_URL]


@settings(max_examples=10, deadline=None)
@given(token=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64))
def test_any_url_safe_token_scans_back_exactly(token: str) -> None:
    url = f"https://x.example/q/{token}"
    info = PosterInfo(name_th="ร้านทดสอบ", name_en="Test shop", district_th="ลี้", url=url)
    assert decode_qr(Image.open(io.BytesIO(poster_png(info)))) == [url]


def test_poster_qr_spans_at_least_60_percent_of_the_width() -> None:
    image = render_poster(SAMPLE).convert("L")
    modules = qr_image(SAMPLE.url, box_size=1, border=0).width
    black = Image.eval(image, lambda value: 255 if value == 0 else 0).getbbox()
    assert black is not None  # only the QR modules are pure black on the poster
    module = (black[2] - black[0]) / modules
    assert (modules + 8) * module >= 0.6 * posters.WIDTH  # the symbol plus its quiet zone
    assert black[0] > posters.MARGIN and black[2] < posters.WIDTH - posters.MARGIN


# --- Thai text ---------------------------------------------------------------


def test_thai_shaping_is_available_and_used_for_poster_text() -> None:
    assert posters.thai_shaping_available() is True
    for name in (posters.REGULAR, posters.BOLD):
        assert posters.load_font(name, 40).layout_engine == ImageFont.Layout.RAQM


@pytest.mark.parametrize("text", ["ที่", "ปั้ม", "น้ำ"])
@pytest.mark.parametrize("path", FONT_PATHS, ids=lambda path: path.stem)
def test_raqm_stacks_thai_marks_that_basic_layout_collides(text: str, path: Path) -> None:
    shaped = render_text(text, ImageFont.Layout.RAQM, path)
    unshaped = render_text(text, ImageFont.Layout.BASIC, path)
    assert shaped.tobytes() != unshaped.tobytes()
    # Shaping lifts the tone mark above the upper vowel, so the ink reaches higher.
    assert ink_box(shaped)[1] < ink_box(unshaped)[1] - 10


@pytest.mark.parametrize("path", FONT_PATHS, ids=lambda path: path.stem)
def test_fonts_have_thai_and_latin_glyphs(path: Path) -> None:
    notdef = render_text("\u4e00", ImageFont.Layout.BASIC, path).tobytes()  # not in Sarabun
    for char in "กขฎญฐปพลหอฮะาำเแโใไ" + "ีุู่้๊๋ั์" + "AZaz09/:.-_?=&%":
        glyph = render_text(char, ImageFont.Layout.BASIC, path)
        assert Image.eval(glyph, lambda value: 255 - value).getbbox(), f"{char!r} has no ink"
        assert glyph.tobytes() != notdef, f"{char!r} is missing from {path.name}"


def test_render_poster_refuses_to_draw_unshaped_thai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(posters.features, "check", lambda feature: False)
    assert posters.thai_shaping_available() is False
    with pytest.raises(RuntimeError, match="libfribidi0"):
        render_poster(SAMPLE)


# --- fitting long names ------------------------------------------------------


def test_long_thai_name_is_shrunk_to_fit_between_the_margins() -> None:
    lines, font = posters.name_lines(LONG_THAI_NAME)
    assert lines == [LONG_THAI_NAME]  # no spaces, so no mid-syllable wrap
    assert font.size < posters.NAME_MAX_SIZE
    left, _, right, _ = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        (posters.WIDTH / 2, 500), LONG_THAI_NAME, font=font, anchor="ms"
    )
    assert left >= posters.MARGIN and right <= posters.WIDTH - posters.MARGIN


def test_long_name_with_spaces_wraps_at_a_space_onto_two_lines() -> None:
    name = "ร้านก๋วยเตี๋ยวเรือต้มยำน้ำตก สูตรโบราณคุณยายบุญศรี ปากซอยวัดพระธาตุ"
    lines, font = posters.name_lines(name)
    assert len(lines) == 2 and " ".join(lines) == name
    assert all(posters.text_width(font, line) <= posters.CONTENT_WIDTH for line in lines)


@pytest.mark.parametrize(
    "info",
    [
        PosterInfo(LONG_THAI_NAME, "Boat Noodles " * 12, "เมืองลำพูน" * 6, LONG_URL),
        PosterInfo("ร้าน " * 40, None, None, SAMPLE.url),
        SAMPLE,
    ],
    ids=["long-everything", "many-words", "sample"],
)
def test_nothing_is_drawn_in_the_side_margins(info: PosterInfo) -> None:
    image = render_poster(info)
    body = (posters.HEADER_HEIGHT, posters.HEIGHT - posters.FOOTER_HEIGHT)
    for strip in ((0, posters.MARGIN), (posters.WIDTH - posters.MARGIN, posters.WIDTH)):
        margin = image.crop((strip[0], body[0], strip[1], body[1]))
        assert margin.getextrema() == ((255, 255),) * 3
    assert decode_qr(image) == [info.url]


# --- the PDF poster: vector, Sarabun embedded, text that can be copied --------


@pytest.mark.parametrize("name", HARD_THAI_NAMES)
def test_poster_pdf_text_copies_exactly_as_written(name: str) -> None:
    info = PosterInfo(name, "Pump Water Coffee", "ลี้", SAMPLE.url)
    lines = pdf_lines(poster_pdf(info))
    assert name in lines
    for line in ["Pump Water Coffee", "อำเภอลี้", "ลดใช้พลาสติก สแกนรับแต้ม", SAMPLE.url]:
        assert line in lines
    assert {"ECO LIFE ลำพูน", "ลดรับ ลดให้ ลดใช้"} <= {" ".join(line.split()) for line in lines}


def test_poster_pdf_embeds_sarabun_for_all_its_text() -> None:
    fonts = set()
    with pdf_page(poster_pdf(SAMPLE)) as page:
        for text in page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_TEXT]):
            font = pdfium.FPDFTextObj_GetFont(text.raw)
            size = pdfium.FPDFFont_GetBaseFontName(font, None, 0)
            name = ctypes.create_string_buffer(size)
            pdfium.FPDFFont_GetBaseFontName(font, name, size)
            fonts.add((name.value.decode().split("+")[-1], pdfium.FPDFFont_GetIsEmbedded(font)))
    assert fonts == {("Sarabun", 1), ("SarabunBold", 1)}  # the two shipped files, subset


@pytest.mark.parametrize("info", [SAMPLE, PosterInfo(LONG_THAI_NAME, None, None, LONG_URL)])
def test_poster_pdf_is_vector_small_and_scans_at_150_dpi(info: PosterInfo) -> None:
    data = poster_pdf(info)
    assert len(data) < 100_000  # the 200 dpi picture it replaces weighed about 330 KB
    with pdf_page(data) as page:
        assert not list(page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE]))
        image = page.render(scale=150 / 72).to_pil()
    assert decode_qr(image) == [info.url]


def test_poster_pdf_draws_shaped_thai_where_the_png_does() -> None:
    info = PosterInfo("ร้านที่ปั้มน้ำ", None, None, SAMPLE.url)
    with pdf_page(poster_pdf(info)) as page:
        pdf_image = page.render(scale=posters.DPI / 72).to_pil()
    band = (posters.MARGIN, posters.HEADER_HEIGHT + 2, posters.WIDTH - posters.MARGIN, 390)

    def ink(image: Image.Image) -> Image.Image:
        return Image.eval(image.convert("L").crop(band), lambda value: 255 if value < 160 else 0)

    png_ink, pdf_ink = ink(render_poster(info)), ink(pdf_image)
    png_box, pdf_box = png_ink.getbbox(), pdf_ink.getbbox()
    assert png_box and pdf_box
    # Unshaped, the tone marks collide with the upper vowels and the ink top drops ~25 px.
    assert all(abs(a - b) <= 2 for a, b in zip(png_box, pdf_box, strict=True))
    differing = ImageChops.difference(png_ink, pdf_ink).histogram()[255]
    assert differing < 0.12 * png_ink.histogram()[255]


def test_poster_pdf_refuses_to_lay_out_without_shaping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(posters.features, "check", lambda feature: False)
    with pytest.raises(RuntimeError, match="libfribidi0"):
        posters_pdf.poster_pdf(SAMPLE)
