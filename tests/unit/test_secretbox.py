"""Channel secrets at rest: a key file created 0600 at first use, or REFORM_SECRET_KEY; wrong key is refused."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from models import secretbox
from models.settings import get_settings


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "home", tmp_path)
    monkeypatch.setattr(get_settings(), "secret_key", "")
    return tmp_path


def test_key_file_is_created_private_and_reused(home: Path) -> None:
    token = secretbox.encrypt("SECabc")
    key_file = home / secretbox.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "SECabc" not in token and secretbox.decrypt(token) == "SECabc"
    secretbox._fernet.cache_clear()
    assert secretbox.decrypt(token) == "SECabc"  # the same key is read back from the file


def test_configured_key_wins_and_a_replaced_key_cannot_decrypt(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = secretbox.encrypt("SECabc")
    monkeypatch.setattr(get_settings(), "secret_key", Fernet.generate_key().decode())
    with pytest.raises(secretbox.SecretError):
        secretbox.decrypt(token)
    monkeypatch.setattr(get_settings(), "secret_key", "not-a-key")
    with pytest.raises(secretbox.SecretError):
        secretbox.encrypt("x")
