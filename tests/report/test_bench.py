"""The throughput benchmark runs and reports what it measured."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from .helpers import ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "report_throughput", ROOT / "bench" / "report_throughput.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_reports_a_positive_rate() -> None:
    result = _bench().run(seconds_per_round=0.05, rounds=3, write=False, quiet=True)
    assert result["operation"] == "validate_canonicalise_seal"
    assert result["reports_per_second"] > 0
    assert len(result["rounds_reports_per_second"]) == 3
    assert result["best_reports_per_second"] >= result["reports_per_second"]
    assert result["meets_target"] == (result["reports_per_second"] >= 1000)
