"""The team's modelling fixtures: cells in, the rule that must (or must not) fire out.

Each case runs in a real IPython shell with leakguard loaded and ``df`` read from
``events.parquet`` (1,000 rows, Jan–Sep 2024). With ``policy=True`` the standard policy is
set first (label churned, time event_ts, cutoff 2024-06-01, holdout 20%). Cells are
separated by ``# %%`` lines; ``at`` is the index of the cell where the finding must appear
(the fit or the score). Every positive has a negative twin named ``<name> (twin)``.
``benchmarks/rule_table.py`` prints the per-rule table over these cases.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Case:
    rule: str
    name: str
    cells: str
    fires: bool
    at: int = -1
    policy: bool = True


PRELUDE = """\
import numpy as np, pandas as pd, leakguard
from sklearn.model_selection import train_test_split, cross_val_score, GridSearchCV, KFold, TimeSeriesSplit
from sklearn.preprocessing import StandardScaler
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.utils import resample
# %%
past = df[df.event_ts <= "2024-06-01"]
# %%
"""

FEATS = '["x", "z"]'
SPLIT = f"""X_tr, X_te, y_tr, y_te = train_test_split(past[{FEATS}], past["churned"], shuffle=False)
# %%
"""


def _c(rule: str, name: str, cells: str, fires: bool, at: int = -1, policy: bool = True) -> Case:
    return Case(rule, name, PRELUDE + cells, fires, at, policy)


CASES: tuple[Case, ...] = (
    # -- preprocessing -------------------------------------------------------------------------------
    _c("preprocessing", "scaler fit on all rows, then split", f"""\
