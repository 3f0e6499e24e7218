"""Notice text templates the office edits without code: ``templates/notices/*.toml``.

``_agency.toml`` holds the issuing agencies (name, red mark, 机关代字, 署名, 印发机关); each
``<kind>.toml`` picks an agency and gives the title, 主送, 抄送, body paragraphs and attachment or
form-row patterns with ``$placeholders``. Parsed files are cached by modification time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
AGENCY_FILE = "_agency.toml"


@dataclass(frozen=True)
class NoticeTemplate:
    kind: str
    title: str
    agency_name: str
    mark: str  # red 发文机关标志, e.g. ××县机构编制委员会办公室文件
    code: str  # 机关代字, e.g. 县编办发
    signature: str  # 署名
    issuer: str  # 印发机关 in the 版记
    recipients: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()  # form rows (label, value pattern)


def _notices_dir(templates_dir: Path | None) -> Path:
    root = TEMPLATES_DIR if templates_dir is None else Path(templates_dir)
    return root / "notices" if (root / "notices").is_dir() else root


@lru_cache(maxsize=64)
def _read_toml(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"notice template not found: {path}")
    return _read_toml(str(path), path.stat().st_mtime_ns)


def _strings(data: dict[str, Any], key: str, where: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def load_template(kind: str, templates_dir: Path | None = None, *, default_agency: str = "office") -> NoticeTemplate:
    """Read ``<kind>.toml`` merged with the agency it names in ``_agency.toml``.

    A kind file may override any agency field (``code = "县改办函"`` for the 函 series).
    """
    folder = _notices_dir(templates_dir)
    path = folder / f"{kind}.toml"
    data = _toml(path)
    agencies = _toml(folder / AGENCY_FILE).get("agencies", {})
    key = data.get("agency", default_agency)
    if key not in agencies:
        raise ValueError(f"{path}: unknown agency '{key}' (known: {', '.join(sorted(agencies))})")
    agency = {**agencies[key], **{k: v for k, v in data.items() if k in _AGENCY_FIELDS}}
    missing = [f for f in _AGENCY_FIELDS if not isinstance(agency.get(f), str)]
    if missing or not isinstance(data.get("title"), str):
        raise ValueError(f"{path}: missing text fields {missing or ['title']}")
    rows = data.get("rows", [])
    if not all(isinstance(r, list) and len(r) == 2 and all(isinstance(v, str) for v in r) for r in rows):
        raise ValueError(f"{path}: 'rows' must be [label, value] pairs")
    return NoticeTemplate(
        kind=kind,
        title=data["title"],
        agency_name=agency["name"],
        mark=agency["mark"],
        code=agency["code"],
        signature=agency["signature"],
        issuer=agency["issuer"],
        recipients=_strings(data, "recipients", path),
        cc=_strings(data, "cc", path),
        body=_strings(data, "body", path),
        attachments=_strings(data, "attachments", path),
        rows=tuple((r[0], r[1]) for r in rows),
    )


_AGENCY_FIELDS = ("name", "mark", "code", "signature", "issuer")
