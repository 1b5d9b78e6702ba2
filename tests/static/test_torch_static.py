"""PyTorch training written by hand in the static engine (``libraries/torch/catalog.py``); the kernel leaves it."""

from __future__ import annotations

from leakguard.kernel.handlers import handled
from leakguard.libraries.torch import catalog
from tests.static.helpers import check_code, rules

_HEAD = '''import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch import nn

df = pd.read_csv("t.csv")
X_tr, X_te, y_tr, y_te = train_test_split(df.drop(columns=["churned"]).values, df["churned"].values)
Xt, yt = torch.tensor(X_tr).float(), torch.tensor(y_tr).float()
model = nn.Sequential(nn.Linear(5, 1))
opt = torch.optim.Adam(model.parameters())
loss_fn = nn.BCEWithLogitsLoss()
'''


def test_the_kernel_wraps_no_torch_entry_yet() -> None:
    # the kinds are read by the static engine only: a torch installed next to the kernel is left as it is
    assert not [api for api in catalog.ENTRIES if handled(api)]


def test_one_evaluation_after_the_training_loop_is_clean() -> None:
    code = _HEAD + '''for epoch in range(10):
    opt.zero_grad()
    loss = loss_fn(model(Xt).squeeze(1), yt)
    loss.backward()
    opt.step()
pred = (model(torch.tensor(X_te).float()) > 0).numpy().ravel()
print((pred == y_te).mean())
'''
    assert rules(check_code(code), info=True) == []


def test_a_conditional_break_lets_the_epoch_loop_run_again() -> None:
    # ``if bad >= patience: break`` ends only that branch: the next epoch's test score is a second candidate
    code = _HEAD + '''best, bad = 1e9, 0
for epoch in range(100):
    opt.zero_grad()
    loss_fn(model(Xt).squeeze(1), yt).backward()
    opt.step()
    test_loss = loss_fn(model(torch.tensor(X_te).float()).squeeze(1), torch.tensor(y_te).float()).item()
    if test_loss < best:
        best, bad = test_loss, 0
    else:
        bad += 1
        if bad >= 5:
            break
'''
    assert rules(check_code(code)) == ["multi-test"]


def test_max_without_dim_is_a_statistic_of_every_row() -> None:
    code = _HEAD + "print(torch.max(torch.tensor(X_te)))\n"
    assert "unresolved" not in rules(check_code(code), info=True)
