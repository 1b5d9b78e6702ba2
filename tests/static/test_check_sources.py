"""Reading notebooks and scripts: nbformat 4.x, percent format, magics, recorded order, bad input."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from leakguard.static.reading.sources import InputError, neutralise, read_notebook_text, read_source, split_script
from tests.static.helpers import check_notebook_text, rules


def notebook(*sources: str, minor: int = 5, meta: dict[str, object] | None = None, ids: bool = True) -> str:
    cells = []
    for i, src in enumerate(sources):
        cell: dict[str, object] = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                   "source": src.splitlines(keepends=True)}
        if ids:
            cell["id"] = f"c{i}"
        cells.append(cell)
    md = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}, **(meta or {})}
    return json.dumps({"cells": cells, "metadata": md, "nbformat": 4, "nbformat_minor": minor}, indent=1)


@pytest.mark.parametrize("minor", [0, 1, 2, 4, 5])
def test_every_nbformat_4_minor_is_read(minor: int) -> None:
    text = notebook("import pandas as pd", "df = pd.read_csv('e.csv')\ndf.describe()", minor=minor, ids=minor >= 5)
    source = read_notebook_text(text)
    assert [c.number for c in source.cells] == [1, 2]
    assert rules(check_notebook_text(text)) == ["peek-holdout"]


def test_source_as_one_string_and_markdown_cells_are_skipped() -> None:
    nb = json.loads(notebook("x = 1"))
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# title"})
    nb["cells"][1]["source"] = "import pandas as pd\ndf = pd.read_csv('e.csv')\ndf.describe()"
    source = read_notebook_text(json.dumps(nb))
    assert [c.number for c in source.cells] == [2]
    assert rules(check_notebook_text(json.dumps(nb))) == ["peek-holdout"]


def test_recorded_execution_order_is_followed() -> None:
    cells = ("import pandas as pd, leakguard\ndf = pd.read_csv('e.csv')", "train.describe()",
             "train, test = leakguard.split(df)")
    doc = notebook(*cells)
    assert rules(check_notebook_text(doc)) == []  # train is unknown in document order: nothing to judge
    order = {"leakguard": {"order": [["c0", 1], ["c2", 2], ["c1", 3]]}}
    recorded = notebook(*cells, meta=order)
    assert read_notebook_text(recorded).order == "recorded"
    assert rules(check_notebook_text(recorded)) == []
    leaky = notebook(cells[0], "train, test = leakguard.split(df)", "df.describe()",
                     meta={"leakguard": {"execution": ["c0", "c2", "c1"]}})
    assert rules(check_notebook_text(leaky)) == ["peek-holdout"]


def test_percent_format_cells_and_line_numbers() -> None:
    code = "import pandas as pd\n# %% load\ndf = pd.read_csv('e.csv')\n\n# %% [markdown]\n# notes\n# %%\ndf.describe()\n"
    cells = split_script(code)
    assert [c.number for c in cells] == [1, 2, 3]
    assert cells[2].line_offset == 6


def test_plain_script_is_one_cell() -> None:
    assert len(split_script("a = 1\nb = 2\n")) == 1


@pytest.mark.parametrize(("line", "expected"), [
    ("%matplotlib inline", "__lg_magic__('%matplotlib inline')"),
    ("!pip install x", "__lg_magic__('!pip install x')"),
    ("    %time f()", "    __lg_magic__('%time f()')"),
    ("files = !ls", "files = __lg_magic__('!ls')"),
    ("df?", "pass"),
    ("print('why?')  # really?", "print('why?')  # really?"),
    ("x = a % b", "x = a % b"),
])
def test_ipython_syntax_is_neutralised_on_the_same_line(line: str, expected: str) -> None:
    code, sql, _ = neutralise(line)
    assert code == expected and sql is None


@pytest.mark.parametrize("source", [
    # a string format continued on the next line inside brackets
    'msg = ("train %d rows, test %d rows"\n       % (len(a), len(b)))\nprint(msg)',
    # after a backslash continuation
    'msg = "%s-%s" \\\n    % (a, b)',
    # lines of a triple-quoted string that look like magics, shell escapes and help
    'doc = """\n%matplotlib inline\n!pip install x\nhelp?\n"""\nprint(doc)',
    "text = '''\n  % done\n'''",
])
def test_python_that_parses_is_left_alone(source: str) -> None:
    code, sql, _ = neutralise(source)
    assert code == source and sql is None


def test_magics_next_to_strings_and_continuations_are_still_neutralised() -> None:
    source = ('%matplotlib inline\ndoc = """\n!not a shell escape\n"""\nmsg = ("a %s"\n       % (doc,))\n'
              "x = [1,\n     2]  # a ( in a comment\n!pip install x")
    code, _, _ = neutralise(source)
    assert code.split("\n") == [
        "__lg_magic__('%matplotlib inline')", 'doc = """', "!not a shell escape", '"""', 'msg = ("a %s"',
        "       % (doc,))", "x = [1,", "     2]  # a ( in a comment", "__lg_magic__('!pip install x')"]
    ast.parse(code)


def test_a_script_that_parses_whole_has_no_syntax_error(tmp_path: Path) -> None:
    from leakguard.static.engine import check_path

    script = tmp_path / "report.py"
    script.write_text('import pandas as pd\n# %%\ndf = pd.read_csv("e.csv")\nmsg = ("%d rows, %d columns"\n'
                      '       % df.shape)\nprint(msg)\n', encoding="utf-8")
    report = check_path(script)
    assert report.problems == [] and report.checked_cells == 2


def test_cell_magics() -> None:
    code, sql, args = neutralise("%%sql con -o out\nSELECT 1")
    assert (code, sql, args) == ("", "SELECT 1", "con -o out")
    code, sql, _ = neutralise("%%time\nx = 1")
    assert code.split("\n") == ["", "x = 1"] and sql is None
    assert neutralise("%%bash\nls")[0] == ""


def test_leakguard_policy_magic_sets_the_policy_for_later_cells() -> None:
    from leakguard.policy import Policy
    from tests.static.helpers import check_code

    code = "import pandas as pd\ndf = pd.read_csv('e.csv')\n# %%\ndf.describe()\n"
    assert rules(check_code(code, Policy())) == []
    magic = "%leakguard policy label=churned holdout=0.2\n"
    assert rules(check_notebook_text(notebook(magic + code.replace("# %%\n", ""), ), Policy())) == ["peek-holdout"]


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    (b'{"cells": [', "invalid JSON at line 1"),
    (b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "no code cells"),
    (b'{"worksheets": [], "nbformat": 9}', "unsupported notebook format"),
    (b'[1, 2]', "not a Jupyter notebook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b"\xff\xfe\xfa bad", "not UTF-8"),
])
def test_unreadable_notebooks_raise_a_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_source(path)


def test_non_python_kernel_is_refused(tmp_path: Path) -> None:
    nb = json.loads(notebook("x <- 1"))
    nb["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    path = tmp_path / "r.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(InputError, match="kernel language is 'r'"):
        read_source(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "nope.ipynb")
    with pytest.raises(InputError, match="is a directory"):
        read_source(tmp_path)


def test_syntax_error_cell_is_reported_and_the_rest_checked() -> None:
    text = notebook("import pandas as pd\ndf = pd.read_csv('e.csv')", "df.describe(", "df.describe()")
    report = check_notebook_text(text)
    assert rules(report) == ["peek-holdout"]
    assert report.problems == ["cell 2, line 1: syntax error ('(' was never closed); this cell was not checked"]
    assert report.findings[0].cell == 3


def test_nbformat_3_is_converted(tmp_path: Path) -> None:
    nb3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
           "worksheets": [{"cells": [{"cell_type": "code", "language": "python", "collapsed": False,
                                      "input": "import pandas as pd\ndf = pd.read_csv('e.csv')\ndf.describe()",
                                      "outputs": []}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb3))
    assert [c.code.splitlines()[-1] for c in read_source(path).cells] == ["df.describe()"]


def test_plain_script_with_a_syntax_error_keeps_the_blocks_that_parse() -> None:
    from tests.static.helpers import check_code

    code = ("import pandas as pd\ndf = pd.read_csv('e.csv')\n\ndef broken(:\n    pass\n\n"
            "df.describe()\n")
    report = check_code(code)
    assert rules(report) == ["peek-holdout"]
    assert report.findings[0].line == 7
    assert report.problems == ["line 4: syntax error (invalid syntax); the block at line 4 was not checked"]
