/**
 * The browser's end of the `leakguard` comm for one notebook's kernel: attach (when the
 * kernel opens the comm, or after a page reload by asking which comms exist), handshake,
 * validated messages in, requests with answers out, and re-attachment after a restart.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';
import {
  BrowserMessage,
  ExportResult,
  KernelMessage as LgMessage,
  Provenance,
  PROTOCOL_VERSION,
  TARGET
} from './protocol.generated';
import { validateBrowserMessage, validateKernelMessage } from './validate';
import { LinkStatus } from './model';

export interface LinkHost {
  /** A validated kernel message that is not an answer to a request. */
  onMessage(message: LgMessage): void;
  onStatus(status: LinkStatus, text: string): void;
  /** Whether to run `%load_ext leakguard` when a kernel starts. */
  autoload(): boolean;
}

type Answer = Provenance | ExportResult;
type Pending = { resolve: (a: Answer) => void; reject: (e: Error) => void };
/** A request without its id (the link numbers requests). */
type Request = BrowserMessage extends infer M
  ? M extends { request: number }
    ? Omit<M, 'request'>
    : never
  : never;

const REQUEST_TIMEOUT_MS = 120_000;

export class KernelLink {
  private _kernel: Kernel.IKernelConnection | null = null;
  private _comm: Kernel.IComm | null = null;
  private _pending = new Map<number, Pending>();
  private _nextRequest = 1;
  private _needsAutoload = true;
  private _disposed = false;

  constructor(
    private readonly _context: ISessionContext,
    private readonly _host: LinkHost
  ) {
    _context.kernelChanged.connect(this._onKernelChanged, this);
    _context.statusChanged.connect(this._onStatus, this);
    _context.connectionStatusChanged.connect(this._onConnection, this);
    this._useKernel(_context.session?.kernel ?? null);
  }

  get attached(): boolean {
    return this._comm !== null;
  }

  dispose(): void {
    this._disposed = true;
    this._context.kernelChanged.disconnect(this._onKernelChanged, this);
    this._context.statusChanged.disconnect(this._onStatus, this);
    this._context.connectionStatusChanged.disconnect(this._onConnection, this);
    this._kernel?.removeCommTarget(TARGET, this._onCommOpen);
    this._rejectAll('the notebook was closed');
  }

  /** Run `%load_ext leakguard` in this kernel (quietly, not in the history). */
  load(): void {
    this._kernel?.requestExecute({ code: '%load_ext leakguard', silent: true, store_history: false });
  }

  /** Send a fire-and-forget message (a mode switch). */
  send(message: BrowserMessage): void {
    const checked = validateBrowserMessage(message);
    if (!checked.ok) {
      throw new Error(`leakguard: refusing to send a malformed message: ${checked.error}`);
    }
    if (!this._comm) {
      throw new Error('leakguard is not loaded in this kernel');
    }
    this._comm.send(message as unknown as JSONObject);
  }

  /** Send a request and wait for its answer. */
  request<T extends Answer>(message: Request): Promise<T> {
    const request = this._nextRequest++;
    return new Promise<T>((resolve, reject) => {
      this._pending.set(request, { resolve: resolve as (a: Answer) => void, reject });
      setTimeout(() => {
        if (this._pending.delete(request)) {
          reject(new Error('the kernel did not answer (is it busy?)'));
        }
      }, REQUEST_TIMEOUT_MS);
      try {
        this.send({ ...message, request } as BrowserMessage);
      } catch (e) {
        this._pending.delete(request);
        reject(e as Error);
      }
    });
  }

  private _onKernelChanged(
    _: ISessionContext,
    change: { newValue: Kernel.IKernelConnection | null }
  ): void {
    this._useKernel(change.newValue);
  }

  private _useKernel(kernel: Kernel.IKernelConnection | null): void {
    this._kernel?.removeCommTarget(TARGET, this._onCommOpen);
    this._detach();
    this._kernel = kernel;
    this._needsAutoload = true;
    if (!kernel) {
      this._host.onStatus('no-kernel', 'No kernel.');
      return;
    }
    kernel.registerCommTarget(TARGET, this._onCommOpen);
    this._host.onStatus('waiting', 'Waiting for leakguard in the kernel (%load_ext leakguard).');
    void this._attachExisting(kernel);
    this._maybeAutoload();
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting') {
      this._detach();
      this._needsAutoload = true;
      this._host.onStatus('waiting', 'The kernel restarted: waiting for leakguard.');
    } else if (status === 'idle') {
      this._maybeAutoload();
    }
  }

  private _onConnection(_: ISessionContext, status: Kernel.ConnectionStatus): void {
    if (status === 'connected' && this._kernel && !this._comm) {
      void this._attachExisting(this._kernel);
    }
  }

  /** After a page reload the kernel's comm already exists: find it and say hello on it. */
  private async _attachExisting(kernel: Kernel.IKernelConnection): Promise<void> {
    let reply: KernelMessage.ICommInfoReplyMsg;
    try {
      reply = await kernel.requestCommInfo({ target_name: TARGET });
    } catch {
      return;
    }
    if (this._disposed || kernel !== this._kernel || this._comm || reply.content.status !== 'ok') {
      return;
    }
    const ids = Object.keys(reply.content.comms);
    const id = ids[ids.length - 1];
    if (id !== undefined && !kernel.hasComm(id)) {
      this._use(kernel.createComm(TARGET, id));
    }
  }

  private readonly _onCommOpen = (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): void => {
    if (this._disposed) {
      return;
    }
    const hello = validateKernelMessage(msg.content.data);
    if (!hello.ok || hello.value.type !== 'hello') {
      this._host.onStatus('mismatch', `leakguard sent an unexpected opening: ${hello.ok ? hello.value.type : hello.error}`);
      return;
    }
    this._use(comm);
  };

  private _use(comm: Kernel.IComm): void {
    this._comm = comm;
    comm.onMsg = msg => this._receive(msg.content.data);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
        this._rejectAll('leakguard was unloaded');
        this._host.onStatus('closed', 'leakguard is not loaded in this kernel (%load_ext leakguard).');
      }
    };
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  }

  private _receive(data: unknown): void {
    const checked = validateKernelMessage(data);
    if (!checked.ok) {
      console.warn(`leakguard: ignored a malformed message from the kernel: ${checked.error}`);
      return;
    }
    const message = checked.value;
    if (message.type === 'provenance' || message.type === 'export_result') {
      this._pending.get(message.request)?.resolve(message);
      this._pending.delete(message.request);
    } else if (message.type === 'error' && message.request !== null && this._pending.has(message.request)) {
      this._pending.get(message.request)?.reject(new Error(message.message));
      this._pending.delete(message.request);
    } else {
      this._host.onMessage(message);
    }
  }

  private _maybeAutoload(): void {
    const kernel = this._kernel;
    if (!kernel || !this._needsAutoload || !this._host.autoload() || this._comm) {
      return;
    }
    if (this._context.kernelDisplayStatus !== 'idle') {
      return;
    }
    this._needsAutoload = false;
    void kernel.info.then(info => {
      if (info.language_info.name === 'python' && kernel === this._kernel && !this._comm) {
        kernel.requestExecute({ code: '%load_ext leakguard', silent: true, store_history: false });
      }
    });
  }

  private _detach(): void {
    this._comm = null;
    this._rejectAll('the kernel changed');
  }

  private _rejectAll(reason: string): void {
    for (const pending of this._pending.values()) {
      pending.reject(new Error(reason));
    }
    this._pending.clear();
  }
}
