"""The printable member card: page sizes, the Thai name shaped and copyable, long names kept
inside the card, and the QR readable with its typed form under it."""

import io

import pypdfium2
import pytest
import zxingcpp

from ecolife.card_pdf import CardInfo, card_pdf

CODE = "ACDE-FGHJ-KMNP"
MM = 72 / 25.4


def _page(data: bytes):
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    text_page = page.get_textpage()
    return document, page, text_page


@pytest.mark.parametrize("size, expected", [("card", (85.6, 54)), ("a6", (105, 148))])
def test_the_pages_have_the_printed_size_and_carry_name_code_and_programme(size, expected):
    data = card_pdf(CardInfo("นายปั้ม ที่ดี", CODE), size)
    document, page, text_page = _page(data)
    try:
        width, height = page.get_size()
        assert (width / MM, height / MM) == pytest.approx(expected, abs=0.05)
        lines = text_page.get_text_range().splitlines()
        # Copying gives the name as written (ActualText), not the shaped glyphs' order.
        assert "นายปั้ม ที่ดี" in lines and CODE in lines
        assert "ECO LIFE ลำพูน" in lines and "บัตรสมาชิก · Member card" in lines
        image = page.render(scale=300 / 72).to_pil()
        assert [b.text for b in zxingcpp.read_barcodes(image)] == [CODE]
        # The typed form is printed under the QR.
        [qr] = zxingcpp.read_barcodes(image)
        qr_bottom = max(p.y for p in (qr.position.bottom_left, qr.position.bottom_right))
        code_box = _text_box(text_page, CODE)
        assert code_box[1] * 300 / 72 < image.height - qr_bottom  # PDF y grows upwards
    finally:
        document.close()
    assert b"Sarabun" in data  # the font is embedded: prints the same on any computer


@pytest.mark.parametrize(
    "name",
    [
        "นางสาวประภาพรรณ์ ศรีสุวรรณเจริญกิจ",
        "นายเอกราชวงศ์ศักดิ์ศรีสวัสดิ์ ณ อยุธยา เจริญพงศ์พันธุ์ไพบูลย์",
        "ก" * 80,
    ],
)
@pytest.mark.parametrize("size", ["card", "a6"])
def test_a_long_name_stays_inside_the_card(name, size):
    data = card_pdf(CardInfo(name, CODE), size)
    document, page, text_page = _page(data)
    try:
        width, height = page.get_size()
        for index in range(text_page.count_rects()):
            left, bottom, right, top = text_page.get_rect(index)
            assert left >= 0 and right <= width + 0.5, (name, left, right, width)
            assert bottom >= 0 and top <= height + 0.5, (name, bottom, top, height)
        image = page.render(scale=300 / 72).to_pil()
        assert [b.text for b in zxingcpp.read_barcodes(image)] == [CODE]
        # The whole name is there (perhaps over two lines).
        assert "".join(name.split()) in "".join(text_page.get_text_range().split())
    finally:
        document.close()


def _text_box(text_page, needle: str) -> tuple[float, float, float, float]:
    searcher = text_page.search(needle)
    start, count = searcher.get_next()
    boxes = [text_page.get_charbox(i) for i in range(start, start + count)]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def test_the_card_renders_in_memory_only():
    data = card_pdf(CardInfo("ยายแก้ว ใจดี", CODE), "a6")
    assert data.startswith(b"%PDF") and io.BytesIO(data).getbuffer().nbytes < 200_000
