"""Channel secrets (robot tokens, signing secrets) encrypted at rest with Fernet.

The key comes from ``REFORM_SECRET_KEY`` or, when unset, from ``$REFORM_HOME/secret.key``, created on
first use with mode 0600. Losing the key only loses the stored robot secrets: the office re-enters them.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from models.settings import get_settings

KEY_FILE = "secret.key"


class SecretError(RuntimeError):
    """The stored secret cannot be decrypted (wrong or replaced key)."""


def _key_file(home: Path) -> bytes:
    path = home / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


@lru_cache(maxsize=4)
def _fernet(configured: str, home: str) -> Fernet:
    try:
        return Fernet(configured.encode() if configured else _key_file(Path(home)))
    except ValueError as exc:
        raise SecretError("REFORM_SECRET_KEY 不是有效的 Fernet 密钥（32 字节 urlsafe base64）") from exc


def box() -> Fernet:
    s = get_settings()
    return _fernet(s.secret_key, str(s.home))


def encrypt(plain: str) -> str:
    return box().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretError("通知渠道密钥无法解密（系统密钥已更换？），请在“系统”页重新录入") from exc
