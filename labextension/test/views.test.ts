// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { LeakguardState } from '../src/model';
import { FindingsView } from '../src/sidebar/findingsView';
import { coverage, renderPolicy } from '../src/sidebar/policyView';
import { pieces } from '../src/sidebar/richText';
import { drawGraph, renderProvenance } from '../src/sidebar/provenanceView';
import { renderExportResult } from '../src/sidebar/exportView';
import { HELLO, POLICY, finding, report, snapshot } from './fixtures';

const HOSTILE = '<img src=x onerror=alert(1)>';

function stateWith(cells = [report('c1', 2), report('c2', 1)]) {
  const state = new LeakguardState();
  state.apply(HELLO);
  state.apply(snapshot(cells));
  return state;
}

const ALL = { full: true, cells: [], policy: true, status: true };
const actions = (extra: object = {}) => ({ selectCell: vi.fn(), explain: vi.fn(), copy: vi.fn(), ...extra });
const click = (el: Element | null | undefined) => (el as HTMLElement).click();

describe('FindingsView', () => {
  it('lists one line per finding, grouped by cell, and jumps to the cell', () => {
    const a = actions();
    const view = new FindingsView(a);
    view.render(stateWith(), ALL, new Map([['c1', 0], ['c2', 3]]));
    const groups = view.node.querySelectorAll('.lg-group');
    expect([...groups].map(g => (g as HTMLElement).dataset.cell)).toEqual(['c1', 'c2']);
    expect(groups[0]!.querySelectorAll('.lg-finding')).toHaveLength(2);
    expect(groups[1]!.textContent).toContain('cell 4');
    // folded: the line is severity · rule · title; no explanation, fix or provenance yet
    expect(groups[0]!.querySelector('.lg-finding-body')).toBeNull();
    expect(groups[0]!.querySelector('.lg-finding-line')!.textContent).toBe('warningpeek-holdoutdf.describe() looked at holdout rows');
    click(groups[1]!.querySelector('.lg-goto'));
    expect(a.selectCell).toHaveBeenCalledWith('c2');
  });

  it('expands a finding in place: message, detail, the fix with copyable code, provenance next to it', () => {
    const a = actions();
    const view = new FindingsView(a);
    const f = finding('c1', 'preprocessing', {
      title: 'scaler fitted on `df` before the split',
      detail: 'The scaler learned means from holdout rows.',
      hint: 'fit on the training part: `scaler.fit(X_train)`'
    });
    view.render(stateWith([{ ...report('c1', 0), findings: [f] }]), ALL, new Map([['c1', 0]]));
    const line = view.node.querySelector('.lg-finding-line') as HTMLElement;
    expect(line.querySelector('.lg-title code')!.textContent).toBe('df');
    click(line);
    expect(line.getAttribute('aria-expanded')).toBe('true');
    const body = view.node.querySelector('.lg-finding-body') as HTMLElement;
    expect(body.hidden).toBe(false);
    // the title in full, then the detail; not the message, which is both joined (no text twice)
    expect(body.querySelector('.lg-message')!.textContent).toBe('scaler fitted on df before the split');
    expect(body.querySelector('.lg-detail')!.textContent).toContain('learned means');
    expect(body.textContent).not.toContain('df.describe() looked at holdout rows');
    expect(body.querySelector('.lg-hint code')!.textContent).toBe('scaler.fit(X_train)');
    expect(body.textContent).not.toContain('`');
    click(body.querySelector('.lg-copy'));
    expect(a.copy).toHaveBeenCalledWith('scaler.fit(X_train)');
    click(body.querySelector('.lg-explain'));
    expect(a.explain).toHaveBeenCalledWith('n1', body.querySelector('.lg-finding-provenance'));
    click(line);
    expect(body.hidden).toBe(true);
  });

  it('falls back to the message when the kernel sends no title, and marks blocked findings once', () => {
    const view = new FindingsView(actions());
    const blocked = finding('c1', 'peek-holdout', { blocked: true });
    view.render(stateWith([{ ...report('c1', 0), findings: [finding('c1'), blocked] }]), ALL, new Map([['c1', 0]]));
    const items = view.node.querySelectorAll('.lg-finding');
    expect(items).toHaveLength(1);
    expect(items[0]!.querySelector('.lg-blocked')!.textContent).toBe('blocked');
    expect(items[0]!.querySelector('.lg-title')!.textContent).toBe('df.describe() looked at holdout rows');
    expect(view.node.querySelector('.lg-count')!.textContent).toBe('1 finding');
    // expanded, a finding without a detail shows its message, once
    click(items[0]!.querySelector('.lg-finding-line'));
    const body = items[0]!.querySelector('.lg-finding-body') as HTMLElement;
    expect(body.querySelector('.lg-message')!.textContent).toBe('df.describe() looked at holdout rows');
    expect(body.querySelector('.lg-detail')).toBeNull();
  });

  it('folds a group, keeps it folded across redraws, and highlights the current cell', () => {
    const view = new FindingsView(actions());
    const state = stateWith();
    const positions = new Map([['c1', 0], ['c2', 1]]);
    view.render(state, ALL, positions);
    click(view.node.querySelector('[data-cell="c1"] .lg-group-toggle'));
    view.render(state, ALL, positions);
    const group = view.node.querySelector('[data-cell="c1"]')!;
    expect(group.querySelector('.lg-group-toggle')!.getAttribute('aria-expanded')).toBe('false');
    expect((group.querySelector('.lg-finding-list') as HTMLElement).hidden).toBe(true);
    view.setCurrent('c2');
    expect(view.node.querySelector('[data-cell="c2"]')!.getAttribute('aria-current')).toBe('true');
    expect(view.node.querySelector('[data-cell="c1"]')!.hasAttribute('aria-current')).toBe(false);
    expect(view.reveal('c1')).toBe(true);
    expect((view.node.querySelector('[data-cell="c1"] .lg-finding-list') as HTMLElement).hidden).toBe(false);
  });

  it('keeps notes apart from findings: a cell with only notes is no "0 findings" group', () => {
    const view = new FindingsView(actions());
    const noted = { ...report('c3', 0), notes: ['safe mode: `describe()` ran on training rows'] };
    view.render(stateWith([report('c1', 1), noted]), ALL, new Map([['c1', 0], ['c3', 1]]));
    expect([...view.node.querySelectorAll('.lg-group')].map(g => (g as HTMLElement).dataset.cell)).toEqual(['c1']);
    expect(view.node.textContent).not.toContain('0 findings');
    const toggle = view.notes.querySelector('.lg-notes-toggle') as HTMLElement;
    expect(toggle.textContent).toBe('Notes (1)');
    click(toggle);
    expect(view.notes.querySelector('.lg-note code')!.textContent).toBe('describe()');
  });

  it('says how many cells were checked when nothing was found', () => {
    const view = new FindingsView(actions());
    const clean = [report('c1', 0), report('c2', 0)];
    view.render(stateWith(clean), ALL, new Map());
    expect(view.node.querySelectorAll('.lg-group')).toHaveLength(0);
    const empty = view.node.querySelector('.lg-clean') as HTMLElement;
    expect(empty.hidden).toBe(false);
    expect(empty.textContent).toBe('2 cells checked, nothing found.');
    view.render(stateWith([report('c1', 1)]), ALL, new Map());
    expect((view.node.querySelector('.lg-clean') as HTMLElement).hidden).toBe(true);
  });

  it('redraws only the groups an update changed', () => {
    const view = new FindingsView(actions());
    const state = stateWith();
    const positions = new Map([['c1', 0], ['c2', 1], ['c0', 2]]);
    view.render(state, ALL, positions);
    const first = view.node.querySelector('[data-cell="c1"]');
    state.apply({ type: 'update', session: 's1', seq: 1, run: null, cells: [report('c2', 3), report('c0', 1)], policy: null });
    view.render(state, { full: false, cells: ['c2', 'c0'], policy: false, status: false }, positions);
    expect(view.node.querySelector('[data-cell="c1"]')).toBe(first);
    expect(view.node.querySelector('[data-cell="c2"]')!.querySelectorAll('.lg-finding')).toHaveLength(2);
    expect([...view.node.querySelectorAll('.lg-group')].map(g => (g as HTMLElement).dataset.cell)).toEqual(['c1', 'c2', 'c0']);
  });

  it('shows hostile names as text, never as markup', () => {
    const view = new FindingsView(actions());
    const evil = { ...report(HOSTILE, 0), findings: [finding(HOSTILE, HOSTILE, { message: HOSTILE, hint: '`' + HOSTILE + '`', subject: HOSTILE, detail: HOSTILE })], notes: [HOSTILE] };
    view.render(stateWith([evil]), ALL, new Map());
    click(view.node.querySelector('.lg-finding-line'));
    click(view.notes.querySelector('.lg-notes-toggle'));
    expect(view.node.querySelector('img')).toBeNull();
    expect(view.notes.querySelector('img')).toBeNull();
    expect(view.node.querySelector('.lg-title')!.textContent).toBe(HOSTILE);
    expect(view.node.querySelector('.lg-hint code')!.textContent).toBe(HOSTILE);
  });

  it('renders 500 cells with 1,000 findings (the browser test times it)', () => {
    const view = new FindingsView(actions());
    const cells = Array.from({ length: 500 }, (_, i) => ({ ...report(`c${i}`, 0, i), findings: [finding(`c${i}`, 'peek-holdout', { title: `a ${i}` }), finding(`c${i}`, 'peek-future', { title: `b ${i}` })] }));
    const positions = new Map(cells.map((c, i) => [c.cell, i]));
    view.render(stateWith(cells), ALL, positions);
    expect(view.node.querySelectorAll('.lg-finding')).toHaveLength(1000);
    expect(view.node.querySelectorAll('.lg-group')).toHaveLength(500);
  }, 30_000); // jsdom is slow on a loaded machine; the browser test times the real thing
});

