"""Where the deployment kit lives, and what its tests share."""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOMAIN = "ecolife.example.go.th"


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a program and return what it did (text), never raising on its exit status."""
    kwargs.setdefault("timeout", 60)
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)


def example_settings() -> dict[str, str]:
    """The uncommented KEY=value lines of deploy/env.example."""
    lines = (DEPLOY / "env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if re.match(r"^[A-Z_]+=", line))
    return dict(pairs)


def program(name: str) -> str | None:
    """The path of a program on PATH (None: not installed on this machine)."""
    return shutil.which(name)
