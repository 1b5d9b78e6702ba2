"""``leakguard check`` end to end: formats, exit codes, bad input, suppressions, baselines, directories, parallel runs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from leakguard.faces.check import Progress
from leakguard.faces.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "check.schema.json").read_text())
LEAKY = "import pandas as pd\ndf = pd.read_csv('e.csv')\n# %%\ndf.describe()\n"
CLEAN = "import pandas as pd, leakguard\ndf = pd.read_csv('e.csv')\ntrain, test = leakguard.split(df)\ntrain.describe()\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    (tmp_path / "leaky.py").write_text(LEAKY)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_codes_clean_findings_and_fail_on(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(project / "clean.py"))[0] == 0
    code, out, _ = run(capsys, str(project / "leaky.py"))
    assert code == 1
    assert "leaky.py:4:1: warning [peek-holdout]" in out
    verbose = run(capsys, "-v", str(project / "leaky.py"))[1]
    assert "fix: split first" in verbose and "provenance:" in verbose
    assert run(capsys, "--fail-on", "error", str(project / "leaky.py"))[0] == 0


def test_usage_error_is_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml", "x.py"])
    assert exc.value.code == 2


def test_bad_input_per_file_and_exit_2_when_any_file_could_not_be_read(project: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.ipynb").write_text("{not json")
    (project / "empty.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (project / "r.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": "x <- 1", "metadata": {},
                                                            "outputs": [], "execution_count": None}],
                                                 "metadata": {"kernelspec": {"language": "R", "name": "ir"}},
                                                 "nbformat": 4, "nbformat_minor": 2}))
    (project / "garbage.ipynb").write_bytes(bytes(range(256)) * 4)
    bad = [str(project / n) for n in ("broken.ipynb", "garbage.ipynb")]
    nothing = [str(project / n) for n in ("empty.ipynb", "r.ipynb")]
    code, out, err = run(capsys, *bad, *nothing)
    assert code == 2 and "nothing could be checked" in err
    assert "broken.ipynb: error: invalid JSON at line 1" in out
    assert "empty.ipynb: skipped: the notebook has no code cells" in out
    assert "r.ipynb: skipped: the notebook's kernel language is 'r'" in out
    assert "garbage.ipynb: error: binary file" in out
    # the good file's report is still there; an unreadable file makes the status 2 (not 1, not 0)
    code, out, _ = run(capsys, *bad, str(project / "leaky.py"))
    assert code == 2 and "[peek-holdout]" in out and "2 file(s) could not be checked" in out
    code, out, err = run(capsys, "--format", "json", *bad, str(project / "clean.py"))
    assert code == 2 and "broken.ipynb: invalid JSON" in err and json.loads(out)["summary"]["errors"] == 2
    # negative twin: files with nothing to check are skipped, not failures
    code, out, _ = run(capsys, *nothing, str(project / "leaky.py"))
    assert code == 1 and "2 file(s) skipped" in out and "could not be checked" not in out
    assert run(capsys, *nothing, str(project / "clean.py"))[0] == 0
    assert run(capsys, str(project / "missing.py"))[0] == 2


def test_json_follows_the_schema(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.ipynb").write_text("{")
    code, out, _ = run(capsys, "--format", "json", str(project))
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert code == 2  # broken.ipynb could not be read
    assert doc["summary"]["by_rule"] == {"peek-holdout": 1}
    assert doc["summary"]["errors"] == 1
    leaky = next(f for f in doc["files"] if f["path"].endswith("leaky.py"))
    assert leaky["findings"][0]["line"] == 4 and leaky["findings"][0]["cell"] == 2


def test_sarif_2_1_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["import pandas as pd\n", "df = pd.read_csv('e.csv')\n"]},
                    {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["x = 1\n", "df.describe()"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(nb, indent=1)
    (project / "nb.ipynb").write_text(text)
    code, out, _ = run(capsys, "--format", "sarif", str(project / "nb.ipynb"), str(project / "leaky.py"))
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0"
    run0 = log["runs"][0]
    assert {r["id"] for r in run0["tool"]["driver"]["rules"]} >= {"peek-holdout", "preprocessing", "overlap"}
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]: r
               for r in run0["results"]}
    nb_result = results["nb.ipynb"]
    line = nb_result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert text.splitlines()[line - 1].strip() == '"df.describe()"'
    assert nb_result["locations"][0]["logicalLocations"][0]["name"] == "cell 2"
    assert results["leaky.py"]["level"] == "warning" and results["leaky.py"]["partialFingerprints"]


def test_suppression_comment(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "leaky.py"
    path.write_text(LEAKY.replace("df.describe()", "df.describe()  # leakguard: ignore[peek-holdout]"))
    code, out, _ = run(capsys, str(path))
    assert code == 0 and "(1 suppressed)" in out
    path.write_text(LEAKY.replace("df.describe()", "df.describe()  # leakguard: ignore[peek-label]"))
    assert run(capsys, str(path))[0] == 1
    path.write_text(LEAKY.replace("df.describe()", "# leakguard: ignore\ndf.describe()"))
    assert run(capsys, str(path))[0] == 0
    path.write_text("# leakguard: ignore-file[peek-holdout]\n" + LEAKY)
    assert run(capsys, str(path))[0] == 0


def test_baseline_survives_moved_lines_but_not_new_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = project / "baseline.json"
    code, _, err = run(capsys, "--write-baseline", str(base), str(project))
    assert code == 0 and "wrote 1 finding(s)" in err
    assert run(capsys, "--baseline", str(base), str(project))[0] == 0
    (project / "leaky.py").write_text("# a comment moves every line\n\n" + LEAKY)
    assert run(capsys, "--baseline", str(base), str(project))[0] == 0
    (project / "leaky.py").write_text(LEAKY + "df['x'].mean()\n")
    code, out, _ = run(capsys, "--baseline", str(base), str(project))
    assert code == 1 and "mean() on df['x']" in out and "describe()" not in out.split("summary")[0].split("\n")[0]
    base.write_text("nope")
    code, _, err = run(capsys, "--baseline", str(base), str(project))
    assert code == 2 and "not valid JSON" in err


def test_directories_recurse_and_skip_virtualenvs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sub = project / "notebooks" / "deep"
    sub.mkdir(parents=True)
    (sub / "leakguard.toml").write_text('label = "churned"\nholdout = 0.2\n')
    (sub / "eda.py").write_text(LEAKY)
    venv = project / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "x.py").write_text(LEAKY)
    _, out, _ = run(capsys, "--format", "json", str(project))
    paths = sorted(Path(f["path"]).name for f in json.loads(out)["files"])
    assert paths == ["clean.py", "eda.py", "leaky.py"]
    _, out, _ = run(capsys, "--format", "json", "--exclude", "*/deep/*", str(project))
    assert "eda.py" not in out


def test_many_files_in_parallel_match_a_serial_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(10):
        (project / f"n{i}.py").write_text(LEAKY if i % 2 else CLEAN)
    code, out_par, _ = run(capsys, "--format", "json", "-j", "2", str(project))
    code2, out_ser, _ = run(capsys, "--format", "json", "-j", "1", str(project))
    strip = lambda doc: [(f["path"], [x["rule"] for x in f["findings"]]) for f in json.loads(doc)["files"]]  # noqa: E731
    assert code == code2 == 1
    assert strip(out_par) == strip(out_ser)
    assert json.loads(out_par)["summary"]["findings"] == 6


def test_progress_bar_only_on_a_terminal(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, str(project))  # captured: not a terminal
    assert "[#" not in err
    stream = io.StringIO()
    bar = Progress(stream)
    bar(1, 4)
    bar(4, 4)
    assert "1/4 files" in stream.getvalue() and "4/4 files" in stream.getvalue()


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = project / "report.sarif"
    code, out, _ = run(capsys, "--format", "sarif", "-o", str(target), str(project / "leaky.py"))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_pre_commit_hook_definition() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "id: leakguard-check" in text and "entry: leakguard check" in text
    assert "types_or: [python, jupyter]" in text


def _dies_on_crash_py(path: str) -> object:
    """Stands in for a checker that crashes its process outright on one file (no exception to catch)."""
    import os

    from leakguard.static.engine import check_path

    if path.endswith("crash.py"):
        os._exit(7)
    return check_path(Path(path))


def test_a_worker_that_dies_costs_only_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import leakguard.faces.check as command

    for i in range(12):
        (tmp_path / f"ok{i:02}.py").write_text("import pandas as pd\ndf = pd.read_csv('x.csv')\ndf.describe()\n")
    (tmp_path / "crash.py").write_text("x = 1\n")
    # the pool's workers are forked from this process, so they run the stand-in
    monkeypatch.setattr(command, "_check", _dies_on_crash_py)
    code = main(["check", str(tmp_path), "-j", "2", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert code == 2  # one file could not be checked
    assert "died" in by_name["crash.py"]["error"]
    assert len(by_name) == 13 and all(by_name[f"ok{i:02}.py"]["error"] is None for i in range(12))
