"""Password hashing (argon2id) and the configurable password policy (等保: complexity + max age)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models.settings import Settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")
BLOCKLIST_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    if not BLOCKLIST_FILE.exists():
        return frozenset()
    return frozenset(line.strip().lower() for line in BLOCKLIST_FILE.read_text("utf-8").splitlines() if line.strip())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Constant-ish time: an empty/unknown hash still costs one argon2 verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def policy_problems(password: str, settings: Settings, *, username: str = "") -> list[str]:
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"长度至少 {settings.password_min_length} 位")
    if len(password) > 256:
        problems.append("长度不能超过 256 位")
    classes = sum([
        any(c.islower() for c in password), any(c.isupper() for c in password),
        any(c.isdigit() for c in password), any(not c.isalnum() for c in password),
    ])
    if classes < 3:
        problems.append("须包含大写字母、小写字母、数字、符号中的至少三类")
    lowered = password.lower()
    if lowered in _blocklist():
        problems.append("该口令过于常见，请更换")
    if username and username.lower() in lowered:
        problems.append("口令不能包含用户名")
    return problems
