"""Conventions: prefect.yaml, serve.py and the registry agree (layering: tests/unit/test_layering.py)."""
from __future__ import annotations

from pathlib import Path

import yaml

from flows.registry import USE_CASES, flow

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_entrypoints_import_and_match_registry() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == set(USE_CASES)
    for name, d in deployments.items():
        assert d["work_pool"]["name"] == "reform-pool"
        assert d["entrypoint"] == USE_CASES[name].flow
        assert flow(name).name == name
    scan = deployments["deadline-scan"]["schedules"][0]
    assert (scan["cron"], scan["timezone"]) == ("30 8 * * *", "Asia/Shanghai")


def test_prefect_yaml_schedules_are_the_ones_reform_deploy_builds() -> None:
    """prefect.yaml spells out the default time zone; ``reform deploy`` builds the same crons from settings."""
    from flows.serve import schedules_for

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    for d in spec["deployments"]:
        written = [(s["cron"], s["timezone"], s.get("parameters", {})) for s in d.get("schedules") or []]
        built = [(s.cron, s.timezone, s.parameters) for s in schedules_for(d["name"])]
        assert written == built, d["name"]


def test_cron_time_zone_is_read_from_reform_timezone(monkeypatch) -> None:
    from flows.serve import schedules_for
    from models.settings import get_settings

    monkeypatch.setenv("REFORM_TIMEZONE", "Asia/Urumqi")
    get_settings.cache_clear()
    try:
        zones = {s.timezone for name in USE_CASES for s in schedules_for(name)}
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert zones == {"Asia/Urumqi"}


def test_serve_builds_every_deployment_with_schedules() -> None:
    from flows.serve import deployments

    built = {d.name: d for d in deployments()}
    assert set(built) == set(USE_CASES)
    assert [s.schedule.cron for s in built["bulletin"].schedules] == ["0 9 * * 1", "0 9 1 * *", "0 9 1 1,4,7,10 *"]
    assert built["deadline-scan"].schedules[0].schedule.timezone == "Asia/Shanghai"


def test_every_flow_takes_the_parameters_of_its_use_case() -> None:
    """The client runs the service in-process with the parameters a deployment run would get."""
    import inspect

    from flows.registry import service

    for name in USE_CASES:
        flow_params = list(inspect.signature(flow(name).fn).parameters)
        service_params = inspect.signature(service(name)).parameters
        assert all(p in service_params for p in flow_params), name
        keyword_only = {p for p, v in service_params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY}
        assert {"runner", "ref", "engine"} <= keyword_only, name
