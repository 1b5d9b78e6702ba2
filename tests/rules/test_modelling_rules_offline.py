"""The modelling rules run on events built by hand: no IPython, no pandas, no scikit-learn.

This is what the static checker and export rely on: the same rule functions judge a
notebook from events alone. Each positive has its negative twin.
"""

from __future__ import annotations

from leakguard.finding import Finding
from leakguard.lineage.events import Derive, Evaluate, Event, Fit, Read, Split, SplitPart, Where
from leakguard.lineage.graph import LineageGraph
from leakguard.policy import Policy
from leakguard.rules.registry import run_rules

COLS = ("event_ts", "plan", "x", "refund", "churned")


class Notebook:
    """Builds a lineage graph event by event, one cell per event, and collects every finding."""

    def __init__(self, **policy: object) -> None:
        self.graph = LineageGraph(Policy().updated(policy, "test") if policy else Policy())
        self.findings: list[Finding] = []
        self.cell = 0

    def where(self) -> Where:
        self.cell += 1
        return Where(f"c{self.cell}", self.cell, 1)

    def emit(self, event: Event) -> str:
        self.graph.apply(event)
        self.findings.extend(run_rules(self.graph, event))
        out = getattr(event, "out", None)
        return out if isinstance(out, str) else ""

    def read(self, name: str = "df", cols: tuple[str, ...] = COLS) -> str:
        return self.emit(Read(self.graph.new_id(), "events.parquet", name, self.where(), cols))

    def derive(self, inputs: tuple[str, ...], op: str, name: str, cols: tuple[str, ...] | None = None,
               **kw: object) -> str:
        return self.emit(Derive(self.graph.new_id(), inputs, op, name, self.where(), columns=cols, **kw))  # type: ignore[arg-type]

    def split(self, parent: str, names: tuple[str, str] = ("train", "test"), *, time_ordered: bool | None = None,
              cols: tuple[str, ...] | None = None) -> tuple[str, str]:
        tr, te = self.graph.new_id(), self.graph.new_id()
        self.emit(Split(parent, (SplitPart(tr, "train", names[0], cols), SplitPart(te, "holdout", names[1], cols)),
                        "train_test_split", self.where(), time_ordered=time_ordered))
        return tr, te

    def fit(self, data: str, target: str | None = None, est: str = "LogisticRegression()", **kw: object) -> str:
        return self.emit(Fit(self.graph.new_id(), est, data, self.where(), target, **kw))  # type: ignore[arg-type]

    def transform(self, model: str, data: str, name: str, cols: tuple[str, ...] | None = None) -> str:
        return self.derive((model, data), "transform", name, cols, rows="same")

    def evaluate(self, model: str, data: str, target: str | None = None, **kw: object) -> None:
        self.emit(Evaluate(model, data, self.where(), target, **kw))  # type: ignore[arg-type]

    def rules(self) -> list[str]:
        return sorted(f.rule for f in self.findings if f.rule not in ("peek-holdout", "peek-future", "peek-label"))


FEATURES = ("x", "refund")


def xy(nb: Notebook, df: str) -> tuple[str, str]:
    return nb.derive((df,), "select", "X", FEATURES), nb.derive((df,), "select", "y", ("churned",))


# -- preprocessing --------------------------------------------------------------------------------


def test_scaler_fit_before_the_split_is_preprocessing() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    scaler = nb.fit(X, est="StandardScaler()", learner="transformer")
    Xs = nb.transform(scaler, X, "Xs", FEATURES)
    X_tr, _ = nb.split(Xs)
    y_tr, _ = nb.split(y)
    nb.fit(X_tr, y_tr)
    assert nb.rules() == ["preprocessing"]
    f = nb.findings[-1]
    assert "StandardScaler" in f.message and f.hint and f.provenance[0].name == "X"


