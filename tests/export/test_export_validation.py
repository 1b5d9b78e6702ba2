"""An exported module checks its inputs against its lock file when it loads them."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from leakguard.pipeline.api import export
from leakguard.pipeline.runtime import InputChangedWarning, InputSchemaError
from tests.export.helpers import CHURN, import_pipeline, make_events, write_events, write_notebook


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    folder = tmp_path_factory.mktemp("validation")
    write_events(folder, rows=500)
    write_notebook(folder / "churn.ipynb", CHURN)
    result = export(folder / "churn.ipynb", output_dir=folder / "out")
    assert result.status == "written", result.text()
    return import_pipeline(folder / "out" / "churn" / "v1.py"), folder


def _write(frame: pd.DataFrame, folder: Path, name: str) -> str:
    path = folder / name
    frame.to_parquet(path, index=False)
    return str(path)


def test_the_lock_records_inputs_policy_and_schema(pipeline: tuple[ModuleType, Path]) -> None:
    _, folder = pipeline
    lock = json.loads((folder / "out" / "churn" / "v1.lock.json").read_text())
    assert lock["format"] == 1 and lock["version"] == 1 and lock["leakguard"]
    assert lock["policy"]["cutoff"] == "2024-06-01" and lock["policy"]["holdout"]["seed"] == 7
    assert lock["inputs"][0]["path"] == "data/events.parquet" and len(lock["inputs"][0]["sha256"]) == 64
    columns = lock["schema"]["df"]["columns"]
    assert columns["plan"]["categories"] == ["basic", "premium", "standard"]
    assert columns["tenure_months"]["kind"] == "float" and columns["tenure_months"]["null_rate"] == 0.0
    assert columns["support_tickets"]["min"] == 0 and isinstance(columns["support_tickets"]["max"], int)
    assert columns["event_ts"]["kind"] == "datetime"
    assert lock["schema"]["df"]["rows"] == 500


def test_the_exported_data_passes_silently(pipeline: tuple[ModuleType, Path]) -> None:
    module, _ = pipeline
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = module.load()
    assert len(frame) == 500


def test_changed_data_warns_naming_the_file(pipeline: tuple[ModuleType, Path], tmp_path: Path) -> None:
    module, _ = pipeline
    path = _write(make_events(500).iloc[::-1], tmp_path, "reversed.parquet")  # same values, other bytes
    with pytest.warns(InputChangedWarning, match=r"reversed\.parquet: the data differs"):
        module.load(path=path)


def test_a_missing_column_is_an_error_naming_it(pipeline: tuple[ModuleType, Path], tmp_path: Path) -> None:
    module, _ = pipeline
    path = _write(make_events(500).drop(columns=["monthly_spend"]), tmp_path, "no_spend.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputChangedWarning)
        with pytest.raises(InputSchemaError, match="column 'monthly_spend' is missing"):
            module.load(path=path)


def test_a_wrong_dtype_is_an_error_naming_the_column(pipeline: tuple[ModuleType, Path], tmp_path: Path) -> None:
    module, _ = pipeline
    frame = make_events(500)
    frame["support_tickets"] = frame["support_tickets"].astype(str)
    path = _write(frame, tmp_path, "text_tickets.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputChangedWarning)
        with pytest.raises(InputSchemaError, match="column 'support_tickets' has dtype"):
            module.load(path=path)


def test_values_out_of_range_are_an_error_naming_the_column(pipeline: tuple[ModuleType, Path],
                                                            tmp_path: Path) -> None:
    module, _ = pipeline
    frame = make_events(500)
    frame.loc[3, "tenure_months"] = 10_000.0
    path = _write(frame, tmp_path, "old_customer.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputChangedWarning)
        with pytest.raises(InputSchemaError, match=r"column 'tenure_months' has values outside .* 10000\.0 >"):
            module.load(path=path)


def test_unseen_categories_and_new_missing_values_are_errors(pipeline: tuple[ModuleType, Path],
                                                             tmp_path: Path) -> None:
    module, _ = pipeline
    frame = make_events(500)
    frame.loc[0, "plan"] = "enterprise"
    frame.loc[1, "monthly_spend"] = None
    path = _write(frame, tmp_path, "new_plan.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputChangedWarning)
        with pytest.raises(InputSchemaError) as info:
            module.load(path=path)
    message = str(info.value)
    assert "column 'plan' has categories the pipeline was not exported with: 'enterprise'" in message
    assert "column 'monthly_spend' has 1 missing value(s)" in message


def test_check_false_skips_the_checks(pipeline: tuple[ModuleType, Path], tmp_path: Path) -> None:
    module, _ = pipeline
    path = _write(make_events(500).drop(columns=["plan"]), tmp_path, "no_plan.parquet")
    assert "plan" not in module.load(path=path, check=False).columns


def test_a_missing_lock_file_is_a_clear_error(pipeline: tuple[ModuleType, Path], tmp_path: Path) -> None:
    _, folder = pipeline
    copy = tmp_path / "v1.py"
    copy.write_text((folder / "out" / "churn" / "v1.py").read_text())
    module = import_pipeline(copy)
    with pytest.raises(InputSchemaError, match=r"v1\.lock\.json is missing beside the pipeline module"):
        module.load(path=str(folder / "data" / "events.parquet"))