X = StandardScaler().fit_transform(past[{FEATS}])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(X, past["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
""", True),
    _c("preprocessing", "scaler fit on all rows, then split (twin)", SPLIT + """\
scaler = StandardScaler().fit(X_tr)
# %%
model = LogisticRegression().fit(scaler.transform(X_tr), y_tr)
# %%
model.score(scaler.transform(X_te), y_te)
""", False),
    _c("preprocessing", "fillna with the mean of all rows", """\
past["x"] = past["x"].fillna(past["x"].mean())
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x", "z"]], tr["churned"])
""", True),
    _c("preprocessing", "fillna with the mean of all rows (twin)", """\
tr, te = leakguard.split(past)
# %%
fill = tr["x"].mean()
tr["x"] = tr["x"].fillna(fill)
te["x"] = te["x"].fillna(fill)
# %%
model = LogisticRegression().fit(tr[["x", "z"]], tr["churned"])
""", False),
    _c("preprocessing", "standardised by hand over all rows", """\
past["x_std"] = (past["x"] - past["x"].mean()) / past["x"].std()
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x_std", "z"]], tr["churned"])
""", True),
    _c("preprocessing", "standardised by hand over all rows (twin)", """\
past["x_std"] = (past["x"] - past["x"].mean()) / past["x"].std()
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x", "z"]], tr["churned"])
""", False),
    _c("preprocessing", "feature selection on all rows", f"""\
X = SelectKBest(k=1).fit_transform(past[{FEATS}], past["churned"])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(X, past["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
""", True),
    _c("preprocessing", "feature selection on all rows (twin)", SPLIT + """\
model = make_pipeline(SelectKBest(k=1), LogisticRegression()).fit(X_tr, y_tr)
""", False),
    _c("preprocessing", "scaled outside cross-validation", SPLIT + """\
X_tr_s = StandardScaler().fit_transform(X_tr)
# %%
scores = cross_val_score(LogisticRegression(), X_tr_s, y_tr, cv=TimeSeriesSplit(3))
""", True),
    _c("preprocessing", "scaled outside cross-validation (twin)", SPLIT + """\
scores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X_tr, y_tr, cv=TimeSeriesSplit(3))
""", False),
    _c("preprocessing", "scaled inside a DataFrame constructor", f"""\
X = pd.DataFrame(StandardScaler().fit_transform(past[{FEATS}]), columns=["x", "z"], index=past.index)
# %%
X_tr, X_te, y_tr, y_te = train_test_split(X, past["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
""", True),
    _c("preprocessing", "scaled inside a DataFrame constructor (twin)", SPLIT + """\
sc = StandardScaler().fit(X_tr)
X_tr_s, X_te_s = pd.DataFrame(sc.transform(X_tr), index=X_tr.index), pd.DataFrame(sc.transform(X_te), index=X_te.index)
# %%
model = LogisticRegression().fit(X_tr_s, y_tr)
# %%
model.score(X_te_s, y_te)
""", False),
    _c("preprocessing", "qcut edges learned over all rows", """\
past["x_bin"] = pd.qcut(past["x"], 4, labels=False)
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x_bin", "z"]], tr["churned"])
""", True),
    _c("preprocessing", "qcut edges learned over all rows (twin)", """\
past["x_bin"] = pd.cut(past["x"], [-10, -1, 0, 1, 10], labels=False)
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x_bin", "z"]], tr["churned"])
""", False),
    # -- overlap ---------------------------------------------------------------------------------------
    _c("overlap", "trained on all rows, tested on the holdout", f"""\
model = LogisticRegression().fit(past[{FEATS}], past["churned"])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(past[{FEATS}], past["churned"], shuffle=False)
# %%
model.score(X_te, y_te)
""", True),
    _c("overlap", "trained on all rows, tested on the holdout (twin)", SPLIT + """\
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", False),
    _c("overlap", "test part concatenated back into train", SPLIT + """\
model = LogisticRegression().fit(pd.concat([X_tr, X_te]), pd.concat([y_tr, y_te]))
# %%
accuracy_score(y_te, model.predict(X_te))
""", True),
    _c("overlap", "test part concatenated back into train (twin)", SPLIT + """\
X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, shuffle=False)
# %%
model = LogisticRegression().fit(pd.concat([X_fit, X_val]), pd.concat([y_fit, y_val]))
# %%
accuracy_score(y_te, model.predict(X_te))
""", False),
    _c("overlap", "test arrays stacked into the training arrays", SPLIT + """\
X_all = np.vstack([X_tr.values, X_te.values])
y_all = np.concatenate([y_tr.values, y_te.values])
# %%
model = LogisticRegression().fit(X_all, y_all)
# %%
model.score(X_te.values, y_te.values)
""", True),
    _c("overlap", "test arrays stacked into the training arrays (twin)", SPLIT + """\
X_tr, X_te = X_tr.values, X_te.values
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", False),
    _c("overlap", "oversampled before the split", f"""\
up = resample(past[past.churned == 1], replace=True, n_samples=300, random_state=0)
balanced = pd.concat([past, up])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(balanced[{FEATS}], balanced["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", True),
    _c("overlap", "oversampled before the split (twin)", """\
tr, te = leakguard.split(past)
# %%
up = resample(tr[tr.churned == 1], replace=True, n_samples=300, random_state=0)
balanced = pd.concat([tr, up])
# %%
model = LogisticRegression().fit(balanced[["x", "z"]], balanced["churned"])
# %%
model.score(te[["x", "z"]], te["churned"])
""", False),
    _c("overlap", "SMOTE before the split", f"""\
from imblearn.over_sampling import SMOTE
X_res, y_res = SMOTE(random_state=0).fit_resample(past[{FEATS}], past["churned"])
# %%
X_tr, X_te, y_tr, y_te = train_test_split(X_res, y_res, random_state=0)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", True),
    _c("overlap", "SMOTE before the split (twin)", SPLIT + """\
from imblearn.over_sampling import SMOTE
X_res, y_res = SMOTE(random_state=0).fit_resample(X_tr, y_tr)
# %%
model = LogisticRegression().fit(X_res, y_res)
# %%
model.score(X_te, y_te)
""", False),
    _c("overlap", "SMOTE before cross-validation", SPLIT + """\
from imblearn.over_sampling import SMOTE
X_res, y_res = SMOTE(random_state=0).fit_resample(X_tr, y_tr)
# %%
scores = cross_val_score(LogisticRegression(), X_res, y_res, cv=TimeSeriesSplit(3))
""", True),
    _c("overlap", "SMOTE before cross-validation (twin)", SPLIT + """\
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as imb_pipeline
scores = cross_val_score(imb_pipeline(SMOTE(random_state=0), LogisticRegression()), X_tr, y_tr, cv=TimeSeriesSplit(3))
""", False),
    _c("overlap", "duplicate rows across the split", """\
raw = pd.concat([past, past.iloc[:150]], ignore_index=True)
# %%
X_tr, X_te, y_tr, y_te = train_test_split(raw[["x", "z"]], raw["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", True),
    _c("overlap", "duplicate rows across the split (twin)", """\
raw = pd.concat([past, past.iloc[:150]], ignore_index=True).drop_duplicates()
# %%
X_tr, X_te, y_tr, y_te = train_test_split(raw[["x", "z"]], raw["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", False),
    _c("overlap", "training score presented as the test score", """\
model = LogisticRegression().fit(past[["x", "z"]], past["churned"])
# %%
model.score(past[["x", "z"]], past["churned"])
""", True, policy=False),
    _c("overlap", "training score presented as the test score (twin)", SPLIT + """\
model = LogisticRegression().fit(X_tr, y_tr)
# %%
train_acc = model.score(X_tr, y_tr)
test_acc = model.score(X_te, y_te)
""", False, policy=False),
    # -- multi-test -------------------------------------------------------------------------------------
    _c("multi-test", "two models compared on the test set", SPLIT + """\
lr = LogisticRegression().fit(X_tr, y_tr)
lr.score(X_te, y_te)
# %%
rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(X_tr, y_tr)
rf.score(X_te, y_te)
""", True),
    _c("multi-test", "two models compared on the test set (twin)", SPLIT + """\
lr = LogisticRegression().fit(X_tr, y_tr)
pred = lr.predict(X_te)
accuracy_score(y_te, pred), f1_score(y_te, pred), lr.score(X_te, y_te)
""", False),
    _c("multi-test", "tuning loop scored on the test set", SPLIT + """\
scores = {C: LogisticRegression(C=C).fit(X_tr, y_tr).score(X_te, y_te) for C in (0.01, 1.0, 100.0)}
best = max(scores, key=scores.get)
""", True),
    _c("multi-test", "tuning loop scored on the test set (twin)", SPLIT + """\
X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, shuffle=False)
scores = {C: LogisticRegression(C=C).fit(X_fit, y_fit).score(X_val, y_val) for C in (0.01, 1.0, 100.0)}
best = max(scores, key=scores.get)
# %%
final = LogisticRegression(C=best).fit(X_tr, y_tr)
final.score(X_te, y_te)
""", False),
    _c("multi-test", "threshold chosen on the test set", SPLIT + """\
proba = LogisticRegression().fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
f1 = [f1_score(y_te, proba > t) for t in (0.3, 0.4, 0.5, 0.6)]
""", True),
    _c("multi-test", "threshold chosen on the test set (twin)", SPLIT + """\
X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, shuffle=False)
model = LogisticRegression().fit(X_fit, y_fit)
f1 = [f1_score(y_val, model.predict_proba(X_val)[:, 1] > t) for t in (0.3, 0.4, 0.5, 0.6)]
# %%
f1_score(y_te, model.predict_proba(X_te)[:, 1] > 0.4)
""", False),
    _c("multi-test", "grid search over rows that include the holdout", f"""\
search = GridSearchCV(LogisticRegression(), {{"C": [0.1, 1, 10]}}, cv=TimeSeriesSplit(3)).fit(past[{FEATS}], past["churned"])
""", True),
    _c("multi-test", "grid search over rows that include the holdout (twin)", SPLIT + """\
search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1, 10]}, cv=TimeSeriesSplit(3)).fit(X_tr, y_tr)
# %%
search.score(X_te, y_te)
""", False),
    _c("multi-test", "early stopping on the test set", SPLIT + """\
model = HistGradientBoostingClassifier(early_stopping=True, max_iter=20).fit(X_tr, y_tr, X_val=X_te, y_val=y_te)
""", True),
    _c("multi-test", "early stopping on the test set (twin)", SPLIT + """\
X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, shuffle=False)
model = HistGradientBoostingClassifier(early_stopping=True, max_iter=20).fit(X_fit, y_fit, X_val=X_val, y_val=y_val)
# %%
model.score(X_te, y_te)
""", False),
    # -- target ----------------------------------------------------------------------------------------------
    _c("target", "the label left inside X", """\
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr.drop(columns=["event_ts", "plan"]), tr["churned"])
""", True),
    _c("target", "the label left inside X (twin)", """\
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr.drop(columns=["event_ts", "plan", "churned"]), tr["churned"])
""", False),
    _c("target", "a column computed from the label", """\
past["ratio"] = past["x"] / (past["churned"] + 1)
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", True),
    _c("target", "a column computed from the label (twin)", """\
past["ratio"] = past["x"] / (past["z"].abs() + 1)
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", False),
    _c("target", "a column computed from the label with assign", """\
tr, te = leakguard.split(past)
# %%
tr = tr.assign(ratio=tr["x"] / (tr["churned"] + 1))
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", True),
    _c("target", "a column computed from the label with assign (twin)", """\
tr, te = leakguard.split(past)
# %%
tr = tr.assign(ratio=tr["x"] / (tr["z"].abs() + 1))
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", False),
    _c("target", "a column computed from the label with an assign lambda", """\
tr, te = leakguard.split(past)
# %%
tr = tr.assign(ratio=lambda d: d.x / (d.churned + 1), other=lambda d: d.z * 2)
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", True),
    _c("target", "a column computed from the label with an assign lambda (twin)", """\
tr, te = leakguard.split(past)
# %%
tr = tr.assign(ratio=lambda d: d.x / (d.z.abs() + 1), other=lambda d: d.churned * 2)
# %%
model = LogisticRegression().fit(tr[["ratio", "z"]], tr["churned"])
""", False),
    _c("target", "target encoding over all rows", """\
rate = past.groupby("plan")["churned"].mean()
past["plan_rate"] = past["plan"].map(rate)
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["plan_rate", "x"]], tr["churned"])
""", True),
    _c("target", "target encoding over all rows (twin)", """\
tr, te = leakguard.split(past)
# %%
rate = tr.groupby("plan")["churned"].mean()
tr["plan_rate"] = tr["plan"].map(rate)
te["plan_rate"] = te["plan"].map(rate)
# %%
model = LogisticRegression().fit(tr[["plan_rate", "x"]], tr["churned"])
""", False),
    _c("target", "target encoding by groupby transform", """\
past["plan_rate"] = past.groupby("plan")["churned"].transform("mean")
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["plan_rate", "x"]], tr["churned"])
""", True),
    _c("target", "target encoding by groupby transform (twin)", """\
tr, te = leakguard.split(past)
# %%
tr["plan_rate"] = tr.groupby("plan")["churned"].transform("mean")
# %%
model = LogisticRegression().fit(tr[["plan_rate", "x"]], tr["churned"])
""", False),
    # -- temporal ---------------------------------------------------------------------------------------------
    _c("temporal", "random split of time-ordered rows", f"""\
X_tr, X_te, y_tr, y_te = train_test_split(past[{FEATS}], past["churned"], random_state=0)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", True),
    _c("temporal", "random split of time-ordered rows (twin)", SPLIT + """\
model = LogisticRegression().fit(X_tr, y_tr)
# %%
model.score(X_te, y_te)
""", False),
    _c("temporal", "trained on rows after the cutoff", f"""\
X_tr, X_te, y_tr, y_te = train_test_split(df[{FEATS}], df["churned"], shuffle=False)
# %%
model = LogisticRegression().fit(X_tr, y_tr)
""", True),
    _c("temporal", "trained on rows after the cutoff (twin)", """\
tr, te = leakguard.split(df)
# %%
model = LogisticRegression().fit(tr[["x", "z"]], tr["churned"])
""", False),
    _c("temporal", "next value as a feature (shift(-1)) before the split", """\
past["x_next"] = past["x"].shift(-1)
# %%
tr, te = leakguard.split(past.dropna())
# %%
model = LogisticRegression().fit(tr[["x_next", "z"]], tr["churned"])
""", True),
    _c("temporal", "next value as a feature (shift(-1)) before the split (twin)", """\
past["x_prev"] = past["x"].shift(1)
# %%
tr, te = leakguard.split(past.dropna())
# %%
model = LogisticRegression().fit(tr[["x_prev", "z"]], tr["churned"])
""", False),
    _c("temporal", "centred rolling window across the split", """\
past["x_roll"] = past["x"].rolling(5, center=True, min_periods=1).mean()
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x_roll", "z"]], tr["churned"])
""", True),
    _c("temporal", "centred rolling window across the split (twin)", """\
past["x_roll"] = past["x"].rolling(5, min_periods=1).mean()
# %%
tr, te = leakguard.split(past)
# %%
model = LogisticRegression().fit(tr[["x_roll", "z"]], tr["churned"])
""", False),
    _c("temporal", "cumulative sum over rows not in time order", """\
shuffled = past.sample(frac=1.0, random_state=0)
# %%
shuffled["x_cum"] = shuffled["x"].cumsum()
# %%
tr, te = leakguard.split(shuffled)
# %%
model = LogisticRegression().fit(tr[["x_cum", "z"]], tr["churned"])
""", True),
    _c("temporal", "cumulative sum over rows not in time order (twin)", """\
ordered = past.sample(frac=1.0, random_state=0).sort_values("event_ts")
# %%
ordered["x_cum"] = ordered["x"].cumsum()
# %%
tr, te = leakguard.split(ordered)
# %%
model = LogisticRegression().fit(tr[["x_cum", "z"]], tr["churned"])
""", False),
)


def cases_for(rule: str) -> list[Case]:
    """The cases of one rule, positives and twins."""
    return [c for c in CASES if c.rule == rule]


MODELLING_RULES = ("preprocessing", "overlap", "multi-test", "target", "temporal")
POLICY = "leakguard.policy(label='churned', time='event_ts', cutoff='2024-06-01', holdout=0.2, seed=7)"


def cells_of(case: Case, events_path: str) -> list[str]:
    """The cells a case runs: read the events, set the policy (when the case wants it), then its own cells."""
    head = ["import pandas as pd, leakguard", f"df = pd.read_parquet({events_path!r})"]
    if case.policy:
        head.append(POLICY)
    return head + [c for c in case.cells.split("# %%\n") if c.strip()]


def fired(findings_per_cell: list[list[tuple[str, str]]], rule: str) -> list[int]:
    """Indexes of the cells (counted from the case's own first cell) where ``rule`` reported a finding."""
    return [i for i, found in enumerate(findings_per_cell) if any(r == rule for r, _sev in found)]