def test_scaler_fit_on_the_training_part_is_clean() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, X_te = nb.split(X)
    y_tr, y_te = nb.split(y)
    scaler = nb.fit(X_tr, est="StandardScaler()", learner="transformer")
    model = nb.fit(nb.transform(scaler, X_tr, "X_tr_s", FEATURES), y_tr)
    nb.evaluate(model, nb.transform(scaler, X_te, "X_te_s", FEATURES), y_te)
    assert nb.rules() == []


def test_hand_written_mean_before_the_split_is_preprocessing_column_by_column() -> None:
    nb = Notebook()
    df = nb.read()
    mean = nb.derive((df,), "mean", "df['x'].mean()", rows="aggregate", kind="scalar")
    filled = nb.derive((df, mean), "['x'] =", "df", COLS, column="x", column_inputs=("x",))
    train, _ = nb.split(filled)
    nb.fit(nb.derive((train,), "select", "X", ("x",)), nb.derive((train,), "select", "y", ("churned",)))
    assert nb.rules() == ["preprocessing"]
    # the twin: the filled column is not among the features, so nothing learned from the holdout reaches the model
    nb2 = Notebook()
    df = nb2.read()
    mean = nb2.derive((df,), "mean", "df['x'].mean()", rows="aggregate", kind="scalar")
    filled = nb2.derive((df, mean), "['x'] =", "df", COLS, column="x", column_inputs=("x",))
    train, _ = nb2.split(filled)
    nb2.fit(nb2.derive((train,), "select", "X", ("refund",)), nb2.derive((train,), "select", "y", ("churned",)))
    assert nb2.rules() == []


def test_scaled_outside_cross_validation_is_preprocessing_pipeline_inside_is_not() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, _ = nb.split(X)
    y_tr, _ = nb.split(y)
    scaler = nb.fit(X_tr, est="StandardScaler()", learner="transformer")
    est = nb.derive((), "estimator", "LogisticRegression()", rows="aggregate", kind="model")
    nb.evaluate(est, nb.transform(scaler, X_tr, "X_tr_s", FEATURES), y_tr, kind="cross-validate",
                op="cross_val_score")
    assert nb.rules() == ["preprocessing"]
    nb2 = Notebook()
    X, y = xy(nb2, nb2.read())
    X_tr, _ = nb2.split(X)
    y_tr, _ = nb2.split(y)
    pipe = nb2.derive((), "estimator", "Pipeline(StandardScaler, LogisticRegression)", rows="aggregate", kind="model")
    nb2.evaluate(pipe, X_tr, y_tr, kind="cross-validate", op="cross_val_score")
    assert nb2.rules() == []


# -- overlap --------------------------------------------------------------------------------------


def test_trained_on_all_rows_then_tested_on_the_holdout_is_overlap() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    model = nb.fit(X, y)
    _, X_te = nb.split(X)
    _, y_te = nb.split(y)
    nb.evaluate(model, X_te, y_te)
    assert nb.rules() == ["overlap"]
    assert nb.findings[-1].severity == "error"


def test_concatenating_the_test_part_back_is_overlap() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, X_te = nb.split(X)
    y_tr, y_te = nb.split(y)
    both = nb.derive((X_tr, X_te), "concat", "X_all", FEATURES, rows="combine")
    model = nb.fit(both, nb.derive((y_tr, y_te), "concat", "y_all", ("churned",), rows="combine"))
    nb.evaluate(model, X_te, y_te)
    assert nb.rules() == ["overlap"]


def test_resampled_before_the_split_is_overlap_after_is_not() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_res = nb.derive((X, y), "SMOTE.fit_resample", "X_res", FEATURES, rows="combine", synthetic=True)
    X_tr, X_te = nb.split(X_res)
    model = nb.fit(X_tr)
    nb.evaluate(model, X_te)
    assert nb.rules() == ["overlap"]
    nb2 = Notebook()
    X, y = xy(nb2, nb2.read())
    X_tr, X_te = nb2.split(X)
    X_res = nb2.derive((X_tr,), "SMOTE.fit_resample", "X_res", FEATURES, rows="combine", synthetic=True)
    nb2.evaluate(nb2.fit(X_res), X_te)
    assert nb2.rules() == []


