/**
 * Markers on notebook cells with findings, visible without the sidebar: a small pill in
 * the prompt area (clear of the collapser bar) with the number of findings, its border
 * coloured by the worst severity. A click opens the sidebar at the cell's findings.
 */
import { Notebook } from '@jupyterlab/notebook';
import { LeakguardState, uniqueFindings, worstOf } from './model';
import { h } from './dom';

export const BADGE_CLASS = 'lg-cell-badge';
const HAS_FINDINGS = 'lg-has-findings';

/** Put or refresh the badge of every cell in `cells` (all cells when omitted). */
export function applyBadges(
  notebook: Notebook,
  state: LeakguardState,
  cells?: ReadonlySet<string>
): void {
  for (const cell of notebook.widgets) {
    const id = cell.model.id;
    if (cells && !cells.has(id)) {
      continue;
    }
    const report = state.cells.get(id);
    const existing = cell.node.querySelector(`:scope > .${BADGE_CLASS}`);
    const n = report ? uniqueFindings(report).length : 0;
    if (!report || n === 0) {
      existing?.remove();
      cell.node.classList.remove(HAS_FINDINGS);
      continue;
    }
    const worst = worstOf(report) ?? 'info';
    const rules = [...new Set(report.findings.map(f => f.rule))].join(', ');
    const what = `${n} finding${n === 1 ? '' : 's'}`;
    const badge = h(
      'button',
      {
        className: BADGE_CLASS,
        title: `leakguard: ${what} (${rules}); click to show them in the sidebar`,
        data: { severity: worst, cell: id },
        attrs: { type: 'button', 'aria-label': `leakguard: ${what}, show in the sidebar` }
      },
      `${worst === 'info' ? 'ℹ' : '⚠'} ${n}`
    );
    if (existing) {
      existing.replaceWith(badge);
    } else {
      cell.node.appendChild(badge);
    }
    cell.node.classList.add(HAS_FINDINGS);
  }
}
