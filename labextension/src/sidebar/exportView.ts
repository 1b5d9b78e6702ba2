/** The outcome of "Export clean pipeline": the files written, the reasons it refused, or that it is not available. */
import { ExportResult } from '../protocol.generated';
import { h } from '../dom';

export function renderExportResult(result: ExportResult): HTMLElement {
  const state = !result.available ? 'unavailable' : result.ok ? 'ok' : 'refused';
  return h(
    'div',
    { className: 'lg-export-outcome', data: { state } },
    h('p', {}, result.message),
    result.files.length ? h('ul', { className: 'lg-files' }, ...result.files.map(f => h('li', {}, h('code', {}, f)))) : null,
    result.reasons.length ? h('ul', { className: 'lg-reasons' }, ...result.reasons.map(r => h('li', {}, r))) : null
  );
}
