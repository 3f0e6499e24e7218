"""What must be true before a document is issued, found on the laid-out content (not the template).

A placeholder left in any printed text (××, ``$name``, ``{{ }}``) refuses the issue; a title that pushes
the body off page 1 needs the issuer's confirmation; pictographs that no 公文 font can print are left out
and reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from models.documents.layout import Attachment, Block, Content, Table, Text, fit_first_page
from models.documents.text import PICTOGRAPH_RE, placeholders


@dataclass
class Findings:
    placeholders: list[str] = field(default_factory=list)  # refuse
    warnings: list[str] = field(default_factory=list)  # ask for confirmation
    notes: list[str] = field(default_factory=list)  # tell


def _block_texts(blocks: list[Block]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Text):
            yield block.text
        elif isinstance(block, Table):
            yield from (c.label for c in block.columns)
            for row in [*block.rows, *([block.totals] if block.totals else [])]:
                for cell in row:
                    yield from (cell if isinstance(cell, list) else [cell])


def printed_texts(content: Content) -> Iterator[str]:
    """Every string that ends up on the page."""
    yield from (content.mark, content.doc_number, content.title, content.signature, content.date, content.issuer)
    yield from content.recipients
    yield from content.cc
    yield from _block_texts(content.blocks)
    for item in content.attachments:
        assert isinstance(item, Attachment)
        yield item.title
        yield from _block_texts(item.blocks)
    for party in content.parties:
        yield from (party.role_label, party.unit)
    yield from content.receipt


def _pictographs(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(PICTOGRAPH_RE.findall(value)) - {"\ufe0f", "\u200d"}
    if isinstance(value, Mapping):
        return set().union(*(_pictographs(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_pictographs(v) for v in value)) if value else set()
    return set()


def check(content: Content, data: Mapping[str, Any] | None = None) -> Findings:
    found = Findings()
    for text in printed_texts(content):
        for item in placeholders(text or ""):
            if item not in found.placeholders:
                found.placeholders.append(item)
    fit = fit_first_page(content)
    if fit.warning:
        found.warnings.append(fit.warning)
    if fit.addressee_in_imprint:
        found.notes.append("标题较长，主送机关已按 GB/T 9704 7.3.2 移至版记。")
    symbols = _pictographs(data or {})
    if symbols:
        found.notes.append(f"以下符号无法印刷，已从公文中略去（原始数据不变）：{' '.join(sorted(symbols))}")
    return found
