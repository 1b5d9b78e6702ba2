/**
 * The "leakguard" sidebar: for the current notebook (named in the header), the link status,
 * the policy and what it covers, the mode switch, export, a provenance box, and the
 * findings grouped by cell.
 */
import { Widget } from '@lumino/widgets';
import { NotebookController } from '../controller';
import { Change } from '../model';
import { Mode } from '../protocol.generated';
import { cellLabel, h } from '../dom';
import { FindingsView } from './findingsView';
import { ModeSwitch } from './modeSwitch';
import { renderPolicy } from './policyView';
import { renderProvenance } from './provenanceView';
import { renderExportResult } from './exportView';

/** What the sidebar asks of JupyterLab. */
export interface SidebarHost {
  openFile(path: string): void;
  copy(text: string): void;
}

const EVERYTHING: Change = { full: true, cells: [], policy: true, status: true };

export class LeakguardSidebar extends Widget {
  private _controller: NotebookController | null = null;
  private _lastStatus = '';
  private readonly _notebook = h('p', { className: 'lg-notebook' });
  private readonly _status = h('span', { className: 'lg-status-text' });
  private readonly _load = h('button', { className: 'lg-load jp-mod-styled jp-mod-accept', attrs: { type: 'button' } }, 'Load leakguard');
  private readonly _policy = h('div', { className: 'lg-policy-box' });
  private readonly _mode = new ModeSwitch(mode => this.setMode(mode));
  private readonly _exportButton = h('button', { className: 'lg-export jp-mod-styled jp-mod-accept', attrs: { type: 'button' } }, 'Export clean pipeline');
  private readonly _exportResult = h('div', { className: 'lg-export-result', attrs: { 'aria-live': 'polite' } });
  private readonly _count = h('span', { className: 'lg-total' });
  private readonly _findings: FindingsView;
  private readonly _explainInput = h('input', {
    className: 'lg-explain-input jp-mod-styled',
    attrs: { type: 'text', placeholder: 'a variable, e.g. train', 'aria-label': 'Variable to explain' }
  });
  private readonly _provenance = h('div', { className: 'lg-provenance-box' });

  /** How long the last update took to render, in milliseconds (also on `data-render-ms`). */
  lastRenderMs = 0;

