"""Accuracy over the hand-checked fixtures: task recall, exact lead units, exact deadlines.

Each fixture in tests/fixtures/plans/accuracy/ has ``<name>.expected.tsv`` (code, lead units
joined by 、, deadline as ISO date / "ongoing" / "none", optional responsible units).  The
product target on unseen published plans is ≥95% on each measure; the fixtures imitate their
styles, so the aggregate is asserted at that bar and every fixture is reported by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from models.importing import ParsedPlan, ParsedTask, parse_plan

FIXTURES = ROOT / "tests" / "fixtures" / "plans" / "accuracy"
TARGET = 0.95


@dataclass
class Expected:
    code: str
    lead: list[str]
    deadline: str
    responsible: list[str] | None


@dataclass
class Score:
    total: int = 0
    found: int = 0
    lead: int = 0
    deadline: int = 0
    responsible_total: int = 0
    responsible: int = 0

    def add(self, other: Score) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _units(cell: str) -> list[str]:
    return [u for u in cell.split("、") if u] if cell and cell != "-" else []


def load_expected(path: Path) -> list[Expected]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [Expected(r[0], _units(r[1]), r[2], _units(r[3]) if len(r) > 3 and r[3] else None) for r in rows]


def fixture_plans() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".docx", ".xlsx"))


def _deadline_of(task: ParsedTask) -> str:
    if task.deadline is not None:
        return task.deadline.isoformat()
    return "ongoing" if task.ongoing else "none"


def score(plan: ParsedPlan, expected: list[Expected]) -> tuple[Score, list[str]]:
    """Counts and a readable line per miss."""
    by_code = {t.code: t for t in plan.tasks}
    result, misses = Score(total=len(expected)), []
    for row in expected:
        task = by_code.get(row.code)
        if task is None:
            misses.append(f"{row.code}: not found")
            continue
        result.found += 1
        result.lead += task.lead_units == row.lead
        result.deadline += _deadline_of(task) == row.deadline
        if row.responsible is not None:
            result.responsible_total += 1
            result.responsible += task.responsible_units == row.responsible
        if task.lead_units != row.lead or _deadline_of(task) != row.deadline or (
                row.responsible is not None and task.responsible_units != row.responsible):
            misses.append(f"{row.code}: lead {task.lead_units} want {row.lead}; deadline {_deadline_of(task)} want "
                          f"{row.deadline}; responsible {task.responsible_units} want {row.responsible}")
    return result, misses


def run_all() -> tuple[Score, dict[str, list[str]]]:
    total, misses = Score(), {}
    for path in fixture_plans():
        plan = parse_plan(path.read_bytes(), path.name)
        result, missed = score(plan, load_expected(path.with_name(path.stem + ".expected.tsv")))
        total.add(result)
        if missed:
            misses[path.name] = missed
    return total, misses


@pytest.mark.parametrize("path", fixture_plans(), ids=lambda p: p.name)
def test_fixture_is_parsed_exactly(path: Path) -> None:
    plan = parse_plan(path.read_bytes(), path.name)
    result, misses = score(plan, load_expected(path.with_name(path.stem + ".expected.tsv")))
    assert not misses, "\n".join(misses)


def test_aggregate_accuracy_meets_target() -> None:
    total, misses = run_all()
    assert len(fixture_plans()) >= 8
    recall, lead, deadline = (total.found / total.total, total.lead / total.total, total.deadline / total.total)
    report = f"recall {recall:.1%} lead {lead:.1%} deadline {deadline:.1%}; misses: {misses}"
    assert recall >= TARGET and lead >= TARGET and deadline >= TARGET, report
