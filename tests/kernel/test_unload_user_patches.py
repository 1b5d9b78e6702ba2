"""``%unload_ext leakguard`` puts back only what is still leakguard's: a user's own patch survives it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import Kernel


def test_unload_keeps_a_function_the_user_patched_while_loaded(kernel: Kernel) -> None:
    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    original = next(o for owner, attr, o in state.patcher.applied
                    if owner is pd.DataFrame and attr == "describe")
    assert hasattr(pd.DataFrame.corr, "__leakguard_original__")
    corr = next(o for owner, attr, o in state.patcher.applied if owner is pd.DataFrame and attr == "corr")
    try:
        kernel.run(
            "import pandas as pd\n"
            "leakguard_describe = pd.DataFrame.describe\n"
            "def my_describe(self, *args, **kwargs):\n"
            "    return 'mine'\n"
            "pd.DataFrame.describe = my_describe"
        )
        kernel.shell.run_cell("%unload_ext leakguard")
        assert loaded() is None
        assert pd.DataFrame.describe is kernel.ns["my_describe"]  # the user's patch stays
        assert kernel.run("r = pd.DataFrame({'a': [1]}).describe()").error is None and kernel.ns["r"] == "mine"
        # the wrapper the user kept a reference to still works once leakguard is gone
        assert kernel.run("s = leakguard_describe(pd.DataFrame({'a': [1, 3]}))").error is None
        assert kernel.ns["s"].loc["mean", "a"] == 2
        # what the user did not touch is restored exactly, as always
        assert pd.DataFrame.corr is corr
    finally:
        pd.DataFrame.describe = original
        kernel.shell.run_cell("%load_ext leakguard")


def test_unload_restores_a_wrapper_the_user_reassigned_to_itself(kernel: Kernel) -> None:
    # re-assigning leakguard's own wrapper (e.g. ``f = pd.DataFrame.mean; pd.DataFrame.mean = f``) is no patch
    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    original = next(o for owner, attr, o in state.patcher.applied if owner is pd.DataFrame and attr == "mean")
    kernel.run("import pandas as pd\nf = pd.DataFrame.mean\npd.DataFrame.mean = f")
    kernel.shell.run_cell("%unload_ext leakguard")
    try:
        assert pd.DataFrame.mean is original
    finally:
        pd.DataFrame.mean = original
        kernel.shell.run_cell("%load_ext leakguard")


def test_unload_keeps_a_sql_magic_the_user_registered_while_loaded(kernel: Kernel) -> None:
    kernel.run("from IPython.core.magic import register_cell_magic\n"
               "@register_cell_magic\n"
               "def sql(line, cell):\n"
               "    return 'my sql: ' + cell.strip()")
    try:
        kernel.shell.run_cell("%unload_ext leakguard")
        assert kernel.run("%%sql\nSELECT 1").result == "my sql: SELECT 1"
    finally:
        kernel.shell.magics_manager.magics["cell"].pop("sql", None)
        kernel.shell.run_cell("%load_ext leakguard")


def test_unload_removes_leakguards_own_sql_magic(kernel: Kernel) -> None:
    assert "sql" in kernel.shell.magics_manager.magics["cell"]
    kernel.shell.run_cell("%unload_ext leakguard")
    try:
        assert "sql" not in kernel.shell.magics_manager.magics["cell"]
    finally:
        kernel.shell.run_cell("%load_ext leakguard")


def test_unload_keeps_a_leakguard_line_magic_the_user_replaced(kernel: Kernel) -> None:
    kernel.run("from IPython.core.magic import register_line_magic\n"
               "@register_line_magic\n"
               "def leakguard(line):\n"
               "    return 'mine: ' + line")
    try:
        kernel.shell.run_cell("%unload_ext leakguard")
        assert kernel.run("%leakguard status").result == "mine: status"
    finally:
        kernel.shell.magics_manager.magics["line"].pop("leakguard", None)
        kernel.shell.run_cell("%load_ext leakguard")


def test_a_module_imported_while_loaded_gets_the_originals_back_on_unload(kernel: Kernel, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import numpy as np

    original = np.loadtxt.__leakguard_original__  # leakguard is loaded: numpy holds its wrapper
    (tmp_path / "copies_numpy_name.py").write_text("from numpy import loadtxt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    kernel.run("import copies_numpy_name")  # imported while leakguard wraps numpy.loadtxt: it keeps the wrapper
    module = sys.modules["copies_numpy_name"]
    assert getattr(module.loadtxt, "__leakguard_original__", None) is original
    kernel.run("%unload_ext leakguard")
    assert module.loadtxt is original and np.loadtxt is original
    kernel.run("%load_ext leakguard")  # the fixture unloads it again
    del sys.modules["copies_numpy_name"]


def test_unload_gives_the_original_back_to_classes_defined_while_loaded(kernel: Kernel, tmp_path: Path) -> None:
    # a class body that takes a method (``summary = pd.DataFrame.describe``) or wraps it with
    # functools.update_wrapper (scikit-learn's ``available_if``, in NearestCentroid) while leakguard is
    # loaded holds leakguard's wrapper: %unload_ext must leave no wrapper behind there either
    import sys

    from leakguard.kernel.extension import loaded

    state = loaded()
    assert state is not None
    original = next(o for owner, attr, o in state.patcher.applied if owner is pd.DataFrame and attr == "describe")
    (tmp_path / "lg_user_classes.py").write_text(
        "import functools\n"
        "import pandas as pd\n"
        "class Held:\n"
        "    def __init__(self, fn):\n"
        "        self.fn = fn\n"
        "        functools.update_wrapper(self, fn)\n"
        "class Report:\n"
        "    summary = pd.DataFrame.describe\n"
        "    held = Held(pd.DataFrame.describe)\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        assert kernel.run("import lg_user_classes").error is None
        module = sys.modules["lg_user_classes"]
        assert hasattr(vars(module.Report)["summary"], "__leakguard_original__")  # a wrapper while loaded
        kernel.shell.run_cell("%unload_ext leakguard")
        assert vars(module.Report)["summary"] is original
        held = vars(module.Report)["held"]
        assert held.fn is original and held.__wrapped__ is original
        assert not hasattr(held, "__leakguard_original__")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("lg_user_classes", None)
        if loaded() is None:
            kernel.shell.run_cell("%load_ext leakguard")