  constructor(private readonly _host: SidebarHost) {
    super();
    this.id = 'leakguard-sidebar';
    this.addClass('lg-sidebar');
    this.title.caption = 'leakguard';
    this._findings = new FindingsView({
      selectCell: cell => void this._controller?.selectCell(cell),
      explain: (subject, host) => this._explain(subject, host),
      copy: text => _host.copy(text)
    });
    this._exportButton.addEventListener('click', () => void this.exportPipeline());
    this._load.addEventListener('click', () => this._controller?.loadLeakguard());
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
        this._explain(name, this._provenance);
      }
    });
    this.node.append(
      h('header', { className: 'lg-header' }, h('h2', {}, 'leakguard'), this._notebook,
        h('p', { className: 'lg-status', attrs: { role: 'status' } }, h('span', { className: 'lg-dot', attrs: { 'aria-hidden': 'true' } }), this._status),
        this._load),
      h('section', { className: 'lg-section', attrs: { 'aria-label': 'Policy' } }, h('h3', {}, 'Policy'), this._policy,
        h('div', { className: 'lg-mode-row' }, h('span', { className: 'lg-mode-label' }, 'Mode'), this._mode.node)),
      h('section', { className: 'lg-section', attrs: { 'aria-label': 'Export' } }, this._exportButton, this._exportResult),
      h('section', { className: 'lg-section', attrs: { 'aria-label': 'Provenance' } }, h('h3', {}, 'Provenance'), explainForm, this._provenance),
      h('section', { className: 'lg-section', attrs: { 'aria-label': 'Findings' } }, h('h3', {}, 'Findings ', this._count), this._findings.node, this._findings.notes)
    );
    this.redraw(null, EVERYTHING);
  }

  get controller(): NotebookController | null {
    return this._controller;
  }

  /** Follow another notebook (null: no notebook is the current document). */
  follow(controller: NotebookController | null): void {
    if (controller === this._controller) {
      return;
    }
    const old = this._controller;
    old?.changed.disconnect(this._onChanged, this);
    old?.panel.content.activeCellChanged.disconnect(this._onActiveCell, this);
    old?.panel.context.pathChanged.disconnect(this._onPath, this);
    this._controller = controller;
    controller?.changed.connect(this._onChanged, this);
    controller?.panel.content.activeCellChanged.connect(this._onActiveCell, this);
    controller?.panel.context.pathChanged.connect(this._onPath, this);
    this._provenance.replaceChildren();
    this._exportResult.replaceChildren();
    this._onPath();
    this.redraw(controller, EVERYTHING);
    this._onActiveCell();
  }

  /** Open the group of `cell` and bring it into view. */
  showCell(cell: string): boolean {
    return this._findings.reveal(cell);
  }

  focusExplain(): void {
    this._explainInput.focus();
  }

  setMode(mode: Mode): void {
    try {
      this._controller?.setMode(mode);
    } catch (e) {
      this._status.textContent = (e as Error).message;
    }
  }

  /** Save and export the notebook; with `dropLeaky`, without the cells carrying findings. */
  async exportPipeline(dropLeaky = false): Promise<void> {
    const controller = this._controller;
    if (!controller || !controller.attached) {
      return;
    }
    this._exportButton.disabled = true;
    this._exportResult.replaceChildren(h('p', { className: 'lg-empty' }, 'Exporting…'));
    try {
      const result = await controller.exportPipeline(dropLeaky);
      this._exportResult.replaceChildren(
        renderExportResult(result, {
          openFile: path => this._host.openFile(controller.serverPath(path)),
          selectCell: cell => void controller.selectCell(cell),
          dropLeakyAndExport: () => void this.exportPipeline(true),
          label: (cell, count) => cellLabel(count, controller.positions().get(cell) ?? -1)
        })
      );
    } catch (e) {
      this._exportResult.replaceChildren(h('p', { className: 'lg-export-error' }, (e as Error).message));
    } finally {
      this._exportButton.disabled = !controller.attached;
    }
    this._exportResult.scrollIntoView({ block: 'nearest' });
  }

  private _onChanged(controller: NotebookController, change: Change): void {
    this.redraw(controller, change);
  }

  private _onActiveCell(): void {
    this._findings.setCurrent(this._controller?.panel.content.activeCell?.model.id ?? null);
  }

  private _onPath(): void {
    const path = this._controller?.panel.context.path ?? '';
    this._notebook.textContent = path ? path.slice(path.lastIndexOf('/') + 1) : 'No notebook is active';
    this._notebook.title = path;
    this.title.label = '';
  }

  /** Redraw what `change` touched, and time it. */
  redraw(controller: NotebookController | null, change: Change): void {
    const start = performance.now();
    const state = controller?.state;
    const status = controller ? state?.status ?? 'no-kernel' : 'no-notebook';
    const connected = status === 'connected';
    if (change.status || change.full) {
      this._status.textContent = statusText(status, state?.statusText ?? '');
      this.node.dataset.status = status;
      this.node.dataset.session = state?.session ?? '';
      this._mode.disabled = !connected;
      this._exportButton.disabled = !connected;
      this._load.hidden = !(status === 'waiting' || status === 'closed');
      if (status !== this._lastStatus) {
        // an error from before (not loaded, a restart) says nothing about the new state
        this._provenance.replaceChildren();
        this._exportResult.replaceChildren();
        this._lastStatus = status;
      }
    }
    if (change.policy || change.full) {
      this._policy.replaceChildren(renderPolicy(state?.policy ?? null));
      this._mode.value = state?.policy?.mode ?? null;
    }
    if (state && controller) {
      this._findings.render(state, change, controller.positions());
      this._count.textContent = `(${state.findingCount})`;
      this._onActiveCell();
    } else {
      this._findings.notes.replaceChildren();
      this._count.textContent = '';
    }
    this._findings.node.hidden = !controller;
    void this.node.offsetHeight; // include style and layout in the measured time
    this.lastRenderMs = performance.now() - start;
    this.node.dataset.renderMs = this.lastRenderMs.toFixed(1);
  }

  private _explain(subject: string, host: HTMLElement): void {
    const controller = this._controller;
    if (!controller) {
      return;
    }
    host.replaceChildren(h('p', { className: 'lg-empty' }, `Looking up ${subject}…`));
    controller.explain(subject).then(
      reply => {
        const focus = reply.graph?.nodes.find(n => n.id === reply.graph?.focus);
        host.replaceChildren(renderProvenance(focus?.name ?? subject, reply.graph, reply.error, host));
        host.scrollIntoView({ block: 'nearest' });
      },
      (e: Error) => host.replaceChildren(h('p', { className: 'lg-empty' }, e.message))
    );
  }
}

function statusText(status: string, text: string): string {
  switch (status) {
    case 'no-notebook':
      return 'Open a notebook to see its findings.';
    case 'connected':
      return `Connected · ${text}`;
    case 'waiting':
    case 'closed':
      return `leakguard is not loaded in this kernel. ${text.startsWith('The kernel restarted') ? '(The kernel restarted.)' : ''}`.trim();
    default:
      return text;
  }
}
