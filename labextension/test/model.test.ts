import { describe, expect, it } from 'vitest';
import { LeakguardState, ORDER_LIMIT, groupsInNotebookOrder } from '../src/model';
import { HELLO, POLICY, report, snapshot } from './fixtures';
import { validateNotebookRecord } from '../src/validate';

function update(seq: number, cells = [report('c2')], extra: object = {}) {
  return {
    type: 'update' as const,
    session: 's1',
    seq,
    run: { cell: 'c2', execution_count: 4 },
    cells,
    policy: null,
    ...extra
  };
}

describe('LeakguardState', () => {
  it('connects on hello and replaces everything on a snapshot', () => {
    const state = new LeakguardState();
    expect(state.apply(HELLO)).toMatchObject({ full: true });
    expect(state.status).toBe('connected');
    state.apply(snapshot([report('c1', 2), report('c3', 1)]));
    expect(state.findingCount).toBe(3);
    expect(state.policy).toEqual(POLICY);
  });

  it('applies updates incrementally and ignores stale or foreign ones', () => {
    const state = new LeakguardState();
    state.apply(HELLO);
    state.apply(snapshot([report('c1', 2)]));
    const change = state.apply(update(1));
    expect(change).toEqual({ full: false, cells: ['c2'], policy: false, status: false });
    expect(state.findingCount).toBe(3);
    expect(state.apply(update(1))).toEqual({ full: false, cells: [], policy: false, status: false });
    expect(state.apply({ ...update(2), session: 'other' })).toMatchObject({ cells: [] });
    expect(state.order.map(r => r.cell)).toEqual(['c1', 'c2']);
    const withPolicy = state.apply(update(3, [], { policy: { ...POLICY, mode: 'safe' } }));
    expect(withPolicy).toMatchObject({ policy: true });
    expect(state.policy?.mode).toBe('safe');
  });

  it('starts over when the kernel session changes (a restart)', () => {
    const state = new LeakguardState();
    state.apply(HELLO);
    state.apply(snapshot([report('c1', 2)]));
    state.apply({ ...HELLO, session: 's2' });
    expect(state.findingCount).toBe(0);
    expect(state.session).toBe('s2');
  });

  it('reports a protocol mismatch instead of reading the messages', () => {
    const state = new LeakguardState();
    state.apply({ ...HELLO, protocol: 99 });
    expect(state.status).toBe('mismatch');
    expect(state.statusText).toContain('protocol 99');
  });

  it('keeps a bounded execution order', () => {
    const state = new LeakguardState();
    state.apply(HELLO);
    state.apply(snapshot([]));
    for (let i = 1; i <= ORDER_LIMIT + 10; i++) {
      state.apply(update(i, []));
    }
    expect(state.order.length).toBe(ORDER_LIMIT);
  });

  it('builds the compact metadata record of order and findings', () => {
    const state = new LeakguardState();
    expect(state.metadataRecord()).toBeNull();
    state.apply(HELLO);
    state.apply(snapshot([report('c1', 2)]));
    state.apply(update(1));
    const record = state.metadataRecord();
    expect(record?.order).toEqual([['c1', 3], ['c2', 4]]);
    expect(record?.findings.map(f => [f.cell, f.rule])).toEqual([
      ['c1', 'peek-holdout'],
      ['c1', 'peek-future'],
      ['c2', 'peek-holdout']
    ]);
    expect(Object.keys(record?.findings[0] ?? {})).not.toContain('provenance');
    // what `leakguard check` and `export` read back: the declared record, checked by its JSON Schema
    expect(validateNotebookRecord(record)).toEqual({ ok: true, value: record });
  });
});

describe('groupsInNotebookOrder', () => {
  it('orders groups by notebook position, unknown cells last', () => {
    const state = new LeakguardState();
    state.apply(HELLO);
    state.apply(snapshot([report('gone', 1, 1), report('b', 1), report('a', 1), { ...report('quiet'), findings: [] }]));
    const groups = groupsInNotebookOrder(state, new Map([['a', 0], ['b', 5]]));
    expect(groups.map(g => [g.cell, g.index])).toEqual([['a', 0], ['b', 5], ['gone', -1]]);
  });
});