def test_duplicates_across_the_split_found_by_the_engine_are_overlap() -> None:
    for shared, expected in ((12, ["overlap"]), (0, [])):
        nb = Notebook()
        X, _ = xy(nb, nb.read())
        X_tr, X_te = nb.split(X)
        nb.evaluate(nb.fit(X_tr), X_te, shared_rows=shared)
        assert nb.rules() == expected


def test_training_score_without_any_holdout_is_overlap_next_to_a_test_set_it_is_not() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    nb.evaluate(nb.fit(X, y), X, y)
    assert nb.rules() == ["overlap"] and nb.findings[-1].severity == "warning"
    nb2 = Notebook()
    X, y = xy(nb2, nb2.read())
    X_tr, X_te = nb2.split(X)
    y_tr, y_te = nb2.split(y)
    model = nb2.fit(X_tr, y_tr)
    nb2.evaluate(model, X_tr, y_tr)
    nb2.evaluate(model, X_te, y_te)
    assert nb2.rules() == []


# -- multi-test -----------------------------------------------------------------------------------


def test_two_candidates_scored_on_the_holdout_is_multi_test_one_with_two_metrics_is_not() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, X_te = nb.split(X)
    y_tr, y_te = nb.split(y)
    a = nb.fit(X_tr, y_tr, est="LogisticRegression(C=0.1)")
    nb.evaluate(a, X_te, y_te)
    nb.evaluate(a, X_te, y_te, op="f1_score")
    assert nb.rules() == []
    b = nb.fit(X_tr, y_tr, est="LogisticRegression(C=10)")
    nb.evaluate(b, X_te, y_te)
    assert nb.rules() == ["multi-test"]


def test_a_loop_on_one_line_is_multi_test_and_validation_data_on_the_test_set_too() -> None:
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, X_te = nb.split(X)
    y_tr, y_te = nb.split(y)
    m = nb.fit(X_tr, y_tr)
    w = Where("loop", 9, 3)
    for _ in range(2):
        nb.emit(Evaluate(m, X_te, w, y_te, op="f1_score"))
    assert nb.rules() == ["multi-test"]
    nb2 = Notebook()
    X, y = xy(nb2, nb2.read())
    X_tr, X_te = nb2.split(X)
    y_tr, y_te = nb2.split(y)
    X_fit, X_val = nb2.split(X_tr, ("X_fit", "X_val"))
    y_fit, y_val = nb2.split(y_tr, ("y_fit", "y_val"))
    m = nb2.fit(X_fit, y_fit)
    nb2.evaluate(m, X_val, y_val, kind="validation", op="validation_data")
    assert nb2.rules() == []
    nb2.evaluate(m, X_te, y_te, kind="validation", op="validation_data")
    assert nb2.rules() == ["multi-test"]


def test_one_model_scored_per_group_from_one_line_is_not_a_loop_unless_the_labels_are_the_same() -> None:
    """``accuracy_score(y_te[m], pred[m])`` per segment or bootstrap sample describes one model (labels differ)."""
    nb = Notebook()
    X, y = xy(nb, nb.read())
    X_tr, X_te = nb.split(X)
    y_tr, y_te = nb.split(y)
    m = nb.fit(X_tr, y_tr)
    w = Where("loop", 9, 3)
    for labels in ("rows a", "rows b", "rows c"):
        nb.emit(Evaluate(m, X_te, w, y_te, op="accuracy_score", labels=labels))
    assert nb.rules() == []
    nb.emit(Evaluate(m, X_te, w, y_te, op="accuracy_score", labels="rows c"))  # a fixed group scored again
    assert nb.rules() == ["multi-test"]


# -- target ---------------------------------------------------------------------------------------


def test_label_inside_the_features_is_target() -> None:
    nb = Notebook()
    df = nb.read()
    train, _ = nb.split(df)
    nb.fit(nb.derive((train,), "drop", "X", ("x", "refund", "churned")),
           nb.derive((train,), "select", "y", ("churned",)))
    assert nb.rules() == ["target"] and nb.findings[-1].severity == "error"


