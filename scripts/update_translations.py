"""Extract messages and merge them into the Thai catalogue, keeping existing translations.

Usage: .venv/bin/python scripts/update_translations.py [translations.json]
A JSON file of {"English msgid": "ไทย"} fills in new translations.
"""

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "ecolife/translations/messages.pot"
PO = ROOT / "ecolife/translations/th/LC_MESSAGES/messages.po"


def main() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(POT),
            "ecolife",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    template = read_po(POT.open("rb"))
    old = read_po(PO.open("rb"), locale="th") if PO.exists() else None
    extra = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    template.locale = "th"
    template.fuzzy = False
    for message in template:
        if not message.id:
            continue
        known = old.get(message.id) if old else None
        if isinstance(message.id, tuple):
            # Thai has one plural form: the JSON gives it under the singular msgid.
            new = extra.get(message.id[0])
            message.string = (
                (new,) * template.num_plurals if new else (known.string if known else ("",))
            )
        else:
            message.string = extra.get(message.id) or (known.string if known else "")
    missing = [
        m.id
        for m in template
        if m.id and not any(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    with PO.open("wb") as out:
        write_po(out, template, omit_header=False, sort_output=True, width=100)
    print(f"{PO.relative_to(ROOT)}: {len(template)} messages, {len(missing)} untranslated")
    for msgid in missing:
        print("  missing:", msgid)


if __name__ == "__main__":
    main()
