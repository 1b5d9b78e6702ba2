"""Deep-learning training written by hand (PyTorch): tensors, datasets and loaders, the loop's fit, the network's
outputs. What each call means is in ``leakguard/libraries/torch/catalog.py``.

A loss of a network's outputs against labels (``loss_fn(model(xb), yb)``) remembers what it compared; its
``backward()`` is the ``Fit`` of that network on those rows and labels (one per pass of the loop). Once the
network has a fit, calling it predicts (``models.method``), so a hand-written comparison with labels is an
``Evaluate``, and so is a loss of its outputs. A ``DataLoader`` holds the rows of its dataset (a
``TensorDataset(X, y)`` or a notebook ``Dataset`` class's ``__getitem__``); a loop over it binds one batch of
them (``interp.iterate``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leakguard.libraries.api import Api
from leakguard.libraries.torch.catalog import DATASET_BASES, MODULE_BASES
from leakguard.static.models import _is_container, _rows, called, evaluate, fit, model_node
from leakguard.static.values import UNKNOWN, Const, Data, Estimator, Instance, Klass, Seq, Value, data_in

if TYPE_CHECKING:
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp


def function(it: Interp, api: Api, site: Site) -> Value | None:
    """A torch catalog function (a conversion, a loss, a loader); None when it is none of them here."""
    if api.kind == "container":
        rows = [v for v in _rows(api, site) if v is not None]
        return as_container(it, rows[0], site) if len(rows) == 1 else None  # ``DataLoader(ds)``: the rows of ds
    if api.kind == "convert" and api.role == "as-is":
        return site.arg(0, "iterable")
    if api.kind == "convert":
        datas = [v for v in site.values if data_in(v)]
        if datas and api.role == "along-dim" and not _along_rows(site.arg(1, "dim")):
            return _statistic(it, datas, site, api.name)
        if not datas:
            return None
        out = _converted(it, datas[0], site, api.name, datas[1:])
        dim = site.arg(1, "dim")
        return _pair(api.name, out) if api.role == "along-dim" and not (dim is not None and data_in(dim)) else out
    if api.kind == "loss":
        return loss(it, site.arg(0, "input"), site.arg(1, "target"), site, api.name)
    return None


def method(it: Interp, est: Estimator, name: str, site: Site) -> Value | None:
    """``model.eval()``, ``optimizer.step()`` (nothing learned or seen), ``loss_fn(out, yb)`` (a loss); None: not one."""
    api = it.index.class_method(est.cls, name)
    if api is not None and api.kind == "convert" and api.role == "as-is":
        return site.arg(0, "outputs")  # ``amp.scale(loss)``: the loss, scaled
    if api is None or api.kind not in ("setting", "loss"):
        return None
    if api.kind == "setting":
        return est
    return loss(it, site.arg(0, "input"), site.arg(1, "target"), site, est.cls.rsplit(".", 1)[-1])


def as_container(it: Interp, v: Value | None, site: Site) -> Seq | None:
    """The rows a dataset holds: a container as it is; an instance of a notebook ``Dataset`` class, the values its
    ``__getitem__`` returns for one row (``self.X[i], self.y[i]``: rows of X and labels y)."""
    if _is_container(v):
        assert isinstance(v, Seq)
        return v
    if isinstance(v, Instance) and "__getitem__" in v.klass.methods and set(v.klass.bases) & set(DATASET_BASES):
        item = it.call_method(v, "__getitem__", [UNKNOWN], {}, site.node, shown=False)
        if isinstance(item, Seq) and item.items and all(data_in(x) for x in item.items):
            return Seq(list(item.items), "container")
        if data_in(item):
            return Seq([item], "container")
    return None


def network_class(klass: Klass, site: Site) -> Estimator | None:
    """``Net()`` of a notebook class deriving from ``nn.Module``: a network (called on rows: its outputs)."""
    if not set(klass.bases) & set(MODULE_BASES):
        return None
    return Estimator(MODULE_BASES[0], called(klass.name, site))


def _converted(it: Interp, x: Value, site: Site, op: str, others: list[Value] | None = None) -> Data:
    """``torch.tensor(X)``, ``t.float()``, ``torch.sigmoid(out)``: the same rows, each row's own values."""
    first = data_in(x)[0]
    # a tensor holds rows as an array does (a frame's ``max(dim=1)`` would be pandas')
    out = it.derive([x, *(others or [])], "scalar" if first.aggregate else "array",
                    site.text, op, columns=first.columns, aggregate=first.aggregate,
                    label_derived=first.label_derived)
    out.sorted_by = first.sorted_by
    return out


