"""Authenticated backups: an HMAC-SHA256 over the manifest and over every member, keyed outside the archive.

A SHA-256 in the manifest only detects accidents: anyone who edits a row can recompute it (and even
rehash the audit chain). The key lives in ``REFORM_BACKUP_KEY`` or a key file (default
``REFORM_HOME/backup.key``, created 0600 at the first backup; copy it off-host separately from the
archives), so an archive that was changed anywhere is refused before anything is written.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from models.services.errors import ServiceError
from models.settings import Settings, get_settings

SIGNATURE = "signature.json"
ALGORITHM = "HMAC-SHA256"


class SignatureError(ServiceError):
    """The archive is not signed by this installation's key (or no key is configured)."""


def key_path(settings: Settings | None = None) -> Path:
    s = settings or get_settings()
    return s.backup_key_file or s.home / "backup.key"


def load_key(*, create: bool, settings: Settings | None = None) -> bytes:
    s = settings or get_settings()
    if s.backup_key is not None:
        return s.backup_key.get_secret_value().encode("utf-8")
    path = key_path(s)
    if not path.exists():
        if not create:
            raise SignatureError(f"找不到备份签名密钥（{path}；或设置 REFORM_BACKUP_KEY），无法验证备份，已拒绝恢复")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise SignatureError(f"备份签名密钥过短（{path} 至少 32 个字符）")
    return key


def key_id(key: bytes) -> str:
    """Names the key without revealing it, so "signed with another key" can be told apart from tampering."""
    return hashlib.sha256(b"reform-backup-key-id\0" + key).hexdigest()[:16]


def mac_bytes(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def mac_file(key: bytes, path: Path) -> str:
    digest = hmac.new(key, digestmod=hashlib.sha256)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sign(key: bytes, manifest_bytes: bytes, members: dict[str, Path]) -> bytes:
    return json.dumps({"alg": ALGORITHM, "key_id": key_id(key), "manifest": mac_bytes(key, manifest_bytes),
                       "members": {name: mac_file(key, path) for name, path in members.items()}},
                      indent=2).encode("utf-8")


def verify_manifest(key: bytes, manifest_bytes: bytes, signature_bytes: bytes | None) -> dict[str, Any]:
    """The parsed signature, after checking it covers exactly these manifest bytes."""
    if signature_bytes is None:
        raise SignatureError("备份没有签名（缺少 signature.json），可能被篡改或来自旧版本，已拒绝恢复")
    try:
        signature = json.loads(signature_bytes.decode("utf-8"))
        claimed_id, claimed_mac = str(signature["key_id"]), str(signature["manifest"])
        dict(signature["members"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SignatureError("备份签名无法读取，已拒绝恢复") from None
    if signature.get("alg") != ALGORITHM:
        raise SignatureError("备份签名算法不受支持，已拒绝恢复")
    if claimed_id != key_id(key):
        raise SignatureError("备份由另一把密钥签名（密钥编号不符），已拒绝恢复")
    if not hmac.compare_digest(claimed_mac, mac_bytes(key, manifest_bytes)):
        raise SignatureError("备份签名校验失败：清单已被修改，已拒绝恢复")
    return dict(signature)


def verify_member(key: bytes, signature: dict[str, Any], name: str, path: Path) -> None:
    expected = signature["members"].get(name)
    if not isinstance(expected, str) or not hmac.compare_digest(expected, mac_file(key, path)):
        raise SignatureError(f"备份签名校验失败：{name} 已被修改，已拒绝恢复")
