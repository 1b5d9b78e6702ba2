"""The sidebar in real Chromium against a real JupyterLab and kernel: findings, badges, selection,
provenance, mode, export, the saved record, reload, hostile names, and render time at scale."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from leakguard.kernel.comm import find_export

from .labpage import SIDEBAR, LabPage
from .notebooks import HOSTILE, write_big, write_hostile

pytestmark = pytest.mark.slow

EXPECTED = {  # churn_leaky.ipynb: cell id → the rules the sidebar must list for it
    "1f63a4c7": ["peek-holdout", "peek-future"],
    "06e2885c": ["peek-label"],
    "282c5711": ["peek-label"],
}
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "sidebar.png"


def _badge_cell(page, cell_id: str):
    return page.locator(f'.jp-Cell:has(> .lg-cell-badge[data-cell="{cell_id}"])')


def _assert_expected_findings(lp: LabPage) -> None:
    lp.page.wait_for_selector(f'{SIDEBAR} .lg-group[data-cell="282c5711"]', timeout=30_000)
    found = lp.rules_by_cell()
    for cell, rules in EXPECTED.items():
        assert sorted(found.get(cell, [])) == sorted(rules), found


def test_churn_notebook_in_the_sidebar(lab, browser, artifacts) -> None:
    page = browser.new_page()
    lp = LabPage(page)
    lp.open(lab.url("lab/tree/churn_leaky.ipynb?reset"))
    lp.run_all()

    # badges show on the cells with findings without the sidebar open
    page.wait_for_function("document.querySelectorAll('.lg-cell-badge').length === 3", timeout=30_000)
    assert not page.locator(SIDEBAR).is_visible()
    assert sorted(page.locator(".lg-cell-badge").evaluate_all("els => els.map(e => e.dataset.cell)")) == sorted(EXPECTED)
    assert _badge_cell(page, "1f63a4c7").locator(".lg-cell-badge").inner_text().endswith("2")
    page.screenshot(path=str(artifacts / "badges.png"))

    lp.open_sidebar()
    lp.wait_connected()
    _assert_expected_findings(lp)
    policy = page.locator(f"{SIDEBAR} .lg-policy")
    assert policy.locator('dd[data-key="label"]').inner_text() == "churned"
    assert policy.locator('dd[data-key="cutoff"]').inner_text() == "2024-06-01"
    assert policy.locator('dd[data-key="holdout"]').inner_text().startswith("20%")

    # a click on a finding selects its cell and scrolls the notebook to it
    lp.group("06e2885c").locator(".lg-message").first.click()
    target = _badge_cell(page, "06e2885c")
    page.wait_for_function(
        """() => { const b = document.querySelector('.lg-cell-badge[data-cell="06e2885c"]');
                   return b && b.parentElement.classList.contains('jp-mod-active'); }""", timeout=10_000)
    assert "jp-mod-selected" in (target.get_attribute("class") or "")
    assert target.is_visible()

    # provenance of a finding's value, and of a variable typed by name
    lp.group("1f63a4c7").locator(".lg-explain").first.click()
    page.wait_for_selector(f"{SIDEBAR} .lg-provenance g.lg-node", timeout=15_000)
    page.locator(f"{SIDEBAR} .lg-explain-input").fill("train")
    page.locator(f"{SIDEBAR} .lg-explain-form button").click()
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('{SIDEBAR} .lg-provenance .lg-node-name')]
                 .map(t => t.textContent).includes('train')""", timeout=15_000)
    names = page.locator(f"{SIDEBAR} .lg-provenance .lg-node-name").all_text_contents()
    assert "df" in names, names
    page.keyboard.press("Escape")
    page.keyboard.press("Control+b")  # fold the file browser: more room for the notebook
    page.locator(SIDEBAR).evaluate("el => { el.scrollTop = 0; }")
    page.screenshot(path=str(artifacts / "sidebar.png"))
    if os.environ.get("LEAKGUARD_UPDATE_DOCS_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(artifacts / "sidebar.png", DOCS_SCREENSHOT)

    # the mode switch reaches the kernel and comes back as the policy in force
    page.locator(f"{SIDEBAR} .lg-mode").select_option("safe")
    page.wait_for_function(
        f"document.querySelector('{SIDEBAR} dd[data-key=\"mode\"]').textContent === 'safe'", timeout=15_000)
    page.locator(f"{SIDEBAR} .lg-mode").select_option("warn")
    page.wait_for_function(
        f"document.querySelector('{SIDEBAR} dd[data-key=\"mode\"]').textContent === 'warn'", timeout=15_000)

    # export: the files written, or — while leakguard has no export — a plain "not available yet"
    page.locator(f"{SIDEBAR} .lg-export").click()
    outcome = page.locator(f"{SIDEBAR} .lg-export-outcome")
    outcome.wait_for(timeout=60_000)
    if find_export() is None:
        assert outcome.get_attribute("data-state") == "unavailable"
        assert "not available yet" in outcome.inner_text()
    else:
        assert outcome.get_attribute("data-state") in ("ok", "refused")
        assert outcome.locator("li").count() > 0
    page.screenshot(path=str(artifacts / "export.png"))

    # the export saved the notebook: its metadata carries the execution order and the findings
    saved = json.loads((lab.root / "churn_leaky.ipynb").read_text(encoding="utf-8"))
    record = saved["metadata"]["leakguard"]
    code_cells = [c["id"] for c in saved["cells"] if c["cell_type"] == "code"]
    assert [cell for cell, _ in record["order"]][-len(code_cells):] == code_cells
    assert {(f["cell"], f["rule"]) for f in record["findings"]} >= {
        (cell, rule) for cell, rules in EXPECTED.items() for rule in rules}

    # a page reload re-attaches to the kernel's comm and restores the sidebar and the badges
    lab.set_settings("leakguard:sidebar", {"autoload": True})  # read by the page after the reload
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    lp.open_sidebar()
    lp.wait_connected()
    _assert_expected_findings(lp)
    page.wait_for_function("document.querySelectorAll('.lg-cell-badge').length === 3", timeout=30_000)
    page.screenshot(path=str(artifacts / "after-reload.png"))

    # a kernel restart: the sidebar drops the old session, loads leakguard (setting on) and re-attaches
    session_before = page.locator(SIDEBAR).get_attribute("data-session")
    lp.restart_kernel()
    page.wait_for_function(
        f"""(old) => {{ const s = document.querySelector('{SIDEBAR}');
                    return s.dataset.status === 'connected' && s.dataset.session && s.dataset.session !== old; }}""",
        arg=session_before, timeout=60_000)
    assert page.locator(f"{SIDEBAR} .lg-finding").count() == 0
    assert page.locator(".lg-cell-badge").count() == 0
    for index in (1, 2, 3, 4):  # imports, read, policy, describe: the new session reports again
        lp.run_cell(index)
    page.wait_for_selector('.lg-cell-badge[data-cell="1f63a4c7"]', timeout=30_000)
    assert sorted(lp.rules_by_cell()["1f63a4c7"]) == sorted(EXPECTED["1f63a4c7"])
    page.screenshot(path=str(artifacts / "after-restart.png"))
    assert lp.dialogs == []
    page.close()


def test_hostile_names_render_as_text(lab, browser, artifacts) -> None:
    write_hostile(lab.root)
    page = browser.new_page()
    lp = LabPage(page)
    lp.open(lab.url("lab/tree/hostile.ipynb?reset"))
    lp.run_all()
    sidebar = lp.open_sidebar()
    lp.wait_connected()
    page.wait_for_selector(f'{SIDEBAR} .lg-group[data-cell="hostile-peek"]', timeout=30_000)
    assert sidebar.locator('dd[data-key="label"]').inner_text() == HOSTILE
    message = lp.group("hostile-peek").locator(".lg-message").first.inner_text()
    assert HOSTILE in message, message
    assert sidebar.locator("img").count() == 0
    page.locator(f"{SIDEBAR} .lg-explain-input").fill(HOSTILE)
    page.locator(f"{SIDEBAR} .lg-explain-form button").click()
    page.wait_for_selector(f"{SIDEBAR} .lg-provenance-box .lg-empty:has-text('not a variable name')", timeout=15_000)
    time.sleep(0.5)  # an injected onerror would fire by now
    assert lp.dialogs == []
    page.screenshot(path=str(artifacts / "hostile.png"))
    page.close()


def test_render_time_with_500_cells_and_1000_findings(lab, browser, artifacts, capsys) -> None:
    write_big(lab.root)
    page = browser.new_page()
    lp = LabPage(page)
    lp.open(lab.url("lab/tree/big.ipynb?reset"))
    lp.open_sidebar()
    lp.run_cell(0)
    lp.wait_connected()
    lp.run_cell(1)
    page.wait_for_function(f"document.querySelectorAll('{SIDEBAR} .lg-finding').length === 1000", timeout=60_000)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    bulk = float(panel.get_attribute("data-leakguard-update-ms") or "nan")
    bulk_sidebar = float(page.locator(SIDEBAR).get_attribute("data-render-ms") or "nan")
    # every cell in the page carries its badge but the third (which adds one more finding when it runs)
    # (the notebook attaches cells lazily as they scroll in)
    page.wait_for_function(
        """() => { const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')];
                   return cells.length > 50 && cells.every((c, i) => i === 2 || c.querySelector(':scope > .lg-cell-badge')); }""",
        timeout=15_000)
    lp.run_cell(2)
    page.wait_for_function(f"document.querySelectorAll('{SIDEBAR} .lg-finding').length === 1001", timeout=60_000)
    one = float(panel.get_attribute("data-leakguard-update-ms") or "nan")
    page.screenshot(path=str(artifacts / "big.png"))
    lp.cells().nth(2).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+End")  # the last cell, attached only now, has its badge
    page.screenshot(path=str(artifacts / "big-end.png"))
    page.wait_for_selector('.lg-cell-badge[data-cell="big-499"]', timeout=15_000)
    report = (f"render time, 500 cells / 1,000 findings: one update filing all of them {bulk:.1f} ms "
              f"(sidebar {bulk_sidebar:.1f} ms, the rest badges); one more finding afterwards {one:.1f} ms "
              "(target < 200 ms)")
    (artifacts / "render-times.txt").write_text(report + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + report)
    assert bulk < 200 and one < 200, report
    page.close()
