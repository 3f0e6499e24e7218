"""Accuracy over the hand-checked fixtures: task recall, exact lead units, units F1, exact deadlines.

Scoring lives in ``benchmarks/import_accuracy.py`` (also printed by ``reform bench``); the
expected .tsv files are written by reading each plan, never from the parser's output.  The product
target on unseen published plans is ≥95% on each measure for each shape of plan (分工表, prose 意见,
责任分工 clauses, annotated plans); every fixture is also required to be exact and reported by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.import_accuracy import TARGET, bench, by_shape, fixture_plans, score_fixture, shape_of


@pytest.mark.parametrize("path", fixture_plans(), ids=lambda p: p.name)
def test_fixture_is_parsed_exactly(path: Path) -> None:
    result = score_fixture(path)
    assert result.total > 0
    assert not result.misses, "\n".join(result.misses)


def test_every_shape_meets_target() -> None:
    shapes = by_shape()
    assert {"fengong", "prose", "duties", "annotated"} <= set(shapes)
    report = {shape: {k: round(v, 3) for k, v in s.figures().items()} for shape, s in shapes.items()}
    for shape, result in shapes.items():
        assert all(value >= TARGET for value in result.figures().values()), f"{shape}: {report}; {result.misses}"


def test_shapes_are_covered_in_every_file_kind() -> None:
    kinds = {(shape_of(p), p.suffix) for p in fixture_plans()}
    assert {("fengong", ".xlsx"), ("fengong", ".docx"), ("prose", ".txt"), ("duties", ".txt")} <= kinds
    assert any("trad" in p.stem for p in fixture_plans() if shape_of(p) == "prose")


def test_bench_reports_every_figure_per_shape() -> None:
    figures = bench(quick=True)
    for shape in ("fengong", "prose", "duties", "annotated"):
        assert {f"import_accuracy_{shape}_{n}" for n in ("recall", "lead", "units_f1", "deadline")} <= set(figures)


def test_a_wrong_expectation_is_caught(tmp_path: Path) -> None:
    """The scorer can fail: a fixture whose expected lead is changed scores below 1."""
    source = next(p for p in fixture_plans() if p.stem == "yutai_duties")
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    lines = source.with_name(source.stem + ".expected.tsv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("县委编办", "县财政局", 1)
    copy.with_name(copy.stem + ".expected.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = score_fixture(copy)
    assert result.figures()["lead"] < 1 and result.misses