def test_a_column_computed_from_the_label_is_target_one_from_other_columns_is_not() -> None:
    for inputs, expected in ((("refund", "churned"), ["target"]), (("refund", "x"), [])):
        nb = Notebook(label="churned")
        df = nb.read()
        df2 = nb.derive((df,), "['ratio'] =", "df", (*COLS, "ratio"), column="ratio", column_inputs=inputs)
        train, _ = nb.split(df2)
        nb.fit(nb.derive((train,), "select", "X", ("x", "ratio")))
        assert nb.rules() == expected, inputs


def test_target_encoding_over_all_rows_is_target_over_the_training_part_is_not() -> None:
    nb = Notebook(label="churned")
    df = nb.read()
    enc = nb.derive((df,), "mean", "df.groupby('plan')['churned'].mean()", ("churned",), rows="aggregate",
                    label_derived=True)
    df2 = nb.derive((df, enc), "['plan_te'] =", "df", (*COLS, "plan_te"), column="plan_te", column_inputs=("plan",))
    train, _ = nb.split(df2)
    nb.fit(nb.derive((train,), "select", "X", ("x", "plan_te")))
    assert nb.rules() == ["target"]
    nb2 = Notebook(label="churned")
    train, _ = nb2.split(nb2.read())
    enc = nb2.derive((train,), "mean", "train.groupby('plan')['churned'].mean()", ("churned",), rows="aggregate",
                     label_derived=True)
    tr2 = nb2.derive((train, enc), "['plan_te'] =", "train", (*COLS, "plan_te"), column="plan_te",
                     column_inputs=("plan",))
    nb2.fit(nb2.derive((tr2,), "select", "X", ("x", "plan_te")))
    assert nb2.rules() == []


# -- temporal -------------------------------------------------------------------------------------

TIME = {"label": "churned", "time": "event_ts"}


def test_a_shuffled_split_of_time_ordered_rows_is_temporal_an_ordered_one_is_not() -> None:
    for ordered, expected in ((False, ["temporal"]), (True, [])):
        nb = Notebook(**TIME)
        X, y = xy(nb, nb.read())
        X_tr, X_te = nb.split(X, time_ordered=ordered)
        y_tr, y_te = nb.split(y, time_ordered=ordered)
        nb.evaluate(nb.fit(X_tr, y_tr), X_te, y_te)
        assert nb.rules() == expected


def test_a_backfilled_feature_across_the_split_is_temporal_within_the_training_part_it_is_not() -> None:
    nb = Notebook(**TIME)
    df = nb.read()
    filled = nb.derive((df,), "bfill", "df['x'].bfill()", ("x",), rows="same", looks_ahead=True)
    df2 = nb.derive((df, filled), "['x_next'] =", "df", (*COLS, "x_next"), column="x_next")
    train, _ = nb.split(df2)
    nb.fit(nb.derive((train,), "select", "X", ("x", "x_next")))
    assert nb.rules() == ["temporal"]
    nb2 = Notebook(**TIME)
    train, _ = nb2.split(nb2.read())
    filled = nb2.derive((train,), "bfill", "train['x'].bfill()", ("x",), rows="same", looks_ahead=True)
    tr2 = nb2.derive((train, filled), "['x_next'] =", "train", (*COLS, "x_next"), column="x_next")
    nb2.fit(nb2.derive((tr2,), "select", "X", ("x", "x_next")))
    assert nb2.rules() == []


def test_training_on_rows_after_the_cutoff_is_temporal() -> None:
    nb = Notebook(**TIME, cutoff="2024-06-01")
    df = nb.read()
    train, _ = nb.split(df)
    nb.fit(train)
    assert "temporal" in nb.rules()
    nb2 = Notebook(**TIME, cutoff="2024-06-01")
    past = nb2.derive((nb2.read(),), "filter", "past", COLS, removes=frozenset({"future"}))
    train, _ = nb2.split(past)
    nb2.fit(nb2.derive((train,), "select", "X", ("x",)))
    assert nb2.rules() == []


