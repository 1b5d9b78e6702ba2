/**
 * One notebook's leakguard: its kernel link, its state, its badges, and the record saved
 * in its metadata. The sidebar shows whichever controller belongs to the current notebook.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { BADGE_CLASS, applyBadges } from './badges';
import { KernelLink } from './connection';
import { Change, LeakguardState, LinkStatus } from './model';
import { ExportResult, KernelMessage, Mode, Provenance } from './protocol.generated';

export const METADATA_KEY = 'leakguard';

export interface ControllerOptions {
  autoload(): boolean;
  defaultMode(): Mode | null;
  /** A cell's badge was clicked. */
  onBadge(cell: string): void;
}

export class NotebookController {
  readonly state = new LeakguardState();
  private readonly _changed = new Signal<this, Change>(this);
  private readonly _link: KernelLink;
  private _positions: Map<string, number> | null = null;
  private _defaultApplied = new Set<string>();

  constructor(
    readonly panel: NotebookPanel,
    private readonly _options: ControllerOptions
  ) {
    this._link = new KernelLink(panel.sessionContext, {
      onMessage: m => this._onMessage(m),
      onStatus: (s, t) => this._onStatus(s, t),
      autoload: () => _options.autoload()
    });
    panel.context.saveState.connect(this._onSave, this);
    panel.content.model?.cells.changed.connect(this._onCellsChanged, this);
    panel.disposed.connect(() => this.dispose());
    panel.content.node.addEventListener('click', this._onBadgeClick);
  }

  private readonly _onBadgeClick = (event: MouseEvent): void => {
    const badge = (event.target as Element | null)?.closest<HTMLElement>(`.${BADGE_CLASS}`);
    if (badge?.dataset.cell) {
      event.stopPropagation(); // the badge opens the sidebar; the click is not for the cell
      this._options.onBadge(badge.dataset.cell);
    }
  };

  /** Emitted after the state changed, with what changed. */
  get changed(): ISignal<this, Change> {
    return this._changed;
  }

  get attached(): boolean {
    return this._link.attached;
  }

  dispose(): void {
    this.panel.content.node.removeEventListener('click', this._onBadgeClick);
    this._link.dispose();
    Signal.clearData(this);
  }

  /** Each cell id's position in the notebook. */
  positions(): ReadonlyMap<string, number> {
    if (!this._positions) {
      this._positions = new Map();
      this.panel.content.widgets.forEach((cell, i) => this._positions?.set(cell.model.id, i));
    }
    return this._positions;
  }

  /** Select the cell and scroll the notebook to it, in command mode (keys act on cells, not text). */
  async selectCell(cellId: string): Promise<boolean> {
    const notebook = this.panel.content;
    const index = notebook.widgets.findIndex(c => c.model.id === cellId);
    const cell = notebook.widgets[index];
    if (index < 0 || !cell) {
      return false;
    }
    notebook.mode = 'command';
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    await notebook.scrollToCell(cell, 'center');
    // scrolling may attach and focus the cell's editor; command mode is what a jump means
    notebook.mode = 'command';
    notebook.node.focus({ preventScroll: true });
    return true;
  }

  /** Run `%load_ext leakguard` in this notebook's kernel. */
  loadLeakguard(): void {
    this._link.load();
  }

  /** A path the kernel reported (relative to the notebook's folder) as a JupyterLab path. */
  serverPath(path: string): string {
    if (path.startsWith('/')) {
      return path;
    }
    const notebook = this.panel.context.path;
    const folder = notebook.includes('/') ? notebook.slice(0, notebook.lastIndexOf('/') + 1) : '';
    return folder + path;
  }

  setMode(mode: Mode): void {
    this._link.send({ type: 'set_mode', mode });
  }

  explain(name: string): Promise<Provenance> {
    return this._link.request<Provenance>({ type: 'explain', name });
  }

  /** Save the notebook (export reads the file), then ask the kernel to export it. */
  async exportPipeline(dropLeaky = false): Promise<ExportResult> {
    await this.panel.context.save();
    const path = this.panel.context.path;
    const notebook = path.slice(path.lastIndexOf('/') + 1);
    return this._link.request<ExportResult>(
      dropLeaky ? { type: 'export', notebook, drop_leaky: true } : { type: 'export', notebook }
    );
  }

  private _onMessage(message: KernelMessage): void {
    const change = this.state.apply(message);
    if (!change) {
      return;
    }
    if (message.type === 'snapshot') {
      this._applyDefaultMode();
    }
    this._publish(change);
  }

  private _onStatus(status: LinkStatus, text: string): void {
    const change =
      status === 'connected' ? this.state.setStatus(status, text) : this.state.reset(status, text);
    this._publish(change);
  }

  /** Badges and sidebar redraw for one change; the time taken lands on `data-leakguard-update-ms`. */
  private _publish(change: Change): void {
    const start = performance.now();
    applyBadges(this.panel.content, this.state, change.full ? undefined : new Set(change.cells));
    this._changed.emit(change);
    void this.panel.node.offsetHeight; // include style and layout in the measured time
    this.panel.node.dataset.leakguardUpdateMs = (performance.now() - start).toFixed(1);
  }

  /** The settings' default mode, once per kernel session, unless a policy file chose a mode. */
  private _applyDefaultMode(): void {
    const mode = this._options.defaultMode();
    const session = this.state.session;
    const policy = this.state.policy;
    if (!mode || !session || !policy || this._defaultApplied.has(session)) {
      return;
    }
    this._defaultApplied.add(session);
    if (!policy.mode_declared && policy.mode !== mode) {
      this.setMode(mode);
    }
  }

  private _onCellsChanged(): void {
    this._positions = null;
    applyBadges(this.panel.content, this.state);
    this._changed.emit({ full: true, cells: [], policy: false, status: false });
  }

  private _onSave(_: DocumentRegistry.IContext<any>, state: DocumentRegistry.SaveState): void {
    const model = this.panel.content.model;
    const record = this.state.metadataRecord();
    if (state !== 'started' || !model || !record) {
      return;
    }
    if (JSON.stringify(model.getMetadata(METADATA_KEY)) !== JSON.stringify(record)) {
      model.setMetadata(METADATA_KEY, record);
    }
  }
}