def tensor_method(it: Interp, d: Data, name: str, site: Site) -> Value | None:
    """A tensor's method from the catalog: a conversion keeps the rows; ``loss.backward()`` trains the network whose
    outputs the loss compared with labels; None when the catalog has no such tensor method."""
    api = it.index.exact("torch.Tensor", name)
    if api is None:
        return None
    if api.kind == "convert" and api.role == "along-dim":
        # ``out.argmax(1)``: each row's own; ``t.max()`` / ``X.max(axis=0)`` over the rows: read as a statistic
        if not _along_rows(site.arg(0, "dim") or site.kwargs.get("axis")):
            return None
        out = _converted(it, d, site, name)
        return out if "axis" in site.kwargs else _pair(name, out)
    if api.kind == "convert":
        return _converted(it, d, site, name)
    if api.kind == "train-step":
        return _train_step(it, d, name)
    return None


def _statistic(it: Interp, datas: list[Value], site: Site, name: str) -> Data:
    """``torch.max(t)``, ``torch.sum(pred == y_test)``: over every row; of predictions against labels, a score (as
    ``np.mean`` of them is)."""
    operand = datas[0]
    if isinstance(operand, Data) and (operand.pred is not None or operand.node is None):
        it.recorder.hand_scored(it.node(operand), f"torch.{name}", it.where())
    return it.derive(datas, "scalar", site.text, name, aggregate=True)


def _pair(name: str, out: Data) -> Value:
    """``torch.max(out, 1)`` is ``(values, indices)``, both each row's own; ``argmax`` the indices alone."""
    return Seq([out, out], "along-dim") if name in ("max", "min") else out


def _along_rows(dim: Value | None) -> bool:
    """``dim=1`` (or -1, or another tensor compared element by element): each row's own values."""
    if isinstance(dim, Const):
        return isinstance(dim.value, int) and dim.value != 0
    return dim is not None and bool(data_in(dim))


def loss(it: Interp, out: Value | None, y: Value | None, site: Site, op: str) -> Value:
    """``loss_fn(model(xb), yb)``: a loss of a network's outputs against labels. Kept with what it compares, for
    its ``backward()``; when the network is already trained, it is also a score of it on those rows."""
    inputs = [v for v in (out, y) if v is not None and data_in(v)]
    if not inputs:
        return UNKNOWN
    preds = [d.pred for d in data_in(out) if d.pred is not None] if out is not None else []
    value = it.derive(inputs, "scalar", site.text, op, aggregate=True)
    if not preds:
        return value
    model, xnode = preds[0]
    x = Data("array", "X", node=xnode)
    if y is not None and model in it.graph.fits:
        evaluate(it, model, x, y, op)
    value.origin = (model, "loss", (x, y))
    return value


def _train_step(it: Interp, d: Data, name: str) -> Value:
    """``loss.backward()``: the network whose outputs the loss compared is fit on those rows and labels."""
    if d.origin is None or d.origin[1] != "loss":
        return Const(None)
    model, _, (x, y) = d.origin
    est = it.networks.get(model)
    if est is not None:
        fit(it, est, x, y, name)
        it.networks[model_node(it, est)] = est
    return Const(None)
