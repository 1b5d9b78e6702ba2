/**
 * Markers on notebook cells with findings, visible without the sidebar: a small pill in
 * the cell's corner with the number of findings, coloured by the worst severity.
 */
import { Notebook } from '@jupyterlab/notebook';
import { LeakguardState, worstOf } from './model';
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
    const n = report?.findings.length ?? 0;
    if (!report || n === 0) {
      existing?.remove();
      cell.node.classList.remove(HAS_FINDINGS);
      continue;
    }
    const worst = worstOf(report) ?? 'info';
    const rules = [...new Set(report.findings.map(f => f.rule))].join(', ');
    const badge = h(
      'div',
      {
        className: BADGE_CLASS,
        title: `leakguard: ${n} finding${n === 1 ? '' : 's'} (${rules})`,
        data: { severity: worst, cell: id },
        attrs: { role: 'status', 'aria-label': `leakguard: ${n} finding${n === 1 ? '' : 's'}` }
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
