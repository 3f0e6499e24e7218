"""Importer accuracy on the hand-checked fixtures, per plan shape: recall, lead accuracy, units F1, deadlines.

Each fixture in tests/fixtures/plans/accuracy/ has ``<name>.expected.tsv`` written by reading the plan:
code, lead units (joined by 、, "-" for none), deadline (ISO date / "ongoing" / "none") and optionally
responsible and supporting units (an empty cell is not checked, "-" means none).  Units F1 compares
(role, name) pairs of every checked role.  The product target is ≥0.95 on each figure for each shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.importing import ParsedPlan, ParsedTask, parse_plan

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "plans" / "accuracy"
TARGET = 0.95
SHAPES: dict[str, str] = {  # fixture stem -> the shape of plan it imitates; others are "annotated"
    "qingshan_fengong": "fengong", "fushui_list": "fengong", "jinhe_table": "fengong", "luoshan_tags": "fengong",
    "songling_fengong": "fengong", "dongpu_fenlei": "fengong", "tianmen_fengong": "fengong", "baisha_bankuai": "fengong",
    "xiyang_yijian": "prose", "nanhu_yijian_trad": "prose", "baishui_prose": "prose", "heshan_yijian": "prose", "qiaotou_scraped_yijian": "prose",
    "yutai_duties": "duties", "lanxi_zhize": "duties",
}
ROLES = ("lead", "responsible", "supporting")


@dataclass
class Expected:
    code: str
    lead: list[str]
    deadline: str
    responsible: list[str] | None = None
    supporting: list[str] | None = None


@dataclass
class Score:
    total: int = 0
    found: int = 0
    lead: int = 0
    deadline: int = 0
    unit_tp: int = 0
    unit_fp: int = 0
    unit_fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("total", "found", "lead", "deadline", "unit_tp", "unit_fp", "unit_fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    def figures(self) -> dict[str, float]:
        total = self.total or 1
        f1_denominator = 2 * self.unit_tp + self.unit_fp + self.unit_fn
        return {"recall": self.found / total, "lead": self.lead / total,
                "units_f1": 2 * self.unit_tp / f1_denominator if f1_denominator else 1.0,
                "deadline": self.deadline / total}


def _units(cell: str) -> list[str]:
    return [u for u in cell.split("、") if u] if cell and cell != "-" else []


def _optional(row: list[str], index: int) -> list[str] | None:
    return _units(row[index]) if len(row) > index and row[index].strip() else None


def load_expected(path: Path) -> list[Expected]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [Expected(r[0], _units(r[1]), r[2], _optional(r, 3), _optional(r, 4)) for r in rows]


def fixture_plans() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".docx", ".xlsx"))


def shape_of(path: Path) -> str:
    return SHAPES.get(path.stem, "annotated")


def deadline_of(task: ParsedTask) -> str:
    if task.deadline is not None:
        return task.deadline.isoformat()
    return "ongoing" if task.ongoing else "none"


def _pairs(names: dict[str, list[str] | None]) -> set[tuple[str, str]]:
    return {(role, name) for role, listed in names.items() if listed is not None for name in listed}


def score(plan: ParsedPlan, expected: list[Expected]) -> Score:
    """Counts and one readable line per task that is not exactly right."""
    by_code = {t.code: t for t in plan.tasks}
    result = Score(total=len(expected))
    for row in expected:
        wanted = {"lead": row.lead, "responsible": row.responsible, "supporting": row.supporting}
        task = by_code.get(row.code)
        if task is None:
            result.misses.append(f"{row.code}: not found")
            result.unit_fn += len(_pairs(wanted))
            continue
        got = {"lead": task.lead_units, "responsible": task.responsible_units, "supporting": task.supporting_units}
        checked = {role: got[role] for role in ROLES if wanted[role] is not None}
        expected_pairs, found_pairs = _pairs(wanted), _pairs(checked)  # type: ignore[arg-type]
        result.found += 1
        result.lead += task.lead_units == row.lead
        result.deadline += deadline_of(task) == row.deadline
        result.unit_tp += len(expected_pairs & found_pairs)
        result.unit_fp += len(found_pairs - expected_pairs)
        result.unit_fn += len(expected_pairs - found_pairs)
        wrong = [f"{role} {got[role]} want {wanted[role]}" for role in ROLES
                 if wanted[role] is not None and got[role] != wanted[role]]
        if deadline_of(task) != row.deadline:
            wrong.append(f"deadline {deadline_of(task)} want {row.deadline}")
        if wrong:
            result.misses.append(f"{row.code}: " + "; ".join(wrong))
    return result


def score_fixture(path: Path) -> Score:
    plan = parse_plan(path.read_bytes(), path.name)
    result = score(plan, load_expected(path.with_name(path.stem + ".expected.tsv")))
    result.misses = [f"{path.name} {m}" for m in result.misses]
    return result


def by_shape() -> dict[str, Score]:
    """Scores summed per shape of plan."""
    shapes: dict[str, Score] = {}
    for path in fixture_plans():
        shapes.setdefault(shape_of(path), Score()).add(score_fixture(path))
    return shapes


def bench(*, quick: bool = False) -> dict[str, float]:
    """``import_accuracy_<shape>_<figure>`` for every shape (quick changes nothing: it is not timed)."""
    figures: dict[str, float] = {}
    for shape, result in sorted(by_shape().items()):
        for name, value in result.figures().items():
            figures[f"import_accuracy_{shape}_{name}"] = round(value, 3)
    return figures
