"""Typesetting rules a 文秘 checks by eye: where a title may break, how wide a table column must be.

A title may break only between words (jieba's segmentation of the whole title), never inside 《》
or between a number and its unit, never before closing or after opening punctuation. A table column
is at least as wide as its longest unbreakable token (a date, a 文号, an amount, a code), so those
never wrap inside; the rest of the width goes to the columns with the most text.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import jieba

from models.documents.text import char_width, sanitize

jieba.setLogLevel(logging.WARNING)

_CLOSING = set("》）」』”’，。、：；！？%％")
_OPENING = set("《（「『“‘")
# spans that must stay on one line: book titles, dates, 文号, numbers with their unit
_PROTECTED = re.compile(
    r"《[^《》]*》"
    r"|\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:底|年底)?"
    r"|[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号"
    r"|\d[\d,.，]*(?:个?工作日|个月|周年|[年月日号项名个件次%％万亿元天人卷台辆套])?"
    r"|[A-Za-z0-9][A-Za-z0-9·\-_./:]*"
)
# tokens a table cell must never wrap inside
_UNBREAKABLE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日(?:以?前)?|\d{4}年\d{1,2}月(?:底前|底)?|\d{4}年(?:年底前|底前|年底)?"
    r"|[\u4e00-\u9fff]{2,5}〔\d{4}〕\d+号"
    r"|[0-9A-Za-z][0-9A-Za-z·\-_.,/:%]*[\u4e00-\u9fff%％]?"
)


@lru_cache(maxsize=1024)
def word_boundaries(text: str) -> frozenset[int]:
    """Offsets between jieba words of ``text`` (exact mode, no HMM guessing)."""
    return frozenset(end for _, _, end in jieba.tokenize(text, HMM=False))


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _PROTECTED.finditer(text) if m.end() - m.start() > 1]


@lru_cache(maxsize=1024)
def title_units(text: str, max_chars: float) -> tuple[str, ...]:
    """Unbreakable pieces of a title: whole words, 《》 names and numbers with units kept together."""
    cuts = set(word_boundaries(text)) | {0, len(text)}
    for start, end in _protected_spans(text):
        if char_width(text[start:end]) <= max_chars:
            cuts -= set(range(start + 1, end))
    for i, ch in enumerate(text):
        if ch in _CLOSING:
            cuts.discard(i)  # never start a line with closing punctuation
        if ch in _OPENING:
            cuts.discard(i + 1)  # never end a line with opening punctuation
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    return tuple(text[a:b] for a, b in zip(ordered, ordered[1:], strict=False) if b > a)


def _weak(text: str, units: list[str]) -> list[float]:
    """Penalty for breaking after each unit: none at phrase edges (关于|, |“…”|, |的通知, around 和/至/、),
    more inside a phrase, most after a one-character word (县|城市管理局 reads as two names)."""
    out, at = [], 0
    for unit in units:
        at += len(unit)
        before, after = text[:at], text[at:]
        strong = (before.endswith(("关于", "、", "，", "”", "》", "）", "和", "与", "及", "至"))
                  or after.startswith(("“", "《", "（", "的", "和", "与", "及", "至"))
                  or before.endswith(("印发", "推进", "开展", "做好", "调整", "加快", "全县", "全市", "全区")))
        out.append(0.0 if strong else 30.0 if len(unit.strip("“”《》（）")) == 1 else 12.0)
    return out


def split_title(title: str, max_chars: int) -> list[str]:
    """Lines of ≤ ``max_chars`` 字 broken only between units, as even as possible, longer lines below (梯形)."""
    title = sanitize(title).replace("\n", "")
    if char_width(title) <= max_chars:
        return [title]
    units = list(title_units(title, max_chars))
    widths = [char_width(u) for u in units]
    if any(w > max_chars for w in widths):  # a single word wider than a line: fall back to characters
        units = [ch for u in units for ch in u] if len(units) == 1 else _split_wide(units, widths, max_chars)
        widths = [char_width(u) for u in units]
    total = sum(widths)
    penalty = _weak(title, units)
    if total > 3 * max_chars:  # a very long title: even lines matter more than phrase edges
        penalty = [p / 4 for p in penalty]
    for lines in range(math.ceil(total / max_chars), len(units) + 1):
        best = _balanced(widths, lines, max_chars, total / lines, penalty)
        if best is not None:
            return ["".join(units[a:b]) for a, b in best]
    return [title]


def _split_wide(units: list[str], widths: list[float], max_chars: int) -> list[str]:
    out: list[str] = []
    for unit, width in zip(units, widths, strict=True):
        out.extend(list(unit) if width > max_chars else [unit])
    return out


def _balanced(widths: list[float], lines: int, max_chars: float, target: float,
              penalty: list[float]) -> list[tuple[int, int]] | None:
    """Dynamic programme over break points: minimise deviation plus break penalties, prefer each line ≤ the next."""
    n = len(widths)
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    inf = float("inf")
    # cost[k][j]: best cost for the first j units in k lines; last[k][j]: start of the k-th line
    cost = [[inf] * (n + 1) for _ in range(lines + 1)]
    back = [[-1] * (n + 1) for _ in range(lines + 1)]
    cost[0][0] = 0.0
    for k in range(1, lines + 1):
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                width = prefix[j] - prefix[i]
                if width > max_chars:
                    break
                if cost[k - 1][i] == inf:
                    continue
                prev = prefix[i] - prefix[back[k - 1][i]] if k > 1 else 0.0
                shape = 2.0 if k > 1 and prev > width + 0.5 else 0.0  # a wider line above a narrower one
                c = cost[k - 1][i] + abs(width - target) + shape + (penalty[j - 1] if j < n else 0.0)
                if c < cost[k][j]:
                    cost[k][j], back[k][j] = c, i
    if cost[lines][n] == inf:
        return None
    out, j = [], n
    for k in range(lines, 0, -1):
        i = back[k][j]
        out.append((i, j))
        j = i
    return out[::-1]


SHORT_CELL = 4.5  # 字: a line this short is kept whole when room allows (names, 执法车辆, 张一10)
LATIN_EM = 0.62  # Latin letters and digits of the CJK faces (measured in the preview fonts) are wider than half a 字


def _token_width(token: str) -> float:
    return sum(LATIN_EM if ord(ch) < 0x2E80 else 1.0 for ch in token) + 0.3


def _line_width(text: str) -> float:
    """Width in 字 of a line of running text in a cell: LibreOffice adds a little space wherever Chinese
    meets Latin letters or digits (12月13日 has four such seams), 0.1 字 is counted for each."""
    seams = sum((ord(a) < 0x2E80) != (ord(b) < 0x2E80) for a, b in zip(text, text[1:], strict=False))
    return _token_width(text) - 0.3 + 0.1 * seams


@lru_cache(maxsize=4096)
def _units(text: str) -> tuple[str, ...]:
    """Pieces a line may break between: jieba words, and tokens (dates, 文号, numbers, codes) whole, each
    with the closing punctuation after it and the opening punctuation before it (执法车辆 is 执法|车辆, never
    执|法车辆; 通用设备 stays one piece)."""
    tokens = [(m.start(), m.end()) for m in _UNBREAKABLE.finditer(text)]
    cuts = set(word_boundaries(text)) | {0, len(text)} | {edge for span in tokens for edge in span}
    for start, end in tokens:
        cuts -= set(range(start + 1, end))
    ordered = sorted(cuts)
    units = [text[a:b] for a, b in zip(ordered, ordered[1:], strict=False) if b > a]
    glued: list[str] = []
    for unit in units:
        if glued and (unit[0] in _NO_LINE_START or glued[-1][-1] in _OPENING):
            glued[-1] += unit
        else:
            glued.append(unit)
    return tuple(glued)


def longest_token(text: str) -> float:
    """Width in 字 of the longest piece of ``text`` that must not wrap (dates, 文号, numbers, codes)."""
    widest = max((_token_width(u.lstrip("".join(_OPENING))) for line in text.split("\n") for u in _units(line)
                  if _UNBREAKABLE.search(u)), default=0.0)
    return max(widest, 1.0 if text.strip() else 0.0)



def _needs(labels: Sequence[str], rows: Sequence[Sequence[str]], whole: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Per column, in 字: the widest piece that must not wrap, and the widest line of text."""
    count = len(labels)
    need = [0.0] * count
    bulk = [0.0] * count
    keep = list(whole) + [False] * (count - len(whole))
    for cells in [list(labels), *[list(r) for r in rows]]:
        for i, cell in enumerate(cells[:count]):
            widest = max((char_width(line) for line in cell.split("\n")), default=0.0)
            need[i] = max(need[i], widest if keep[i] else longest_token(cell))
            bulk[i] = max(bulk[i], widest)
    for i, label in enumerate(labels):
        need[i] = max(need[i], min(char_width(label), 2.0))  # a header may wrap after two characters
        group = re.search(r"（[^（）]*）", label)  # but not inside its bracket: 职务/（岗位）, 数量/（卷/件）
        if group:
            need[i] = max(need[i], min(char_width(group.group()), 5.0))
    return need, bulk


