"""Notebooks the browser test writes next to the examples: a hostile one and a large one."""

from __future__ import annotations

from pathlib import Path

import nbformat

HOSTILE = "<img src=x onerror=alert(1)>"
KERNELSPEC = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
              "language_info": {"name": "python"}}


def write_hostile(folder: Path) -> Path:
    """A frame whose label column is an HTML payload; leakguard's findings name it."""
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext leakguard\nimport pandas as pd, leakguard", id="hostile-load"),
        nbformat.v4.new_code_cell(
            f"df = pd.DataFrame({{{HOSTILE!r}: [0, 1] * 50, 'plan': ['a', 'b', 'c', 'd'] * 25}})\n"
            f"leakguard.policy(label={HOSTILE!r}, holdout=0.2, seed=1);",
            id="hostile-policy"),
        nbformat.v4.new_code_cell(f"df.groupby('plan')[{HOSTILE!r}].mean()", id="hostile-peek"),
    ]
    path = folder / "hostile.ipynb"
    nbformat.write(nb, path)
    return path


def write_big(folder: Path, n_cells: int = 500, n_findings: int = 1000) -> tuple[Path, list[str]]:
    """``n_cells`` cells; running the second one files ``n_findings`` findings spread over all cells."""
    ids = [f"big-{i:03d}" for i in range(n_cells)]
    inject = (
        "from leakguard.kernel.extension import loaded\n"
        "from leakguard.finding import Finding\n"
        "from leakguard.lineage.events import Where\n"
        f"ids = {ids!r}\n"
        "session = loaded().session\n"
        # not on the cell that adds one more: a cell run again supersedes its own findings
        "targets = [c for c in ids if c != ids[2]]\n"
        f"for i in range({n_findings}):\n"
        "    cell = targets[i % len(targets)]\n"
        "    session.findings.append(Finding('peek-holdout', 'warning', Where(cell, 1, 1 + i // len(targets)),\n"
        "                                    f'synthetic finding {i} on df', 'split first', 'df'))\n"
    )
    one_more = (
        "session.findings.append(Finding('peek-label', 'error', Where(ids[7], 2, 9), 'one more finding', '', 'df'))"
    )
    cells = [
        nbformat.v4.new_code_cell("%load_ext leakguard", id=ids[0]),
        nbformat.v4.new_code_cell(inject, id=ids[1]),
        nbformat.v4.new_code_cell(one_more, id=ids[2]),
    ]
    cells += [nbformat.v4.new_markdown_cell(f"note {i}", id=ids[i]) for i in range(3, n_cells)]
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = cells
    path = folder / "big.ipynb"
    nbformat.write(nb, path)
    return path, ids


def write_modes(folder: Path) -> Path:
    """Safe mode restricts a look (a note, no finding); block mode refuses one (a finding, blocked)."""
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext leakguard\nimport pandas as pd, leakguard", id="modes-load"),
        nbformat.v4.new_code_cell(
            "df = pd.DataFrame({'churned': [0, 1] * 50, 'plan': ['a', 'b', 'c', 'd'] * 25, 'x': range(100)})\n"
            "leakguard.policy(label='churned', holdout=0.2, seed=1);", id="modes-policy"),
        nbformat.v4.new_code_cell("%leakguard mode safe\ndf.describe()", id="modes-safe"),
        nbformat.v4.new_code_cell("%leakguard mode block", id="modes-block-on"),
        nbformat.v4.new_code_cell("df.groupby('plan')['churned'].mean()", id="modes-blocked"),
    ]
    path = folder / "modes.ipynb"
    nbformat.write(nb, path)
    return path


LONG_NAME = "features_after_scaling_and_one_hot_encoding_of_every_column"


def write_long(folder: Path, peeks: int = 14) -> Path:
    """Many cells that each peek at the holdout of a frame with a long name; the last one derives from it."""
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext leakguard\nimport pandas as pd, leakguard", id="long-load"),
        nbformat.v4.new_code_cell(
            f"{LONG_NAME} = pd.DataFrame({{'churned': [0, 1] * 50, 'plan': ['a', 'b', 'c', 'd'] * 25, 'x': range(100)}})\n"
            "leakguard.policy(label='churned', holdout=0.2, seed=1);", id="long-policy"),
    ]
    nb.cells += [nbformat.v4.new_code_cell(f"{LONG_NAME}.describe()  # look {i}", id=f"long-peek-{i:02d}")
                 for i in range(peeks)]
    nb.cells.append(nbformat.v4.new_code_cell(
        f"scaled = {LONG_NAME}.assign(y={LONG_NAME}['x'] * 2)\nscaled.describe()", id="long-last"))
    path = folder / "long.ipynb"
    nbformat.write(nb, path)
    return path


def write_retro(folder: Path) -> Path:
    """No policy: a look at every row, then the split that reveals the holdout (a retroactive peek)."""
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext leakguard\nimport pandas as pd\n"
                                  "from sklearn.model_selection import train_test_split", id="retro-load"),
        nbformat.v4.new_code_cell(
            "df = pd.DataFrame({'churned': [0, 1] * 50, 'plan': ['a', 'b', 'c', 'd'] * 25, 'x': range(100)})",
            id="retro-data"),
        nbformat.v4.new_code_cell("df.describe()", id="retro-look"),
        nbformat.v4.new_code_cell("train, test = train_test_split(df, test_size=0.25, random_state=0)",
                                  id="retro-split"),
        nbformat.v4.new_code_cell("train.describe()", id="retro-train"),
    ]
    path = folder / "retro.ipynb"
    nbformat.write(nb, path)
    return path