# -- unresolved -----------------------------------------------------------------------------------


def test_an_unknown_call_is_reported_once() -> None:
    nb = Notebook()
    X, _ = xy(nb, nb.read())
    nb.derive((X,), "XGBClassifier.fit", "model", unresolved=True, rows="aggregate")
    nb.derive((X,), "XGBClassifier.fit", "model", unresolved=True, rows="aggregate")
    assert nb.rules() == ["unresolved"] and nb.findings[-1].severity == "info"


def test_the_label_inside_a_scaled_array_is_target_an_array_of_other_columns_is_not() -> None:
    for cols, expected in ((("x", "churned"), ["target"]), (("x", "refund"), [])):
        nb = Notebook(label="churned")
        train, _ = nb.split(nb.read())
        X = nb.derive((train,), "select", "X", cols)
        scaler = nb.fit(X, est="StandardScaler()", learner="transformer")
        Xs = nb.transform(scaler, X, "X (StandardScaler.transform)")  # an array: no column names
        nb.fit(Xs, nb.derive((train,), "select", "y", ("churned",)))
        assert nb.rules() == expected, cols


def test_predictions_set_against_labels_are_a_score_written_by_hand() -> None:
    """``(clf.predict(X_te) == y_te).mean()`` per model: scored like a metric, so two models make multi-test."""
    from leakguard.lineage.recorder import Recorder
    from leakguard.rules._modelling import hand_written_score

    g = LineageGraph()
    rec = Recorder(g, stop=lambda found: None)
    w = Where("c1", 1, 1)
    rec.value(Read("df", "churn.csv", "df", w, ("x", "churned")))
    rec.value(Derive("X", ("df",), "select", "X", w, rows="same", columns=("x",)))
    rec.value(Derive("y", ("df",), "select", "y", w, rows="same", columns=("churned",), kind="series"))
    rec.record(Split("X", (SplitPart("Xtr", "train", "X_tr"), SplitPart("Xte", "holdout", "X_te")), "tts", w))
    rec.record(Split("y", (SplitPart("ytr", "train", "y_tr"), SplitPart("yte", "holdout", "y_te")), "tts", w))
    found: list[Finding] = []
    for i, est in enumerate(("DecisionTreeClassifier", "RandomForestClassifier")):
        at = Where("c2", 2, 3 + 2 * i)
        rec.record(Fit(f"m{i}", est, "Xtr", at, target="ytr"))
        rec.value(Derive(f"p{i}", (f"m{i}", "Xte"), f"{est}.predict", "pred", at, rows="same", kind="array"))
        rec.value(Derive(f"eq{i}", (f"p{i}", "yte"), "==", "pred == y_te", at, rows="same", kind="series"))
        assert hand_written_score(g, f"eq{i}") == (f"m{i}", "Xte", "yte")
        found += rec.hand_scored(f"eq{i}", "mean", at) or []
    assert [f.rule for f in found] == ["multi-test"]
    # a look at the labels alone, or at the predictions alone, is not a score
    assert hand_written_score(g, "yte") is None and hand_written_score(g, "p0") is None


def test_a_transformer_fit_on_the_test_rows_alone_is_preprocessing() -> None:
    """``X_test = scaler.fit_transform(X_test)``: the test rows scaled with their own statistics."""
    nb = Notebook()
    tr, te = nb.split(nb.read())
    nb.fit(te, est="StandardScaler()", learner="transformer")
    assert nb.rules() == ["preprocessing"]
    assert "the test rows" in nb.findings[-1].title
    twin = Notebook()
    tr, te = twin.split(twin.read())
    scaler = twin.fit(tr, est="StandardScaler()", learner="transformer")
    twin.transform(scaler, te, "X_test")
    twin.fit(te, est="Normalizer()", learner="transformer", learns=False)  # learns nothing from rows
    assert twin.rules() == []