def _short(rows: Sequence[Sequence[str]], column: int) -> float:
    """Widest line (generous measure, as wrap_cell) among the column's lines of at most SHORT_CELL 字."""
    widths = [_line_width(line) for r in rows if column < len(r) for line in r[column].split("\n")]
    return max((w for w in widths if w <= SHORT_CELL), default=0.0)


WORD_CAP = 5.0  # 字: words up to this wide are given a line of their own width before the bulk is shared


def _longest_word(rows: Sequence[Sequence[str]], column: int) -> float:
    """Widest word (jieba unit, or token) of the column that is at most WORD_CAP 字 wide."""
    widths = [_line_width(u) for r in rows if column < len(r) for line in r[column].split("\n") for u in _units(line)]
    return max((w for w in widths if w <= WORD_CAP), default=0.0)


NAME_CAP = 7.0  # 字: a unit's name (and the 、 after it) in a list of names (县交通运输局) is kept on one line when room allows


def _longest_name(rows: Sequence[Sequence[str]], column: int) -> float:
    """Widest name of at most NAME_CAP 字 among the column's lists of names (县委编办、县财政局)."""
    names = [n for r in rows if column < len(r) for line in r[column].split("\n")
             for n in re.findall(r"[^、，；\s]+[、，；]?", line)]  # with the 、 after it: 县委编办、|县财政局
    return max((w for w in map(_line_width, names) if w <= NAME_CAP), default=0.0)


