"""Row facts of a split (leakguard/kernel/evidence.py): what a fresh split of the same parent costs, and that
copies across it are still counted exactly.

The work is counted, not timed: the identity questions asked and the rows hashed while
the fit and the score of a re-split run (benchmarks/bench_kernel.py times the same cell).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leakguard.kernel import evidence
from leakguard.lineage import fingerprint
from tests.conftest import Kernel

FEATS = ["x0", "x1", "x2", "x3"]
SETUP = """\
import pandas as pd, leakguard
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01')
df = pd.read_parquet({path!r})
X = df[{feats!r}]
y = df['churned']
Xs, ys = X.iloc[:{sample}], y.iloc[:{sample}]
"""
SPLIT = "Xtr, Xte, ytr, yte = train_test_split(Xs, ys, test_size=0.25, random_state={seed})"
FIT_SCORE = "sc = LogisticRegression().fit(Xtr, ytr).score(Xte, yte)"


def events(n: int, copies: tuple[int, int, int] | None = None) -> pd.DataFrame:
    """``n`` rows (id, time, plan, 4 features, label); ``copies=(src, dst, k)`` repeats rows src.. at dst.. (k rows)."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({
        "id": np.arange(n), "event_ts": pd.date_range("2024-01-01", "2024-12-31", periods=n),
        "plan": rng.choice(["a", "b", "c"], n), **{f: rng.normal(size=n) for f in FEATS},
        "churned": rng.integers(0, 2, n),
    })
    if copies is not None:
        src, dst, k = copies
        df.iloc[dst:dst + k] = df.iloc[src:src + k].to_numpy()  # whole records, ids and times included
        df = df.astype({"id": "int64", "churned": "int64"})
    return df


class Work:
    """Counts the identity questions and the hashed rows of the evidence functions (the real ones run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.identity = 0
        self.hashed = 0
        identity, hashes = fingerprint.identity_holds, fingerprint.row_hashes

        def counted_identity(*args: Any, **kwargs: Any) -> bool:
            self.identity += 1
            return identity(*args, **kwargs)

        def counted_hashes(*args: Any, **kwargs: Any) -> Any:
            out = hashes(*args, **kwargs)
            self.hashed += len(out)
            return out

        monkeypatch.setattr(fingerprint, "identity_holds", counted_identity)
        monkeypatch.setattr(fingerprint, "row_hashes", counted_hashes)

    def reset(self) -> None:
        self.identity = self.hashed = 0


def session(kernel: Kernel, tmp_path: Path, df: pd.DataFrame, sample: int) -> None:
    path = tmp_path / "events.parquet"
    df.to_parquet(path)
    kernel.run(SETUP.format(path=str(path), feats=FEATS, sample=sample))


def overlap(run: Any) -> list[str]:
    return [f.message for f in run.findings if f.rule == "overlap"]


def expected_copies(ns: dict[str, Any]) -> int:
    """Test rows whose full record (in ``df``) is also a training row's: the count the finding must give."""
    records = ns["df"].astype({"event_ts": "int64"})
    train = set(map(tuple, records.loc[ns["Xtr"].index].to_numpy().tolist()))
    return sum(tuple(r) in train for r in records.loc[ns["Xte"].index].to_numpy().tolist())


