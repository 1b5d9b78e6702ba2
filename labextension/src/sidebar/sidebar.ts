/**
 * The "leakguard" sidebar: for the current notebook, the link status, the policy, the mode
 * switch, the export button, the findings grouped by cell, and a provenance view.
 */
import { Widget } from '@lumino/widgets';
import { NotebookController } from '../controller';
import { Change } from '../model';
import { Mode } from '../protocol.generated';
import { h } from '../dom';
import { FindingsView } from './findingsView';
import { renderPolicy } from './policyView';
import { renderProvenance } from './provenanceView';
import { renderExportResult } from './exportView';

const MODES: ReadonlyArray<Mode> = ['warn', 'block', 'safe'];

export class LeakguardSidebar extends Widget {
  private _controller: NotebookController | null = null;
  private readonly _status = h('p', { className: 'lg-status', attrs: { 'aria-live': 'polite' } });
  private readonly _policy = h('div', { className: 'lg-policy-box' });
  private readonly _mode = h('select', { className: 'lg-mode', attrs: { 'aria-label': 'leakguard mode' } });
  private readonly _exportButton = h('button', { className: 'lg-export jp-mod-styled' }, 'Export clean pipeline');
  private readonly _exportResult = h('div', { className: 'lg-export-result', attrs: { 'aria-live': 'polite' } });
  private readonly _count = h('span', { className: 'lg-total' });
  private readonly _findings: FindingsView;
  private readonly _explainInput = h('input', {
    className: 'lg-explain-input',
    attrs: { type: 'text', placeholder: 'a variable, e.g. train', 'aria-label': 'variable to explain' }
  });
  private readonly _provenance = h('div', { className: 'lg-provenance-box' });

  /** How long the last update took to render, in milliseconds (also on `data-render-ms`). */
  lastRenderMs = 0;

  constructor() {
    super();
    this.id = 'leakguard-sidebar';
    this.addClass('lg-sidebar');
    this.title.caption = 'leakguard';
    for (const mode of MODES) {
      this._mode.append(h('option', { attrs: { value: mode } }, mode));
    }
    this._findings = new FindingsView({
      selectCell: cell => void this._controller?.selectCell(cell),
      explain: subject => this._explain(subject)
    });
    this._mode.addEventListener('change', () => this._setMode(this._mode.value as Mode));
    this._exportButton.addEventListener('click', () => void this._export());
    const explainForm = h(
      'form',
      { className: 'lg-explain-form' },
      this._explainInput,
      h('button', { className: 'jp-mod-styled', attrs: { type: 'submit' } }, 'Explain')
    );
    explainForm.addEventListener('submit', event => {
      event.preventDefault();
      const name = this._explainInput.value.trim();
      if (name) {
        this._explain(name);
      }
    });
    this.node.append(
      h('header', { className: 'lg-header' }, h('h2', {}, 'leakguard'), this._status),
      h('section', { className: 'lg-section' }, h('h3', {}, 'Policy'), this._policy,
        h('label', { className: 'lg-mode-row' }, 'Mode ', this._mode)),
      h('section', { className: 'lg-section' }, this._exportButton, this._exportResult),
      h('section', { className: 'lg-section' }, h('h3', {}, 'Provenance'), explainForm, this._provenance),
      h('section', { className: 'lg-section' }, h('h3', {}, 'Findings ', this._count), this._findings.node)
    );
    this.redraw(null, { full: true, cells: [], policy: true, status: true });
  }

  /** Follow another notebook (null: none is current). */
  follow(controller: NotebookController | null): void {
    this._controller?.changed.disconnect(this._onChanged, this);
    this._controller = controller;
    controller?.changed.connect(this._onChanged, this);
    this._provenance.replaceChildren();
    this._exportResult.replaceChildren();
    this.redraw(controller, { full: true, cells: [], policy: true, status: true });
  }

  private _onChanged(controller: NotebookController, change: Change): void {
    this.redraw(controller, change);
  }

  /** Redraw what `change` touched, and time it. */
  redraw(controller: NotebookController | null, change: Change): void {
    const start = performance.now();
    const state = controller?.state;
    const connected = state?.status === 'connected';
    if (change.status || change.full) {
      this._status.textContent = controller ? state?.statusText ?? '' : 'Open a notebook to see its findings.';
      this.node.dataset.status = state?.status ?? 'no-notebook';
      this.node.dataset.session = state?.session ?? '';
      this._mode.disabled = !connected;
      this._exportButton.disabled = !connected;
    }
    if (change.policy || change.full) {
      this._policy.replaceChildren(renderPolicy(state?.policy ?? null));
      if (state?.policy) {
        this._mode.value = state.policy.mode;
      }
    }
    if (state && controller) {
      this._findings.render(state, change, controller.positions());
      const n = state.findingCount;
      this._count.textContent = `(${n})`;
    } else {
      this._findings.node.replaceChildren();
      this._count.textContent = '';
    }
    void this.node.offsetHeight; // include style and layout in the measured time
    this.lastRenderMs = performance.now() - start;
    this.node.dataset.renderMs = this.lastRenderMs.toFixed(1);
  }

  private _setMode(mode: Mode): void {
    try {
      this._controller?.setMode(mode);
    } catch (e) {
      this._status.textContent = (e as Error).message;
    }
  }

  private _explain(subject: string): void {
    const controller = this._controller;
    if (!controller) {
      return;
    }
    this._provenance.replaceChildren(h('p', { className: 'lg-empty' }, `Looking up ${subject}…`));
    controller.explain(subject).then(
      reply => {
        const focus = reply.graph?.nodes.find(n => n.id === reply.graph?.focus);
        const width = Math.max(200, this._provenance.clientWidth || 280);
        this._provenance.replaceChildren(renderProvenance(focus?.name ?? subject, reply.graph, reply.error, width));
      },
      (e: Error) => this._provenance.replaceChildren(h('p', { className: 'lg-empty' }, e.message))
    );
  }

  private async _export(): Promise<void> {
    const controller = this._controller;
    if (!controller) {
      return;
    }
    this._exportButton.disabled = true;
    this._exportResult.replaceChildren(h('p', { className: 'lg-empty' }, 'Exporting…'));
    try {
      this._exportResult.replaceChildren(renderExportResult(await controller.exportPipeline()));
    } catch (e) {
      this._exportResult.replaceChildren(h('p', { className: 'lg-export-error' }, (e as Error).message));
    } finally {
      this._exportButton.disabled = !controller.attached;
    }
  }
}
