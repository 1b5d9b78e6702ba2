// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { LeakguardState } from '../src/model';
import { FindingsView } from '../src/sidebar/findingsView';
import { renderPolicy } from '../src/sidebar/policyView';
import { renderProvenance } from '../src/sidebar/provenanceView';
import { renderExportResult } from '../src/sidebar/exportView';
import { HELLO, POLICY, finding, report, snapshot } from './fixtures';

const HOSTILE = '<img src=x onerror=alert(1)>';

function stateWith(cells = [report('c1', 2), report('c2', 1)]) {
  const state = new LeakguardState();
  state.apply(HELLO);
  state.apply(snapshot(cells));
  return state;
}

describe('FindingsView', () => {
  it('groups findings by cell and selects the cell on click', () => {
    const selectCell = vi.fn();
    const view = new FindingsView({ selectCell, explain: vi.fn() });
    view.render(stateWith(), { full: true, cells: [], policy: true, status: true }, new Map([['c1', 0], ['c2', 3]]));
    const groups = view.node.querySelectorAll('.lg-group');
    expect([...groups].map(g => (g as HTMLElement).dataset.cell)).toEqual(['c1', 'c2']);
    expect(groups[0]!.querySelectorAll('.lg-finding')).toHaveLength(2);
    expect(groups[1]!.textContent).toContain('cell 4');
    (groups[1]!.querySelector('.lg-message') as HTMLElement).click();
    expect(selectCell).toHaveBeenCalledWith('c2');
  });

  it('asks for provenance from a finding', () => {
    const explain = vi.fn();
    const view = new FindingsView({ selectCell: vi.fn(), explain });
    view.render(stateWith(), { full: true, cells: [], policy: true, status: true }, new Map());
    (view.node.querySelector('.lg-explain') as HTMLElement).click();
    expect(explain).toHaveBeenCalledWith('n1');
  });

  it('redraws only the groups an update changed', () => {
    const view = new FindingsView({ selectCell: vi.fn(), explain: vi.fn() });
    const state = stateWith();
    const positions = new Map([['c1', 0], ['c2', 1], ['c0', 2]]);
    view.render(state, { full: true, cells: [], policy: true, status: true }, positions);
    const first = view.node.querySelector('[data-cell="c1"]');
    state.apply({ type: 'update', session: 's1', seq: 1, run: null, cells: [report('c2', 3), report('c0', 1)], policy: null });
    view.render(state, { full: false, cells: ['c2', 'c0'], policy: false, status: false }, positions);
    expect(view.node.querySelector('[data-cell="c1"]')).toBe(first);
    expect(view.node.querySelector('[data-cell="c2"]')!.querySelectorAll('.lg-finding')).toHaveLength(3);
    expect([...view.node.querySelectorAll('.lg-group')].map(g => (g as HTMLElement).dataset.cell)).toEqual(['c1', 'c2', 'c0']);
  });

  it('shows hostile names as text, never as markup', () => {
    const view = new FindingsView({ selectCell: vi.fn(), explain: vi.fn() });
    const evil = { ...report(HOSTILE, 0), findings: [finding(HOSTILE, HOSTILE, { message: HOSTILE, hint: HOSTILE, subject: HOSTILE })], notes: [HOSTILE] };
    view.render(stateWith([evil]), { full: true, cells: [], policy: true, status: true }, new Map());
    expect(view.node.querySelector('img')).toBeNull();
    expect(view.node.textContent).toContain(HOSTILE);
    expect(view.node.querySelector('.lg-message')!.textContent).toBe(HOSTILE);
  });

  it('renders 500 cells with 1,000 findings (the browser test times it)', () => {
    const view = new FindingsView({ selectCell: vi.fn(), explain: vi.fn() });
    const cells = Array.from({ length: 500 }, (_, i) => report(`c${i}`, 2, i));
    const positions = new Map(cells.map((c, i) => [c.cell, i]));
    view.render(stateWith(cells), { full: true, cells: [], policy: true, status: true }, positions);
    expect(view.node.querySelectorAll('.lg-finding')).toHaveLength(1000);
    expect(view.node.querySelectorAll('.lg-group')).toHaveLength(500);
  });
});

describe('policy, provenance and export views', () => {
  it('marks inferred parts of the policy', () => {
    const el = renderPolicy(POLICY);
    expect(el.querySelector('[data-key="holdout"] .lg-inferred')).not.toBeNull();
    expect(el.querySelector('[data-key="label"] .lg-inferred')).toBeNull();
    expect(renderPolicy({ ...POLICY, label: [HOSTILE] }).querySelector('img')).toBeNull();
  });

  it('draws provenance as SVG text', () => {
    const node = { id: 'n1', name: HOSTILE, op: 'read', kind: 'frame', rows: 'all', taint: ['holdout'], cell: 'c', execution_count: 1, line: 1 };
    const el = renderProvenance('x', { nodes: [node, { ...node, id: 'n2', name: 'train' }], edges: [{ source: 'n1', target: 'n2' }], focus: 'n2' }, '');
    expect(el.querySelectorAll('g.lg-node')).toHaveLength(2);
    expect(el.querySelectorAll('path.lg-edge')).toHaveLength(1);
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent).toContain('<img');
    expect(renderProvenance('y', null, 'no lineage').textContent).toBe('y: no lineage');
  });

  it('says plainly when export is not available', () => {
    const el = renderExportResult({ type: 'export_result', request: 1, available: false, ok: false, files: [], reasons: [], message: 'export is not available yet in this version of leakguard' });
    expect(el.dataset.state).toBe('unavailable');
    expect(el.textContent).toContain('not available yet');
  });
});
