"""Actions on a JupyterLab page, in the words of a person using it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FIRST_RUN_TIMEOUT = 120_000  # a cold kernel start can be slow; wait for it instead of sleeping
SIDEBAR = "#leakguard-sidebar"


class LabPage:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> None:
        self.page.goto(url, timeout=FIRST_RUN_TIMEOUT)  # a loaded machine serves the page slowly
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=FIRST_RUN_TIMEOUT)
        self.wait_idle()

    def wait_idle(self, timeout: int = FIRST_RUN_TIMEOUT) -> None:
        """Until the current notebook's kernel is idle."""
        self.page.wait_for_function(
            r"""() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const status = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
                // the indicator says idle before any kernel is connected: the status bar names the kernel
                const bar = document.querySelector('#jp-main-statusbar');
                return status && status.getAttribute('data-status') === 'idle' && bar
                    && /\| Idle/.test(bar.textContent) && !/No Kernel/.test(bar.textContent);
            }""",
            timeout=timeout,
        )

    def run_all(self) -> None:
        """Run every code cell in order, one after the other, as a person pressing Ctrl+Enter on each."""
        kinds = self.cells().evaluate_all("els => els.map(e => e.classList.contains('jp-CodeCell'))")
        for index, is_code in enumerate(kinds):
            if is_code:
                self.run_cell(index)
        self.wait_all_ran()

    def wait_all_ran(self, timeout: int = FIRST_RUN_TIMEOUT) -> None:
        """Until every code cell of the current notebook shows an execution count."""
        try:
            self._wait_all_ran(timeout)
        except Exception:
            self.page.screenshot(path=str(ARTIFACTS / "failed-run.png"))
            (ARTIFACTS / "failed-run-console.txt").write_text("\n".join(self.console), encoding="utf-8")
            raise

    def _wait_all_ran(self, timeout: int) -> None:
        self.page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=timeout,
        )
        self.wait_idle()

    def run_cell(self, index: int) -> None:
        """Select the cell at ``index`` and run it in place (Ctrl+Enter)."""
        cell = self.cells().nth(index)
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+Enter")
        self._wait_cell_ran(index)

    def _wait_cell_ran(self, index: int) -> None:
        try:
            self._wait_count(index)
        except Exception:
            self.page.screenshot(path=str(ARTIFACTS / "failed-run.png"))
            (ARTIFACTS / "failed-run-console.txt").write_text("\n".join(self.console), encoding="utf-8")
            raise

    def _wait_count(self, index: int) -> None:
        self.page.wait_for_function(
            """(i) => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const cell = panel.querySelectorAll('.jp-Notebook .jp-Cell')[i];
                const prompt = cell && cell.querySelector('.jp-InputPrompt');
                return prompt && /\\[\\d+\\]/.test(prompt.textContent);
            }""",
            arg=index, timeout=FIRST_RUN_TIMEOUT,
        )
        self.wait_idle()

    def restart_kernel(self) -> None:
        self.page.get_by_role("menuitem", name="Kernel", exact=True).click()
        self.page.get_by_role("menuitem", name="Restart Kernel…").click()  # its name ends with the shortcut
        try:
            self.page.locator(".jp-Dialog .jp-mod-accept").click(timeout=15_000)
        except Exception:
            self.page.screenshot(path=str(ARTIFACTS / "failed-restart.png"))
            raise
        self.wait_idle()

    def cells(self) -> Any:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def open_sidebar(self) -> Any:
        sidebar = self.page.locator(SIDEBAR)
        if not sidebar.is_visible():
            self.page.get_by_role("tab", name="leakguard").click()
        sidebar.wait_for(state="visible")
        return sidebar

    def wait_connected(self) -> None:
        self.page.wait_for_selector(f'{SIDEBAR}[data-status="connected"]', state="attached",
                                    timeout=FIRST_RUN_TIMEOUT)

    def group(self, cell_id: str) -> Any:
        return self.page.locator(f'{SIDEBAR} .lg-group[data-cell="{cell_id}"]')

    def rules_by_cell(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = self.page.evaluate(
            """(sel) => Object.fromEntries([...document.querySelectorAll(sel + ' .lg-group')].map(g =>
                [g.dataset.cell, [...g.querySelectorAll('.lg-finding')].map(f => f.dataset.rule)]))""",
            SIDEBAR,
        )
        return result