def test_a_fresh_split_of_the_same_parent_asks_one_identity_question_per_part(
        kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session(kernel, tmp_path, events(20_000), sample=4_000)
    kernel.run(SPLIT.format(seed=0))
    kernel.run(FIT_SCORE)  # the parent's facts (its identity with X and df, its records) are proven here
    work = Work(monkeypatch)
    for seed in (1, 2):
        kernel.run(SPLIT.format(seed=seed))
        work.reset()
        run = kernel.run(FIT_SCORE)
        # each part against the parent; the training part's own labels: not one question per ancestor
        assert work.identity <= 3, work.identity
        assert work.hashed == 0  # the parent's repeated records are known: nothing is hashed again
        assert not overlap(run)
    assert evidence.evaluation_facts(kernel.session, kernel.session.node_for_name("Xtr"),
                                     kernel.session.node_for_name("Xte")) == (0, False)


@pytest.mark.parametrize(("shuffle", "ordered"), [(True, False), (False, True)])
def test_time_order_of_a_re_split_is_exact_whether_a_few_rows_settle_it_or_all_are_compared(
        kernel: Kernel, tmp_path: Path, shuffle: bool, ordered: bool) -> None:
    session(kernel, tmp_path, events(20_000), sample=4_000)
    for seed in (0, 1):
        kernel.run(f"Xtr, Xte, ytr, yte = train_test_split(Xs, ys, test_size=0.25, shuffle={shuffle}, "
                   f"random_state={seed if shuffle else None})")
        kernel.run(FIT_SCORE)
        ns = kernel.ns
        times = ns["df"]["event_ts"]
        assert (times.loc[ns["Xtr"].index].max() <= times.loc[ns["Xte"].index].min()) is ordered
        facts = evidence.evaluation_facts(kernel.session, kernel.session.node_for_name("Xtr"),
                                          kernel.session.node_for_name("Xte"))
        assert facts == (0, ordered)


def test_the_first_split_of_a_sample_hashes_the_sample_not_its_source(
        kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session(kernel, tmp_path, events(20_000), sample=4_000)
    work = Work(monkeypatch)
    kernel.run(SPLIT.format(seed=0))
    run = kernel.run(FIT_SCORE)
    assert 0 < work.hashed <= 4_000
    assert not overlap(run)


@pytest.mark.parametrize("seed", [0, 1])
def test_copies_inside_the_sample_are_counted_exactly_across_every_re_split(
        kernel: Kernel, tmp_path: Path, seed: int) -> None:
    session(kernel, tmp_path, events(20_000, copies=(100, 2_000, 300)), sample=4_000)
    for s in (seed, seed + 10):  # the second split reuses the parent's repeated records
        kernel.run(SPLIT.format(seed=s))
        found = overlap(kernel.run(FIT_SCORE))
        expected = expected_copies(kernel.ns)
        assert expected > 0
        assert len(found) == 1 and found[0].startswith(f"{expected:,} rows of Xte are also training rows"), found


def test_copies_outside_the_sample_do_not_make_a_finding(kernel: Kernel, tmp_path: Path) -> None:
    # the source repeats 300 records, all beyond the 4,000 rows the sample takes
    session(kernel, tmp_path, events(20_000, copies=(10_000, 12_000, 300)), sample=4_000)
    for s in (0, 1):
        kernel.run(SPLIT.format(seed=s))
        assert not overlap(kernel.run(FIT_SCORE))
        assert expected_copies(kernel.ns) == 0


@pytest.mark.parametrize(("column", "proxy"), [("ticket", True), ("noise_id", False)])
def test_a_label_proxy_is_found_on_every_re_split_and_a_plain_id_on_none(
        kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str, proxy: bool) -> None:
    df = events(6_000)
    rng = np.random.default_rng(5)
    df["ticket"] = np.where(df["churned"] == 1, 100_000, 0) + rng.permutation(len(df))  # numbered by outcome
    df["noise_id"] = rng.permutation(len(df))
    session(kernel, tmp_path, df, sample=4_000)
    kernel.run(f"Xs = df[['x0', 'x1', {column!r}]].iloc[:4000]")
    asked = []
    proxies = evidence.label_proxies
    monkeypatch.setattr(evidence, "label_proxies", lambda X, y: asked.append(len(X)) or proxies(X, y))
    for seed in (0, 1, 2):
        kernel.run(SPLIT.format(seed=seed))
        run = kernel.run(FIT_SCORE)
        found = [f.message for f in run.findings if f.rule == "target"]
        assert bool(found) is proxy and all(column in m for m in found), found
    assert asked == [4_000]  # once, on the parents (4,000 rows), not once per split


def test_label_proxies_are_separators_with_varied_values_on_mixed_frames() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3_000)
    X = pd.DataFrame({
        "plan": rng.choice(["a", "b"], 3_000),  # not numeric: skipped
        "noise": rng.normal(size=3_000),
        "flag": y.copy(),  # separates, but a 0/1 flag is not a proxy
        "ticket": np.where(y == 1, 10_000, 0) + np.arange(3_000),  # ids assigned by outcome
    })
    assert evidence.label_proxies(X, y) == ("ticket",)
    assert evidence.label_proxies(X[["plan", "noise", "flag"]], y) == ()


class Lookups:
    """Counts the index questions of the evidence functions: uniqueness checks and sampled identity checks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.unique = 0
        self.answers: list[bool] = []  # identity_holds between two different values
        unique, identity = fingerprint.unique_labels, fingerprint.identity_holds

        def counted_unique(index: Any) -> bool:
            self.unique += 1
            return unique(index)

        def counted_identity(obj: Any, source: Any, *args: Any, **kwargs: Any) -> bool:
            held = identity(obj, source, *args, **kwargs)
            if obj is not source:
                self.answers.append(held)
            return held

        monkeypatch.setattr(fingerprint, "unique_labels", counted_unique)
        monkeypatch.setattr(fingerprint, "identity_holds", counted_identity)


SAMPLED = "Xs = X.sample(4_000, random_state=0); ys = y.loc[Xs.index]"  # scattered labels, no RangeIndex


def test_the_parts_of_a_fresh_split_are_known_rows_of_their_parent_without_a_lookup(
        kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session(kernel, tmp_path, events(20_000), sample=4_000)
    kernel.run(SAMPLED)
    kernel.run(SPLIT.format(seed=0))
    kernel.run(FIT_SCORE)  # the parent's facts (its labels unique, its identity with X and df) are proven here
    seen = Lookups(monkeypatch)
    for seed in (1, 2):
        kernel.run(SPLIT.format(seed=seed))
        run = kernel.run(FIT_SCORE)
        assert not overlap(run)
        assert evidence.evaluation_facts(kernel.session, kernel.session.node_for_name("Xtr"),
                                         kernel.session.node_for_name("Xte")) == (0, False)
    assert seen.unique == 0  # a part's labels are unique because its parent's are
    assert seen.answers == []  # no sampled label of a part looked up in the parent's index


def test_a_part_relabelled_after_its_split_is_asked_again_and_found_misnamed(
        kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session(kernel, tmp_path, events(20_000), sample=4_000)
    kernel.run(SAMPLED)
    kernel.run(SPLIT.format(seed=0))
    kernel.run(FIT_SCORE)
    seen = Lookups(monkeypatch)
    kernel.run(SPLIT.format(seed=1))
    kernel.run("Xte.index = Xte.index[::-1]")  # same labels, now naming other rows of Xs
    kernel.run(FIT_SCORE)
    assert False in seen.answers  # the relabelled part was checked against its parent, and failed
    ns, s = kernel.ns, kernel.session
    assert not evidence._identity(s, ns["Xte"], s.node_for_name("Xs"), ns["Xs"])
    assert evidence._identity(s, ns["Xtr"], s.node_for_name("Xs"), ns["Xs"])


def test_the_label_digest_tells_values_apart_and_never_raises() -> None:
    from leakguard.kernel.frames import digest

    a = np.arange(50_000) % 3
    assert digest(a) == digest(pd.Series(a)) is not None
    assert digest(a[:100]) != digest(a[1:101])
    assert digest(pd.Series(["yes", "no"] * 30_000)) != digest(pd.Series(["no", "yes"] * 30_000))
    assert digest([1, 2]) is None and digest(np.float64(1.0)) is None
