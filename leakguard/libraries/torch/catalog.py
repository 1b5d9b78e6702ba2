"""PyTorch: training written by hand, read by the static engine (the kernel does not wrap these kinds yet).

A network learns in a loop the notebook writes itself: a loss of the network's outputs for
some rows against their labels (``loss_fn(model(xb), yb)``, ``F.cross_entropy(out, yb)``),
then ``loss.backward()`` and ``optimizer.step()``. The ``backward()`` is the fit: the network
learns from those rows and labels (an epoch loop makes several). After it, ``model(X)`` (or
``model.forward(X)``) predicts X's rows, so a comparison with the labels is an evaluation, and
a loss of a trained network's outputs against labels is a score.

Rows travel in tensors and containers: ``torch.tensor(X)``, ``torch.from_numpy(X)`` and a
tensor's ``float()``, ``to(device)``, ``unsqueeze(1)``, ``view(-1)``, ``numpy()`` keep every row
in its place; ``TensorDataset(X, y)`` holds the rows of X and the labels y, a ``DataLoader``
the rows of its dataset (a loop over it yields batches of them), a notebook ``Dataset``
class the rows its ``__getitem__`` returns; ``random_split(ds, [a, b])`` splits a dataset (the
last part is the holdout). Switching modes or devices (``model.train()``, ``model.eval()``,
``model.to(device)``, ``optimizer.zero_grad()``, ``optimizer.step()``) learns nothing by itself.
"""

from __future__ import annotations

from leakguard.libraries.api import Api

# Functions that make a tensor of the same rows (``torch.tensor(X_train, dtype=torch.float32)``).
_CONVERT_FUNCTIONS = ("tensor", "as_tensor", "from_numpy", "asarray", "Tensor", "FloatTensor", "LongTensor",
                      "DoubleTensor", "IntTensor", "BoolTensor")
# Functions of each row's own values (an activation, rows put together); not ``argmax``/``max``, which without
# ``dim`` are statistics over every row.
_ROW_FUNCTIONS = ("sigmoid", "softmax", "log_softmax", "round", "exp", "abs", "tanh", "relu",
                  "squeeze", "unsqueeze", "flatten", "cat", "stack", "where", "clamp")
# Along a dimension: each row's own maximum (or its position, its sum) with ``dim=1`` (``torch.max(out, 1)``,
# ``out.argmax(1)``); without ``dim`` (or along ``dim=0``) a statistic over every row: of predictions set against
# labels (``torch.sum(pred == y_test)``), a score written by hand.
_ALONG_DIM = ("max", "min", "argmax", "argmin", "sum", "mean")
# Tensor methods that keep every row in its place (dtype, device, shape of each row, back to numpy); numpy's own
# ``reshape``/``flatten``/``round`` are read as numpy's.
_CONVERT_METHODS = ("float", "double", "long", "int", "bool", "half", "to", "cpu", "cuda", "detach", "numpy",
                    "unsqueeze", "squeeze", "view", "type_as", "clone", "contiguous", "requires_grad_", "sigmoid",
                    "softmax")
# Loss classes of ``torch.nn``: an instance called on (outputs, labels).
_LOSS_CLASSES = ("L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss",
                 "SmoothL1Loss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "SoftMarginLoss",
                 "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "HingeEmbeddingLoss",
                 "MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "CTCLoss")
# The same losses as functions of ``torch.nn.functional`` (outputs first, labels second).
_LOSS_FUNCTIONS = ("l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
                   "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss", "kl_div", "poisson_nll_loss",
                   "gaussian_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
                   "hinge_embedding_loss")
# Optimizers and learning-rate schedulers: their steps follow the gradients of a loss (the fit is its backward()).
_OPTIMIZERS = ("SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop",
               "LBFGS", "SparseAdam", "Optimizer")
_SCHEDULERS = ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
               "OneCycleLR", "CyclicLR", "LinearLR", "LambdaLR", "ReduceLROnPlateau")
# Module methods that switch a mode or a device, or hand out the parameters: nothing learned, nothing seen.
_MODULE_SETTINGS = ("train", "eval", "to", "cpu", "cuda", "double", "float", "zero_grad", "parameters",
                    "named_parameters", "state_dict", "load_state_dict", "apply", "requires_grad_")

# Where ``GradScaler`` lives (``torch.cuda.amp`` before torch 2.3, ``torch.amp`` since).
_AMP = ("torch.cuda.amp", "torch.amp")
# The fields of what ``max``/``min`` along a dimension return: ``out.max(dim=1).indices``.
PAIR_FIELDS = ("values", "indices")

# A notebook class deriving from one of these is a network (called: its outputs) or a dataset (its ``__getitem__``).
MODULE_BASES = ("torch.nn.Module", "torch.nn.modules.module.Module")
DATASET_BASES = ("torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset")

ENTRIES: tuple[Api, ...] = (
    *(Api("torch", name, "convert") for name in _CONVERT_FUNCTIONS),
    *(Api("torch", name, "convert") for name in _ROW_FUNCTIONS),
    *(Api("torch", f"Tensor.{name}", "convert") for name in _CONVERT_METHODS),
    *(Api("torch", name, "convert", role="along-dim") for name in _ALONG_DIM),
    *(Api("torch", f"Tensor.{name}", "convert", role="along-dim") for name in _ALONG_DIM),
    Api("torch", "Tensor.backward", "train-step", role="model"),
    Api("torch.nn", "Module.__call__", "forward", role="model"),
    Api("torch.nn", "Module.forward", "forward", role="model"),
    *(Api("torch.nn", f"Module.{name}", "setting") for name in _MODULE_SETTINGS),
    *(Api("torch.nn", f"{cls}.__call__", "loss") for cls in _LOSS_CLASSES),
    *(Api("torch.nn", f"{cls}.forward", "loss") for cls in _LOSS_CLASSES),
    *(Api("torch.nn.functional", name, "loss") for name in _LOSS_FUNCTIONS),
    *(Api("torch.optim", f"{cls}.{name}", "setting") for cls in _OPTIMIZERS for name in ("step", "zero_grad")),
    *(Api("torch.optim.lr_scheduler", f"{cls}.step", "setting") for cls in _SCHEDULERS),
    Api("torch.utils.data", "TensorDataset", "container", data=("0:", "1:")),
    Api("torch.utils.data", "DataLoader", "container", data=("0:dataset",)),
    # a progress bar over a loader (``for xb, yb in tqdm(train_loader)``) yields what the loader yields
    Api("tqdm", "tqdm", "convert", role="as-is"),
    Api("tqdm", "trange", "convert", role="as-is"),
    # mixed precision: ``amp.scale(loss).backward()`` is the loss's backward(); its step and update follow it
    *(Api(module, "GradScaler.scale", "convert", role="as-is") for module in _AMP),
    *(Api(module, f"GradScaler.{name}", "setting") for module in _AMP for name in ("step", "update", "unscale_")),
    Api("torch.utils.data", "random_split", "dataset-split", data=("0:dataset",), options=("1:lengths",)),
)


def is_network(path: str) -> bool:
    """A class of ``torch.nn`` that is a layer or a network (not a loss): called on rows, it gives outputs."""
    name = path.rsplit(".", 1)[-1]
    return path.startswith("torch.nn.") and name[:1].isupper() and name not in _LOSS_CLASSES and name not in (
        "Module", "Parameter")
