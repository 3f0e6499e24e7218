"""Heading hierarchy of a plan: lines -> a tree of numbered sections.

Recognised markers, from outer to inner (the rank only orders them, a plan may skip ranks):
第一部分 / 一、 (or 第一条) / （一） / 1. (or 第一，) / （1） / ①.  Real published texts lose characters, so "(一)" with
ASCII brackets, "一）" without its opening bracket, "1)" for "（1）" are accepted as the same
ranks, and a bare "3解决…" (or "（三加强…") is accepted only when it continues the numbering of
its siblings (the previous one was 2), which keeps dates and quantities from becoming headings.
Lines before the first outermost heading are the preamble (通知, 主送, 前言); lines from an
attachment/抄送 marker on, and a closing signature (issuer, date), are the tail; neither yields tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.importing.textnorm import cn_to_int, fold

_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (0, re.compile(rf"^第([{_CN}]{{1,3}})(?:部分|章|篇)\s*")),
    (1, re.compile(rf"^第([{_CN}]{{1,3}})条\s*")),
    (1, re.compile(rf"^([{_CN}]{{1,3}})\s*[、.]\s*")),
    (2, re.compile(rf"^\(\s*([{_CN}]{{1,3}})\s*\)\s*")),
    (2, re.compile(rf"^([{_CN}]{{1,3}})\)\s*")),
    (3, re.compile(r"^(\d{1,2})\s*[、.](?!\d)\s*")),
    (3, re.compile(rf"^第([{_CN}]{{1,3}})\s*[,，、]\s*")),  # "第一，加强…" in a prose 意见
    (4, re.compile(r"^\(\s*(\d{1,2})\s*\)\s*")),
    (4, _HALF_PAREN := re.compile(r"^(\d{1,2})\)\s*")),
    (5, re.compile(rf"^([{_CIRCLED}])\s*")),
]
_DAMAGED: list[tuple[int, re.Pattern[str]]] = [
    (3, re.compile(r"^(\d{1,2})(?=[\u4e00-\u9fff])(?![月日年个号季万名人天家项条种次批])")),
    (2, re.compile(rf"^\(([{_CN}]{{1,3}})(?=[\u4e00-\u9fff])(?![{_CN}])")),
]
_TAIL = re.compile(r"^(?:附件(?:\d|[:：]|下载|$)|抄送|印发[:：]|相关文档|本(?:实施)?(?:方案|意见|办法)(?:自|由|从))")
_TERMINAL = "。；;！!？?：:”」』)）"


@dataclass
class Heading:
    rank: int
    number: int
    label: str  # code component: "二", "(一)", "1", "(1)", "①"
    marker_length: int


@dataclass
class Node:
    rank: int
    label: str
    line: int
    heading: str  # the heading line without its marker
    body: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    code: str = ""

    def ancestors(self) -> list[Node]:
        chain: list[Node] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


@dataclass
class Outline:
    preamble: list[str]
    roots: list[Node]
    tail: list[str]

    def walk(self) -> list[Node]:
        """All nodes in document order."""
        ordered: list[Node] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            ordered.append(node)
            stack.extend(reversed(node.children))
        return ordered


def clean_lines(raw: str, *, join_wrapped: bool) -> list[str]:
    """Non-empty stripped lines; with ``join_wrapped`` a long line cut mid-sentence is re-joined."""
    lines: list[str] = []
    for line in raw.splitlines():
        line = line.strip(" \t\r\u3000\u00a0\ufeff")
        if not line:
            continue
        previous_min = 45 if lines and detect_heading(lines[-1], {}) else 25  # a short heading is whole
        if (join_wrapped and lines and len(lines[-1]) >= previous_min and lines[-1][-1] not in _TERMINAL
                and len(line) >= 12 and re.search(r"[,，、。]", fold(lines[-1]))
                and detect_heading(line, {}) is None and not _TAIL.match(fold(line))):
            lines[-1] += line
        else:
            lines.append(line)
    return lines


def detect_heading(line: str, last_numbers: dict[int, int]) -> Heading | None:
    """The heading marker at the start of ``line``; ``last_numbers`` holds the sibling counters."""
    folded = fold(line)
    for rank, pattern in _MARKERS:
        match = pattern.match(folded)
        if match:
            if pattern is _HALF_PAREN:
                rank = _half_paren_rank(_number(match.group(1)), last_numbers)
            heading = _heading(rank, match.group(1), match.end())
            if folded[:match.end()].rstrip().endswith("条"):  # 第一条: articles keep their own label
                heading.label = f"第{match.group(1)}条"
            return heading
    for rank, pattern in _DAMAGED:
        match = pattern.match(folded)
        if match:
            number = _number(match.group(1))
            if last_numbers.get(rank) and number == last_numbers[rank] + 1:
                return _heading(rank, match.group(1), match.end())
    return None


def _half_paren_rank(number: int, last_numbers: dict[int, int]) -> int:
    """'2)' continues '1.' when no '(1)' level is open; otherwise it is the '(1)' level.

    Plans (and damaged extractions) write '1.' and '2)' as siblings; nesting them would make
    every second task a child of the one before.
    """
    if last_numbers.get(4) == number - 1 and 4 in last_numbers:
        return 4
    if number > 1 and 4 not in last_numbers and last_numbers.get(3) == number - 1:
        return 3
    return 4


def build_outline(lines: list[str]) -> Outline:
    """Nest numbered headings; body lines belong to the heading above them."""
    headings: list[Heading | None] = []
    counters: dict[int, int] = {}
    for line in lines:
        heading = detect_heading(line, counters)
        headings.append(heading)
        if heading is not None:
            counters[heading.rank] = heading.number
            for deeper in [r for r in counters if r > heading.rank]:
                del counters[deeper]
    ranks = [h.rank for h in headings if h is not None]
    if not ranks:
        return Outline(preamble=lines, roots=[], tail=[])
    top = min(ranks)
    first = next(i for i, h in enumerate(headings) if h is not None and h.rank == top)
    roots: list[Node] = []
    stack: list[Node] = []
    tail: list[str] = []
    signature = _signature_start(lines, headings, first)
    for index in range(first, len(lines)):
        line, heading = lines[index], headings[index]
        if (_TAIL.match(fold(line)) and heading is None) or index == signature:
            tail = lines[index:]
            break
        if heading is None:
            stack[-1].body.append(line)
            continue
        while stack and stack[-1].rank >= heading.rank:
            stack.pop()
        node = Node(rank=heading.rank, label=heading.label, line=index,
                    heading=line[heading.marker_length:].strip(), parent=stack[-1] if stack else None)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    _assign_codes(roots)
    return Outline(preamble=lines[:first], roots=roots, tail=tail)


_DATE_LINE = re.compile(r"^\s*(?:20\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|20\d{6,8})\s*$")


def _signature_start(lines: list[str], headings: list[Heading | None], first: int) -> int | None:
    """Index of a closing signature (issuer line, then a date line) before any attachment marker.

    Without this the signature joins the last section's body, and its date makes that section
    (工作要求, 保障措施) look like a dated task.
    """
    end = next((i for i in range(first, len(lines)) if headings[i] is None and _TAIL.match(fold(lines[i]))),
               len(lines))
    if end - 1 <= first or headings[end - 1] is not None or not _DATE_LINE.match(fold(lines[end - 1])):
        return None
    issuer = end - 2
    if issuer > first and headings[issuer] is None and len(lines[issuer]) <= 40 \
            and not re.search(r"[。，,；;：:]", fold(lines[issuer])):
        return issuer
    return end - 1


def _assign_codes(roots: list[Node]) -> None:
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        base = f"{node.parent.code}.{node.label}" if node.parent else node.label
        code, suffix = base, 2
        while code in seen:
            code, suffix = f"{base}-{suffix}", suffix + 1
        node.code = code
        seen.add(code)
        stack.extend(reversed(node.children))


def _heading(rank: int, token: str, length: int) -> Heading:
    number = _number(token)
    label = {0: f"第{token}部分", 1: token, 2: f"({token})", 3: str(number), 4: f"({number})"}.get(rank, token)
    return Heading(rank=rank, number=number, label=label, marker_length=length)


def _number(token: str) -> int:
    if token in _CIRCLED:
        return _CIRCLED.index(token) + 1
    return cn_to_int(token) or 0