describe('rich text', () => {
  it('renders backticks as code and fences as blocks; stray backticks stay text', () => {
    expect(pieces('use `max_iter=1000` here')).toEqual([
      { kind: 'text', text: 'use ' }, { kind: 'code', text: 'max_iter=1000' }, { kind: 'text', text: ' here' }]);
    expect(pieces('a ```py\nx = 1\n``` b')).toEqual([
      { kind: 'text', text: 'a ' }, { kind: 'block', text: 'x = 1' }, { kind: 'text', text: ' b' }]);
    expect(pieces('one ` alone')).toEqual([{ kind: 'text', text: 'one ` alone' }]);
  });
});

describe('policy, provenance and export views', () => {
  it('marks inferred parts of the policy', () => {
    const el = renderPolicy(POLICY);
    expect(el.querySelector('[data-key="holdout"] .lg-inferred')).not.toBeNull();
    expect(el.querySelector('[data-key="label"] .lg-inferred')).toBeNull();
    expect(renderPolicy({ ...POLICY, label: [HOSTILE] }).querySelector('img')).toBeNull();
  });

  it("shows the kernel's sentences of what is checked, and derives them when there are none", () => {
    const said = renderPolicy({ ...POLICY, checking: ['Label peeks: checked (churned).'] });
    expect(said.querySelector('.lg-checking')!.textContent).toBe('Label peeks: checked (churned).');
    const derived = renderPolicy({ ...POLICY, label: [], time: null, cutoff: null, holdout: 'none', inferred: [] });
    const text = derived.querySelector('.lg-checking')!.textContent!;
    expect(text).toContain('Label peeks are not checked yet');
    expect(text).toContain('Holdout peeks are not checked yet');
    expect(text).toContain('Future rows are not checked');
    expect(coverage(POLICY).join(' ')).toContain('holdout rows are checked (20% (seed 7) (inferred))');
  });

  it('draws provenance as SVG text, its real size, elided names with the full name on hover', () => {
    const node = { id: 'n1', name: HOSTILE, op: 'read', kind: 'frame', rows: 'all', taint: ['holdout'], cell: 'c', execution_count: 1, line: 1 };
    const long = 'a_very_long_feature_frame_name_that_cannot_fit_in_a_narrow_sidebar';
    const graph = { nodes: [node, { ...node, id: 'n2', name: long }], edges: [{ source: 'n1', target: 'n2' }], focus: 'n2' };
    const el = renderProvenance('x', graph, '');
    expect(el.querySelectorAll('g.lg-node')).toHaveLength(2);
    expect(el.querySelectorAll('path.lg-edge')).toHaveLength(1);
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent).toContain('<img');
    const narrow = drawGraph('x', graph, 200);
    expect(Number(narrow.getAttribute('width'))).toBeLessThanOrEqual(202);
    const n2 = narrow.querySelector('g[data-node="n2"]')!;
    expect(n2.getAttribute('data-elided')).toBe('true');
    expect(n2.querySelector('.lg-node-name')!.textContent!.endsWith('…')).toBe(true);
    expect(n2.querySelector('title')!.textContent).toContain(long);
    expect(renderProvenance('y', null, 'no lineage').textContent).toBe('y: no lineage');
  });

  const exportActions = () => ({ openFile: vi.fn(), selectCell: vi.fn(), dropLeakyAndExport: vi.fn(), label: (c: string) => `cell ${c}` });
  const result = (extra: object) => ({ type: 'export_result' as const, request: 1, available: true, ok: false, files: [], reasons: [], message: '', blocking: [], ...extra });

  it('says plainly when export is not available', () => {
    const el = renderExportResult(result({ available: false, message: 'export is not available yet in this version of leakguard' }), exportActions());
    expect(el.dataset.state).toBe('unavailable');
    expect(el.textContent).toContain('not available yet');
    expect(el.querySelector('.lg-drop')).toBeNull();
  });

  it('refuses compactly: the cells (jump to them) and rules, the reasons folded, and a drop-leaky export', () => {
    const a = exportActions();
    const reasons = Array.from({ length: 30 }, (_, i) => `In[${i}] peek-holdout: a long reason ${'x'.repeat(80)}`);
    const el = renderExportResult(result({
      message: 'export refused', reasons,
      blocking: [{ cell: 'c4', execution_count: 4, rules: ['peek-holdout', 'peek-future'] }, { cell: 'c9', execution_count: 9, rules: ['peek-label'] }]
    }), a);
    expect(el.querySelector('p')!.textContent).toBe('Export refused: 2 cells with findings.');
    expect([...el.querySelectorAll('.lg-blocking li')].map(li => li.textContent)).toEqual(['cell c4 peek-holdout, peek-future', 'cell c9 peek-label']);
    expect((el.querySelector('.lg-reasons-box') as HTMLDetailsElement).open).toBe(false);
    click(el.querySelector('.lg-blocking button'));
    expect(a.selectCell).toHaveBeenCalledWith('c4');
    click(el.querySelector('.lg-drop'));
    expect(a.dropLeakyAndExport).toHaveBeenCalled();
  });

  it('lists written files as links that open them', () => {
    const a = exportActions();
    const el = renderExportResult(result({ ok: true, message: 'export wrote: 2 file(s)', files: ['pipelines/churn/v1.py', 'pipelines/churn/v1.lock.json'] }), a);
    click(el.querySelector('.lg-file'));
    expect(a.openFile).toHaveBeenCalledWith('pipelines/churn/v1.py');
    expect(el.querySelector('.lg-drop')).toBeNull();
  });
});
