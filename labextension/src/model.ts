/**
 * What the sidebar knows about one notebook's kernel, built only from validated kernel
 * messages. Pure: no DOM, no JupyterLab, so it is tested without a server.
 */
import {
  CellReport,
  Finding,
  KernelMessage,
  NotebookRecord,
  PolicyView,
  PROTOCOL_VERSION,
  RecordedFinding,
  Run,
  Severity
} from './protocol.generated';

/** How the sidebar is linked to the kernel. */
export type LinkStatus =
  | 'no-kernel'
  | 'waiting'
  | 'connected'
  | 'mismatch'
  | 'closed';

/** What one applied message changed; views redraw only that. */
export interface Change {
  readonly full: boolean;
  readonly cells: ReadonlyArray<string>;
  readonly policy: boolean;
  readonly status: boolean;
}

export const ORDER_LIMIT = 5000;
const NOTHING: Change = { full: false, cells: [], policy: false, status: false };
const EVERYTHING: Change = { full: true, cells: [], policy: true, status: true };

export class LeakguardState {
  status: LinkStatus = 'no-kernel';
  statusText = '';
  session: string | null = null;
  policy: PolicyView | null = null;
  readonly cells = new Map<string, CellReport>();
  order: Run[] = [];
  private _seq = 0;

  /** Apply a kernel message; null for answers that do not change the state. */
  apply(message: KernelMessage): Change | null {
    switch (message.type) {
      case 'hello':
        if (message.protocol !== PROTOCOL_VERSION) {
          return this.setStatus(
            'mismatch',
            `the kernel's leakguard ${message.version} speaks protocol ${message.protocol}; ` +
              `this sidebar speaks ${PROTOCOL_VERSION}`
          );
        }
        if (message.session !== this.session) {
          this.clear();
          this.session = message.session;
        }
        this.status = 'connected';
        this.statusText = `leakguard ${message.version}`;
        return EVERYTHING;
      case 'snapshot':
        this.clear();
        this.session = message.session;
        this.policy = message.policy;
        for (const report of message.cells) {
          this.cells.set(report.cell, report);
        }
        this.order = message.order.slice(-ORDER_LIMIT);
        return EVERYTHING;
      case 'update': {
        if (message.session !== this.session || message.seq <= this._seq) {
          return NOTHING;
        }
        this._seq = message.seq;
        for (const report of message.cells) {
          this.cells.set(report.cell, report);
        }
        if (message.run) {
          this.order.push(message.run);
          if (this.order.length > ORDER_LIMIT) {
            this.order.splice(0, this.order.length - ORDER_LIMIT);
          }
        }
        if (message.policy) {
          this.policy = message.policy;
        }
        return {
          full: false,
          cells: message.cells.map(c => c.cell),
          policy: message.policy !== null,
          status: false
        };
      }
      case 'provenance':
      case 'export_result':
      case 'error':
        return null;
      default: {
        const unhandled: never = message;
        return unhandled;
      }
    }
  }

  /** Forget the kernel's state (a restart, a new kernel) and say why. */
  reset(status: LinkStatus, text: string): Change {
    this.clear();
    this.session = null;
    return this.setStatus(status, text);
  }

  setStatus(status: LinkStatus, text: string): Change {
    this.status = status;
    this.statusText = text;
    return { ...NOTHING, status: true, full: true };
  }

  get findingCount(): number {
    let n = 0;
    for (const report of this.cells.values()) {
      n += uniqueFindings(report).length;
    }
    return n;
  }

  /** How many distinct cells ran in this session (what "nothing found" is about). */
  get checkedCells(): number {
    const cells = new Set(this.cells.keys());
    for (const run of this.order) {
      cells.add(run.cell);
    }
    return cells.size;
  }

  /** The worst severity of a cell's findings, or null when it has none. */
  worst(cell: string): Severity | null {
    const report = this.cells.get(cell);
    return report ? worstOf(report) : null;
  }

  /** The record `check` and `export` read from the saved notebook. */
  metadataRecord(): NotebookRecord | null {
    if (this.session === null) {
      return null;
    }
    const findings: RecordedFinding[] = [];
    for (const report of this.cells.values()) {
      for (const f of report.findings) {
        findings.push({
          cell: report.cell,
          execution_count: f.where.execution_count,
          line: f.where.line,
          rule: f.rule,
          severity: f.severity,
          subject: f.subject,
          message: f.message
        });
      }
    }
    return {
      protocol: PROTOCOL_VERSION,
      session: this.session,
      order: this.order.map(r => [r.cell, r.execution_count]),
      findings
    };
  }

  private clear(): void {
    this.cells.clear();
    this.order = [];
    this.policy = null;
    this._seq = 0;
  }
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** The one line a finding is listed by: its title, or its message from kernels without titles. */
export function titleOf(f: Finding): string {
  return f.title || f.message;
}

/**
 * A report's findings without repeats: block mode may report the same finding for the
 * refused call and for the cell; one line each is enough, and "blocked" wins.
 */
export function uniqueFindings(report: CellReport): Finding[] {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  for (const f of report.findings) {
    const key = [f.rule, f.subject, f.where.line, titleOf(f)].join('\u0000');
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, out.length);
      out.push(f);
    } else if (f.blocked && !out[at]?.blocked) {
      out[at] = f;
    }
  }
  return out;
}

/** The worst severity among a report's findings. */
export function worstOf(report: CellReport): Severity | null {
  let worst: Severity | null = null;
  for (const f of report.findings) {
    if (worst === null || RANK[f.severity] > RANK[worst]) {
      worst = f.severity;
    }
  }
  return worst;
}

/** One group of the findings list: a cell and where it sits in the notebook (-1: not in it). */
export interface Group {
  readonly cell: string;
  readonly index: number;
  readonly report: CellReport;
}

/** Cells with findings (`notes`: with notes), in notebook order; cells not in the notebook last, by run. */
export function groupsInNotebookOrder(
  state: LeakguardState,
  position: ReadonlyMap<string, number>,
  notes = false
): Group[] {
  const groups: Group[] = [];
  for (const report of state.cells.values()) {
    if (notes ? report.notes.length : report.findings.length) {
      groups.push({ cell: report.cell, index: position.get(report.cell) ?? -1, report });
    }
  }
  const key = (g: Group): number =>
    g.index >= 0 ? g.index : 1e9 + (g.report.execution_count ?? 0);
  return groups.sort((a, b) => key(a) - key(b));
}