def tokens_fit(labels: Sequence[str], rows: Sequence[Sequence[str]], *, total: int, char_twips: int, padding: int,
               whole: Sequence[bool] = ()) -> bool:
    """Whether every column can be as wide as its longest unbreakable token and its short entries (a name,
    执法车辆: never broken) at this type size."""
    need = _needs(labels, rows, whole)[0]
    return sum(round(max(n, _short(rows, i)) * char_twips) + padding for i, n in enumerate(need)) <= total


def column_widths(labels: Sequence[str], rows: Sequence[Sequence[str]], weights: Sequence[float], *,
                  total: int, char_twips: int, padding: int, whole: Sequence[bool] = ()) -> list[int]:
    """Twips per column: each at least its longest unbreakable token (``whole`` columns: their longest cell,
    e.g. form labels) and two header characters; the rest is shared by how much more text each column
    holds, tipped by ``weights`` (an empty column still gets its share, to be written in by hand)."""
    count = len(labels)
    need, bulk = _needs(labels, rows, whole)
    minimum = [round(n * char_twips) + padding for n in need]
    spare = total - sum(minimum)
    if spare <= 0:  # not everything fits: the widest needs give way, codes and amounts keep their width
        cap = total / count
        for width in sorted(minimum):
            rest = [m for m in minimum if m > width]
            if not rest:
                break
            level = (total - sum(m for m in minimum if m <= width)) / len(rest)
            if level < width:
                break
            cap = level
        cap = max(cap, min(minimum))
        widths = [int(min(m, cap)) for m in minimum]
    else:
        # then short entries whole (a name, 执法车辆, 张一10: never broken), then every word of up to WORD_CAP 字
        # (管理局, 建设局: a line breaks between words), as far as the spare room goes
        for measure in (_short, _longest_word, _longest_name):
            target = [max(minimum[i], round(measure(rows, i) * char_twips) + padding) for i in range(count)]
            gap = [target[i] - minimum[i] for i in range(count)]
            if sum(gap) >= spare:
                widths = [minimum[i] + int(spare * gap[i] / sum(gap)) for i in range(count)]
                widths[-1] += total - sum(widths)
                return widths
            minimum, spare = target, spare - sum(gap)
        floor = [(4 if bulk[i] == 0 else 0.25) * char_twips for i in range(count)]  # blank columns: room to write
        wish = [weights[i] * max(bulk[i] * char_twips + padding - minimum[i], floor[i]) for i in range(count)]
        widths = [minimum[i] + int(spare * wish[i] / sum(wish)) for i in range(count)]
    widths[-1] += total - sum(widths)
    return widths


