"""The policy: validation with clear messages, loading order, inferred parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakguard.errors import PolicyError
from leakguard.policy import Policy, load_policy, parse_magic_args


def test_update_and_summary_marks_inferred_parts() -> None:
    p = Policy().updated({"label": "churned"}, "test")
    p = p.with_default_holdout()
    assert p.holdout.fraction == 0.2
    assert "holdout" in p.inferred
    assert "(inferred)" in p.summary()
    declared = p.updated({"holdout": 0.3}, "test")
    assert "holdout" not in declared.inferred


@pytest.mark.parametrize(("values", "message"), [
    ({"holdout": 1.5}, "strictly between 0 and 1"),
    ({"holdout": "lots"}, "fraction between 0 and 1"),
    ({"mode": "loud"}, "mode must be one of warn, block, safe"),
    ({"cutoff": "next tuesday", "time": "t"}, "not an ISO date"),
    ({"cutoff": "2024-01-01"}, "needs time"),
    ({"colour": "red"}, "unknown policy key(s) colour"),
    ({"label": 3}, "label must be a column name"),
    ({"holdout_ids": [1, 2]}, "holdout_ids needs id_column"),
    ({"seed": "x"}, "seed must be an integer"),
])
def test_bad_values_get_clear_errors(values: dict, message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Policy().updated(values, "test")


def test_unknown_column_lists_the_frames_columns() -> None:
    p = Policy().updated({"label": "churn", "time": "ts", "cutoff": "2024-01-01"}, "test")
    with pytest.raises(PolicyError) as err:
        p.check_columns(["event_ts", "plan", "churned"], "df")
    text = str(err.value)
    assert "'churn'" in text and "'ts'" in text and "event_ts, plan, churned" in text


def test_loading_order_pyproject_then_leakguard_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.leakguard]\nlabel = "y"\nholdout = 0.1\nmode = "block"\n')
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    (nb_dir / "leakguard.toml").write_text('holdout = 0.3\ntime = "ts"\ncutoff = "2024-06-01"\n')
    p = load_policy(nb_dir)
    assert p.label == ("y",)
    assert p.holdout.fraction == 0.3
    assert p.mode == "block"
    assert p.cutoff == "2024-06-01"
    assert p.origin_of("holdout") == str(nb_dir / "leakguard.toml")
    assert p.origin_of("label") == str(tmp_path / "pyproject.toml")


def test_pyproject_without_table_is_ignored_and_bad_toml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_policy(tmp_path) == Policy()
    (tmp_path / "leakguard.toml").write_text("label = \n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(tmp_path)


def test_magic_arguments() -> None:
    values = parse_magic_args("label=churned,refund time=event_ts cutoff=2024-06-01 holdout=0.2 seed=7")
    assert values == {"label": ["churned", "refund"], "time": "event_ts", "cutoff": "2024-06-01",
                      "holdout": 0.2, "seed": 7}
    with pytest.raises(PolicyError, match="key=value"):
        parse_magic_args("churned")
    with pytest.raises(PolicyError, match="cannot read"):
        parse_magic_args("label='unterminated")


def test_to_dict_round_trips_the_visible_parts() -> None:
    p = Policy().updated({"label": ["a"], "time": "t", "cutoff": "2024-01-01", "holdout": 0.25, "seed": 3}, "x")
    d = p.to_dict()
    assert d["label"] == ["a"] and d["holdout"]["fraction"] == 0.25 and d["holdout"]["seed"] == 3


# -- validation of every key (issue 13): a clear PolicyError naming the key, never a bare error --


@pytest.mark.parametrize(("ids", "shown"), [
    (5, "5"),
    ("c7", "'c7'"),
    ({"a": 1}, "{'a': 1}"),
    ([[1, 2], [3]], "[1, 2]"),
    ([1, {"x"}], "{'x'}"),
])
def test_holdout_ids_that_cannot_match_are_refused_naming_the_key(ids: object, shown: str) -> None:
    with pytest.raises(PolicyError) as err:
        Policy().updated({"holdout_ids": ids, "id_column": "customer_id"}, "test")
    text = str(err.value)
    assert text.startswith("holdout_ids") and shown in text and "(from test)" in text


@pytest.mark.parametrize("ids", [[17, 42], (17, "c7"), range(3), {5}, [], None])
def test_holdout_ids_of_hashable_values_are_kept(ids: object) -> None:
    """The negative twin: lists, tuples, ranges and sets of ids are fine (None clears them)."""
    p = Policy().updated({"holdout_ids": ids, "id_column": "customer_id"}, "test")
    assert p.holdout.ids == (None if ids is None else tuple(ids))  # type: ignore[call-overload]


@pytest.mark.parametrize(("text", "labels"), [
    ("label=[y,nope]", ("y", "nope")),
    ("label=['y','nope']", ("y", "nope")),
    ("label='[y, nope]'", ("y", "nope")),
    ("label=y,nope", ("y", "nope")),
    ("label=[churned]", ("churned",)),
    ("label=churned", ("churned",)),
])
def test_magic_list_values_are_lists_of_names(text: str, labels: tuple[str, ...]) -> None:
    p = Policy().updated(parse_magic_args(text), "%leakguard policy")
    assert p.label == labels


@pytest.mark.parametrize(("text", "message"), [
    ("label=[y, nope]", "label"),        # unquoted space: the list is cut in two words
    ("label=[y,nope", "label"),
    ("label=y]", "label"),
    ("label=[y,[z]]", "label"),
    ("holdout_tables=[a,b", "holdout_tables"),
])
def test_magic_malformed_lists_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=rf"^{message}\b"):
        parse_magic_args(text)


def test_magic_holdout_ids_read_integers_as_integers() -> None:
    values = parse_magic_args("holdout_ids=[17,42,c7,007] id_column=customer_id")
    assert values["holdout_ids"] == [17, 42, "c7", "007"]
