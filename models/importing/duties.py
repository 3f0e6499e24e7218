"""Responsibility phrases of prose plans: who a measure or a 责任分工 clause puts in charge.

Prose 意见 and 实施方案 rarely annotate their measures; they say "县财政局负责…", "县司法局要…"
in the running text, and a 责任分工 section assigns the work clause by clause ("县委编办负责…；
县人社局负责…，县财政局配合；县档案馆做好…").  ``clause_subject`` reads the unit a clause starts
with when a duty verb follows it; ``duty_clauses`` splits a paragraph into such clauses.  Group
mentions (各有关单位要…) are exhortations to everybody, not a duty of one unit, and are not subjects
of a 责任分工 clause.
"""

from __future__ import annotations

import re

from models.importing.textnorm import fold
from models.importing.units import GROUP_MENTIONS, clean_candidate, is_unit_name

DUTY_HEADING = re.compile(r"责任分工|职责分工|分工负责|明确责任|部门职责|任务分工|各司其职|落实责任")
_DUTY_VERB = re.compile(r"(?:要|应当|应|须|负责|牵头|会同|做好|承担|抓好|具体|统筹|协调|配合|主要)")
_CLAUSE_SPLIT = re.compile(r"(?<=[；;。\n])")
REQUIRE_VERBS = ("要", "应当", "应", "须")
SERVING_VERBS = ("配合", "协助")
_TOGETHER = re.compile(r"会同([^，,。；;:：]{2,60}?)(?=共同|制定|研究|做好|开展|负责|推进|组织|落实|建立|起草|完成|[，,。；;]|$)")


def clause_subject(clause: str) -> tuple[list[str], str] | None:
    """The unit names a clause starts with and the duty verb after them, or None.

    "县委督查室、县政府督查室要加强督查" -> (["县委督查室", "县政府督查室"], "要").  The names are
    slices of ``clause`` as written.
    """
    folded = fold(clause)
    start = len(folded) - len(folded.lstrip(" ，,"))
    for verb in _DUTY_VERB.finditer(folded, start, min(len(folded), start + 60)):
        head = clause[start:verb.start()]
        if not head.strip() or re.search(r"[，,。；;:：由将把对]", fold(head)):
            return None  # "…工作由X牵头" is passive: X is no subject of its clause
        names = _subject_names(head)
        if names:
            return names, verb.group(0)
    return None


def _subject_names(head: str) -> list[str]:
    """'县委督查室、县政府督查室' -> both names; every part must be a unit name, else none."""
    parts = [clean_candidate(p) for p in re.split(r"[、]", head)]
    return parts if parts and all(is_unit_name(p) for p in parts) else []


def duty_clauses(text: str) -> list[tuple[str, list[str]]]:
    """The clauses of ``text`` that assign work to a named unit (not a group), with that unit."""
    found: list[tuple[str, list[str]]] = []
    for clause in _CLAUSE_SPLIT.split(text):
        clause = clause.strip().rstrip("；;。")
        subject = clause_subject(clause) if clause else None
        if subject and not any(fold(n) in GROUP_MENTIONS or fold(n).startswith("各") for n in subject[0]):
            found.append((clause, subject[0]))
    return found


def required_subjects(text: str) -> list[str]:
    """Units that the measure says must act ("X要…", "X应…"), from clause starts, in order."""
    names: list[str] = []
    for clause in re.split(r"[。；;，,\n]", text):  # "商户签订责任书，各村(居)委会要做好宣传": a clause after a comma
        subject = clause_subject(clause.strip())
        if subject and subject[1] in REQUIRE_VERBS:
            names.extend(n for n in subject[0] if n not in names)
    return names


def accompanying(clause: str) -> list[str]:
    """Units a clause's subject works 会同 (together with): "X负责…，并会同Y制定…" -> [Y] (they support)."""
    names: list[str] = []
    folded = fold(clause)
    for match in _TOGETHER.finditer(folded):
        parts = [clean_candidate(p) for p in re.split(r"[、和]", clause[match.start(1):match.end(1)])]
        names.extend(p for p in parts if is_unit_name(p) and p not in names)
    return names