_NO_LINE_START = set("，。、：；！？）》」』”’%％")


def wrap_cell(text: str, chars: float) -> str:
    """``text`` with explicit line breaks so no line is wider than ``chars`` 字 and no date, 文号, amount or
    code is cut: the engine (Word or LibreOffice) then never has to wrap it, and neither engine's CJK line
    breaking (which ignores U+2060 between ideographs in LibreOffice) can split ``12月13|日``. Widths are
    measured generously (Latin at 0.62 字), so a line that fits here fits in any face."""
    if "\n" in text:
        return "\n".join(wrap_cell(line, chars) for line in text.split("\n"))
    if _line_width(text) <= chars:
        return text
    lines: list[list[str]] = [[]]
    for unit in _pieces(text, chars):
        if unit[0] in _OPENING and _line_width(unit) > chars:  # too wide with its bracket: bracket ends a line
            lines[-1].append(unit[0])
            unit = unit[1:]
        if lines[-1] and _line_width("".join(lines[-1]) + unit) > chars:
            lines.append([])
        lines[-1].append(unit)
    return "\n".join("".join(line) for line in lines if line)


def _pieces(text: str, chars: float) -> list[str]:
    """The units of ``text``; a word wider than the whole line is given up to the shorter words inside it
    (管理信息系统: 管理|信息|系统), then to its characters. Tokens stay whole: the column is as wide as they are."""
    out: list[str] = []
    for unit in _units(text):
        if _line_width(unit) <= chars or _UNBREAKABLE.search(unit):
            out.append(unit)
            continue
        parts = [p for sub in _subwords(unit) for p in ([sub] if _line_width(sub) <= chars else list(sub))]
        for part in parts:  # punctuation stays on the line of what it follows
            if out and (part[0] in _NO_LINE_START or out[-1][-1] in _OPENING):
                out[-1] += part
            else:
                out.append(part)
    return out


@lru_cache(maxsize=1024)
def _subwords(word: str) -> tuple[str, ...]:
    """``word`` as the dictionary words jieba finds inside it (search mode), longest first from the left:
    交通运输 → 交通|运输, 机构编制委员会 → 机构编制|委员会, 中华人民共和国 → 中华|人民|共和国."""
    longest: dict[int, int] = {}
    for _, a, b in jieba.tokenize(word, mode="search", HMM=False):
        if b - a < len(word):
            longest[a] = max(longest.get(a, a + 1), b)
    out, at = [], 0
    while at < len(word):
        end = longest.get(at, at + 1)
        out.append(word[at:end])
        at = end
    return tuple(out)


def money(value: Decimal) -> str:
    """Amounts as a 财务 reads them: thousands separators and two decimals (1,234,567.80)."""
    return f"{value:,.2f}"
