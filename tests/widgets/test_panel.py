"""``leakguard.panel()``: the same information as the sidebar, as ipywidgets, kept current."""

from __future__ import annotations

import gc

import leakguard
from leakguard.faces.widgets.panel import Panel

HOSTILE = "<img src=x onerror=alert(1)>"


def _panel(kernel) -> Panel:
    widget = leakguard.panel()
    panel = widget._leakguard_panel
    assert isinstance(panel, Panel)
    return panel


def test_without_leakguard_loaded_it_says_so() -> None:
    assert "not loaded" in leakguard.panel().value


def test_shows_policy_and_findings_and_follows_each_cell(loaded_events) -> None:
    panel = _panel(loaded_events)
    assert "churned" in panel.policy.value and "2024-06-01" in panel.policy.value
    assert "No findings yet" in panel.findings.value
    loaded_events.run("df.describe()")
    assert "peek-holdout" in panel.findings.value and "fix:" in panel.findings.value


def test_inferred_policy_parts_are_marked(loaded_events) -> None:
    loaded_events.session.set_policy(loaded_events.session.policy.updated({"holdout": 0.2}, "test", inferred=True))
    panel = _panel(loaded_events)
    assert "holdout</th><td>20% (seed 7) <i>(inferred)</i>" in panel.policy.value


def test_mode_switch_changes_the_session(loaded_events) -> None:
    panel = _panel(loaded_events)
    panel.mode.value = "safe"
    assert loaded_events.session.policy.mode == "safe"
    loaded_events.run("%leakguard mode block")
    assert panel.mode.value == "block"


def test_explain_and_export(loaded_events, monkeypatch) -> None:
    panel = _panel(loaded_events)
    loaded_events.run("train, test = leakguard.split(df)")
    panel.explain("train")
    assert "<b>train</b> ← df" in panel.provenance.value
    panel.explain("__import__('os')")
    assert "not a variable name" in panel.provenance.value
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    panel.export()
    assert "does not know this notebook" in panel.export_result.value


def test_hostile_names_are_escaped(loaded_events) -> None:
    loaded_events.run(f"df[{HOSTILE!r}] = df['churned']")
    loaded_events.run(f"leakguard.policy(label={HOSTILE!r});")
    loaded_events.run(f"df.groupby('plan')[{HOSTILE!r}].mean()")
    panel = _panel(loaded_events)
    html = panel.policy.value + panel.findings.value
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_closed_panel_stops_listening(loaded_events) -> None:
    before = len(loaded_events.session.listeners)
    widget = leakguard.panel()
    assert len(loaded_events.session.listeners) == before + 1
    widget.close()
    del widget
    gc.collect()
    loaded_events.run("x = 1")
    assert len(loaded_events.session.listeners) == before


def test_findings_show_their_title_and_fold_the_detail(loaded_events) -> None:
    panel = _panel(loaded_events)
    loaded_events.run("df.describe()")
    f = loaded_events.session.findings[-1]
    assert f.title in panel.findings.value and f"<details><summary>why</summary>{f.detail}" in panel.findings.value
    assert f.message not in panel.findings.value  # the joined text is not shown twice


def test_export_names_the_cells_that_stop_it_and_can_leave_them_out(loaded_events, events_file, monkeypatch) -> None:
    import json

    cells = ["import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
             "from sklearn.model_selection import train_test_split",
             f"df = pd.read_parquet({events_file.name!r})",
             "df.describe()",  # a look at every row, test rows included: the split below reveals it
             "X_tr, X_te, y_tr, y_te = train_test_split(df[['x', 'z']], df['churned'], random_state=0)",
             "model = LogisticRegression().fit(X_tr, y_tr)"]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": src} for i, src in enumerate(cells)]}
    (events_file.parent / "eda.ipynb").write_text(json.dumps(nb))
    monkeypatch.setenv("JPY_SESSION_NAME", str(events_file.parent / "eda.ipynb"))
    panel = _panel(loaded_events)
    panel.export()
    assert "<code>peek-holdout</code>" in panel.export_result.value, panel.export_result.value
    assert "leave out the cells with findings" in panel.export_result.value
    panel.drop_leaky.value = True
    panel.export()
    assert ".py</code>" in panel.export_result.value and "<code>peek-holdout</code>" not in panel.export_result.value
