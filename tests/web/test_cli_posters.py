"""`ecolife posters` and `ecolife verify-ledger`."""

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import update

from ecolife.extensions import db
from ecolife.models import Shop, User
from ecolife.services import shop_qr
from tests.factories import scan


def decode_pdf(path) -> list[str]:
    page = pypdfium2.PdfDocument(str(path))[0]
    image = page.render(scale=1.5).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_posters_writes_one_pdf_per_active_shop(runner, app, make_shop, tmp_path):
    active = [make_shop()[0] for _ in range(2)]
    make_shop(active=False)
    out = tmp_path / "posters"
    result = runner.invoke(args=["posters", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 posters for 2 active shops" in result.output
    files = sorted(out.iterdir())
    assert [f.name.split("-")[1] for f in files] == [str(i) for i in active]
    with app.app_context():
        tokens = [db.session.get(Shop, shop_id).qr_token for shop_id in active]
    for path, token in zip(files, tokens, strict=True):
        assert path.suffix == ".pdf"
        assert decode_pdf(path) == [f"http://ecolife.test/q/{token}"]


def test_posters_can_write_png_too(runner, make_shop, tmp_path):
    shop_id, _ = make_shop()
    result = runner.invoke(args=["posters", str(tmp_path), "--format", "both"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "png"]
    assert all(n.startswith(f"shop-{shop_id}-test-shop-") for n in names)
    assert (tmp_path / names[1]).read_bytes().startswith(b"\x89PNG")


def test_posters_into_a_file_is_a_clear_error(runner, tmp_path):
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    result = runner.invoke(args=["posters", str(target)])
    assert result.exit_code != 0
    assert "not-a-dir" in result.output
    assert "Traceback" not in result.output


def test_posters_under_a_file_is_a_clear_error(runner, tmp_path):
    (tmp_path / "not-a-dir").write_text("x")
    result = runner.invoke(args=["posters", str(tmp_path / "not-a-dir" / "posters")])
    assert result.exit_code == 1
    assert "Error: cannot create" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "name_en, filename",
    [
        ("Café Ñandú & Co.", "shop-7-cafe-nandu-co.pdf"),
        ("  Green  Life  ", "shop-7-green-life.pdf"),
        ("ร้านกาแฟ", "shop-7.pdf"),
        (None, "shop-7.pdf"),
    ],
)
def test_poster_files_are_named_in_plain_ascii(name_en, filename):
    assert shop_qr.poster_filename(Shop(id=7, name_en=name_en), "pdf") == filename


def test_verify_ledger_passes_on_a_consistent_ledger(
    runner, client, make_resident, make_shop, shop_token
):
    scan(client, make_resident(), shop_token(make_shop()[0]))
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0
    assert "Ledger verified" in result.output


@pytest.mark.ledger_tampered
def test_verify_ledger_fails_and_reports_a_tampered_balance(
    runner, app, client, make_resident, make_shop, shop_token
):
    resident = make_resident()
    scan(client, resident, shop_token(make_shop()[0]))
    with app.app_context():
        db.session.execute(update(User).where(User.id == resident.user.id).values(balance=50))
        db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert f"user {resident.user.id}: balance 50 but entries sum to 5" in result.output
