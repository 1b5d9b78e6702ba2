"""Finding texts that only the live kernel can get right: names of a split made in the same cell,
counts of candidates that grow while a loop runs, and the cell report's forms."""

from __future__ import annotations

import dataclasses

from leakguard.faces.display import findings_html, findings_text
from tests.conftest import Kernel

_IMPORTS = ("from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression\n"
            "from sklearn.model_selection import train_test_split\n")


def test_a_split_unpacked_in_the_cell_that_fits_is_named_as_written(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run(_IMPORTS)
    r = k.run("Xs = StandardScaler().fit_transform(df[['x', 'z']])\n"
              "Xa, Xb, ya, yb = train_test_split(Xs, df['churned'], random_state=0)\n"
              "m = LogisticRegression().fit(Xa, ya)")
    [f] = [f for f in r.findings if f.rule == "preprocessing"]
    assert "LogisticRegression is trained on Xa " in f.detail
    assert "`standardscaler.transform(Xb)`" in f.hint and ".fit(Xa, ya)`" in f.hint
    assert all("<" not in s.name for s in f.provenance), [s.name for s in f.provenance]


def test_a_split_bound_to_one_name_keeps_the_engine_names(loaded_events: Kernel) -> None:
    # twin: nothing unpacks the parts, so no name is invented for them
    k = loaded_events
    k.run(_IMPORTS)
    k.run("parts = train_test_split(df[['x', 'z']], df['churned'], random_state=0)")
    assert sorted(n.name for n in k.session.graph.nodes.values() if n.split_role) == [
        "<holdout part>", "<holdout part>", "<train part>", "<train part>"]


def test_a_loop_over_four_models_counts_four_candidates(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run(_IMPORTS)
    k.run("past = df[df.event_ts <= '2024-06-01']\n"
          "Xa, Xb, ya, yb = train_test_split(past[['x', 'z']], past['churned'], shuffle=False)")
    r = k.run("for C in [0.01, 0.1, 10.0, 100.0]:\n    LogisticRegression(C=C).fit(Xa, ya).score(Xb, yb)")
    found = [f for f in r.findings if f.rule == "multi-test"]
    count = found[0].where.execution_count
    assert [f.title for f in found] == [f"the test set Xb has scored 4 candidates (In[{count}])"]
    assert [f.title for f in k.session.findings if f.rule == "multi-test"] == [found[0].title]  # replaced, not added
    assert "LogisticRegression(C=0.01)" in found[0].detail and "LogisticRegression(C=100.0)" in found[0].detail


def test_one_model_scored_once_is_not_a_candidate_count(loaded_events: Kernel) -> None:
    k = loaded_events
    k.run(_IMPORTS)
    k.run("past = df[df.event_ts <= '2024-06-01']\n"
          "Xa, Xb, ya, yb = train_test_split(past[['x', 'z']], past['churned'], shuffle=False)")
    r = k.run("m = LogisticRegression().fit(Xa, ya)\nm.score(Xb, yb)")
    assert [f for f in r.findings if f.rule == "multi-test"] == []


def test_repeats_of_a_rule_that_is_not_cumulative_keep_the_first_finding(loaded_events: Kernel) -> None:
    r = loaded_events.run("df.describe(); df.mean(numeric_only=True)")
    assert [f.title for f in r.findings if f.rule == "peek-holdout"] == ["describe() on df sees the holdout rows"]


def test_the_cell_report_shows_title_detail_fix_and_blocked(loaded_events: Kernel) -> None:
    [f] = [f for f in loaded_events.run("df.describe()").findings if f.rule == "peek-holdout"]
    html = findings_html([dataclasses.replace(f, blocked=True)])
    assert "describe() on df sees the holdout rows" in html and 'class="leakguard-blocked">blocked<' in html
    assert "<code>train, test = leakguard.split(df)</code>" in html and "`" not in html
    assert 'data-blocked="false"' in findings_html([f])
    text = findings_text([dataclasses.replace(f, blocked=True)])
    assert "describe() on df sees the holdout rows — blocked" in text and f.detail in text
