"""Production's password hashing keeps its cost (the tests hash cheaply, see conftest)."""

import subprocess
import sys
from pathlib import Path

from ecolife import security

ROOT = Path(__file__).resolve().parents[2]


def production_hash(password: str) -> str:
    """Hash a password in a fresh interpreter, as the app does outside the test run."""
    script = f"from ecolife.security import hash_password; print(hash_password({password!r}))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_production_hashes_with_argon2id_at_rfc_9106_cost():
    assert production_hash("correct horse").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_production_hash_verifies_here_and_asks_for_no_rehash_there():
    stored = production_hash("correct horse")
    assert security.verify_password(stored, "correct horse")
    assert not security.verify_password(stored, "wrong horse")


def test_the_test_run_hashes_cheaply():
    assert security.hash_password("x").startswith("$argon2id$v=19$m=8,t=1,p=1$")
