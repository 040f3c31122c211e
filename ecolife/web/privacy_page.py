"""The public privacy notice, /privacy: Thai, or English with the site's language switch."""

from flask import Blueprint, render_template
from flask_babel import get_locale

from ecolife.services import privacy

bp = Blueprint("privacy_page", __name__)


def notice_blocks(text: str) -> list[tuple[str, object]]:
    """Split a notice's text into blocks to show: ("h2", line) for a line starting "## ",
    ("ul", [items]) for consecutive lines starting "- ", ("p", [lines]) for the rest."""
    blocks: list[tuple[str, object]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            blocks.append(("gap", None))
        elif line.startswith("## "):
            blocks.append(("h2", line[3:].strip()))
        else:
            kind, item = ("ul", line[2:].strip()) if line.startswith("- ") else ("p", line)
            if blocks and blocks[-1][0] == kind:
                blocks[-1][1].append(item)
            else:
                blocks.append((kind, [item]))
    return [block for block in blocks if block[0] != "gap"]


@bp.get("/privacy")
def notice():
    current = privacy.current_notice()
    text = current.text_en if str(get_locale()) == "en" else current.text_th
    return render_template("privacy.html", notice=current, blocks=notice_blocks(text))
