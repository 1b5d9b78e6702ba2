/**
 * The outcome of "Export clean pipeline": the files written (open them in JupyterLab), or
 * a compact refusal: which cells stop it (jump to them), their rules, and "Drop leaky
 * cells and export"; the kernel's full reasons stay folded.
 */
import { ExportResult } from '../protocol.generated';
import { h } from '../dom';

export interface ExportActions {
  openFile(path: string): void;
  selectCell(cell: string): void;
  dropLeakyAndExport(): void;
  /** `In [4] · cell 5` for a cell id. */
  label(cell: string, executionCount: number | null): string;
}

export function renderExportResult(result: ExportResult, actions: ExportActions): HTMLElement {
  const state = !result.available ? 'unavailable' : result.ok ? 'ok' : 'refused';
  const files = result.files.map(f => {
    const b = h('button', { className: 'lg-link lg-file', title: `Open ${f} in JupyterLab`, attrs: { type: 'button' } }, f);
    b.addEventListener('click', () => actions.openFile(f));
    return h('li', {}, b);
  });
  const blocking = result.blocking.map(c => {
    const b = h('button', { className: 'lg-link', attrs: { type: 'button' } }, actions.label(c.cell, c.execution_count));
    b.addEventListener('click', () => actions.selectCell(c.cell));
    return h('li', { data: { cell: c.cell } }, b, h('span', { className: 'lg-rules' }, ` ${c.rules.join(', ')}`));
  });
  let drop: HTMLElement | null = null;
  if (state === 'refused') {
    drop = h('button', { className: 'lg-drop jp-mod-styled', title: 'Export without the cells that carry findings', attrs: { type: 'button' } }, 'Drop leaky cells and export');
    drop.addEventListener('click', () => actions.dropLeakyAndExport());
  }
  const reasons = result.reasons.length
    ? h('details', { className: 'lg-reasons-box' },
        h('summary', {}, `All reasons (${result.reasons.length})`),
        h('ul', { className: 'lg-reasons' }, ...result.reasons.map(r => h('li', {}, r))))
    : null;
  const message = state === 'refused' && blocking.length
    ? `Export refused: ${blocking.length} cell${blocking.length === 1 ? '' : 's'} with findings.`
    : result.message;
  return h(
    'div',
    { className: 'lg-export-outcome', data: { state } },
    h('p', {}, message),
    files.length ? h('ul', { className: 'lg-files', attrs: { 'aria-label': 'Files written' } }, ...files) : null,
    blocking.length ? h('ul', { className: 'lg-blocking', attrs: { 'aria-label': 'Cells that stop the export' } }, ...blocking) : null,
    drop,
    reasons
  );
}
