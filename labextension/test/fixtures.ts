import { CellReport, Finding, KernelMessage, PolicyView } from '../src/protocol.generated';

export const POLICY: PolicyView = {
  label: ['churned'],
  time: 'event_ts',
  cutoff: '2024-06-01',
  holdout: '20% (seed 7)',
  mode: 'warn',
  inferred: ['holdout'],
  mode_declared: false,
  checking: []
};

export function finding(cell: string, rule = 'peek-holdout', extra: Partial<Finding> = {}): Finding {
  return {
    rule,
    severity: 'warning',
    message: `df.describe() looked at holdout rows`,
    hint: 'split first',
    subject: 'df',
    where: { cell, execution_count: 3, line: 1 },
    provenance: [
      { node: 'n1', name: 'df', op: 'read_parquet', rows: 'all', cell, execution_count: 2, line: 1 }
    ],
    title: '',
    detail: '',
    blocked: false,
    ...extra
  };
}

export function report(cell: string, n = 1, count: number | null = 3): CellReport {
  return {
    cell,
    execution_count: count,
    findings: Array.from({ length: n }, (_, i) => finding(cell, i % 2 ? 'peek-future' : 'peek-holdout')),
    notes: []
  };
}

export function snapshot(cells: CellReport[], session = 's1'): KernelMessage {
  return {
    type: 'snapshot',
    session,
    policy: POLICY,
    cells,
    order: cells.map(c => ({ cell: c.cell, execution_count: c.execution_count }))
  };
}

export const HELLO: KernelMessage = { type: 'hello', protocol: 1, version: '0.1.0', session: 's1' };
