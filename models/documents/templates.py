"""Notice text templates the office edits without code: ``templates/notices/*.toml``.

``_agency.toml`` holds the issuing agencies (name, red mark, 机关代字, 署名, 印发机关); each
``<kind>.toml`` picks an agency and gives the title, 主送, 抄送, body paragraphs and attachment or
form-row patterns with ``$placeholders``. Parsed files are cached by modification time.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
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
    mark: str  # red 发文机关标志, e.g. 中共清河县委机构编制委员会办公室文件
    code: str  # 机关代字 of the kind's series, e.g. 县编办发
    signature: str  # 署名
    issuer: str  # 印发机关 in the 版记
    recipients: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()  # form rows (label, value pattern)
    county: str = ""
    series: str = "main"


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


def _strings(data: Mapping[str, Any], key: str, where: Path | str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def agency_defaults(templates_dir: Path | None = None) -> dict[str, Any]:
    """The factory agency settings from ``_agency.toml``: ``{"county": ..., "agencies": {key: {...}}}``."""
    data = _toml(_notices_dir(templates_dir) / AGENCY_FILE)
    return {"county": str(data.get("county", "")), "agencies": {k: dict(v) for k, v in data.get("agencies", {}).items()}}


def merge_agencies(base: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Office-edited settings (from the database) over the factory file, field by field."""
    merged = {"county": base.get("county", ""), "agencies": {k: dict(v) for k, v in base.get("agencies", {}).items()}}
    if not stored:
        return merged
    if stored.get("county"):
        merged["county"] = stored["county"]
    for key, fields in (stored.get("agencies") or {}).items():
        if key in merged["agencies"] and isinstance(fields, Mapping):
            current = merged["agencies"][key]
            for name, value in fields.items():
                if name == "series" and isinstance(value, Mapping):
                    current["series"] = {**current.get("series", {}), **value}
                else:
                    current[name] = value
    return merged


def load_template(kind: str, templates_dir: Path | None = None, *, default_agency: str = "office",
                  agencies: Mapping[str, Any] | None = None) -> NoticeTemplate:
    """Read ``<kind>.toml`` merged with the agency it names (``agencies`` or ``_agency.toml``).

    A kind picks a number series (``series = "letter"``); ``code = "…"`` in a kind file still overrides it.
    A kind without ``recipients``/``cc`` uses the agency's default 主送/抄送 lists.
    """
    folder = _notices_dir(templates_dir)
    path = folder / f"{kind}.toml"
    data = _toml(path)
    settings = agencies if agencies is not None else agency_defaults(templates_dir)
    table = settings.get("agencies", {})
    key = data.get("agency", default_agency)
    if key not in table:
        raise ValueError(f"{path}: unknown agency '{key}' (known: {', '.join(sorted(table))})")
    agency = dict(table[key])
    series = str(data.get("series", "main"))
    codes = agency.get("series") or {}
    if "code" in data:
        agency["code"] = data["code"]
    elif isinstance(codes, Mapping) and isinstance(codes.get(series), str):
        agency["code"] = codes[series]
    agency.update({k: v for k, v in data.items() if k in _AGENCY_FIELDS and k != "code"})
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
        recipients=_strings(data if "recipients" in data else agency, "recipients", path),
        cc=_strings(data if "cc" in data else agency, "cc", path),
        body=_strings(data, "body", path),
        attachments=_strings(data, "attachments", path),
        rows=tuple((r[0], r[1]) for r in rows),
        county=str(settings.get("county", "")),
        series=series,
    )


_AGENCY_FIELDS = ("name", "mark", "code", "signature", "issuer")
