/**
 * The findings list: one group per cell (in notebook order) with each finding's severity,
 * rule, message and fix. Redraws only the groups a message changed.
 */
import { Change, Group, LeakguardState, groupsInNotebookOrder, worstOf } from '../model';
import { CellReport, Finding } from '../protocol.generated';
import { cellLabel, h } from '../dom';

export interface FindingsActions {
  /** Select and show the cell. */
  selectCell(cell: string): void;
  /** Show the provenance of a value (a variable name or a lineage node id). */
  explain(subject: string): void;
}

export class FindingsView {
  readonly node: HTMLElement;
  private readonly _groups = new Map<string, { el: HTMLElement; key: string }>();
  private readonly _empty: HTMLElement;

  constructor(private readonly _actions: FindingsActions) {
    this.node = h('div', { className: 'lg-findings', attrs: { role: 'list' } });
    this._empty = h('p', { className: 'lg-empty' }, 'No findings yet.');
    this.node.addEventListener('click', this._onClick);
  }

  /** Bring the list up to date with `state` after `change`. */
  render(state: LeakguardState, change: Change, position: ReadonlyMap<string, number>): void {
    const groups = groupsInNotebookOrder(state, position);
    const changed = new Set(change.cells);
    const wanted = new Set(groups.map(g => g.cell));
    for (const [cell, entry] of this._groups) {
      if (!wanted.has(cell)) {
        entry.el.remove();
        this._groups.delete(cell);
      }
    }
    let previous: Element | null = null;
    for (const group of groups) {
      const key = `${group.index}`;
      let entry = this._groups.get(group.cell);
      if (!entry || change.full || changed.has(group.cell) || entry.key !== key) {
        const el = renderGroup(group);
        entry?.el.replaceWith(el);
        entry = { el, key };
        this._groups.set(group.cell, entry);
      }
      const expected: Element | null = previous ? previous.nextElementSibling : this.node.firstElementChild;
      if (expected !== entry.el) {
        if (previous) {
          previous.after(entry.el);
        } else {
          this.node.prepend(entry.el);
        }
      }
      previous = entry.el;
    }
    if (groups.length === 0) {
      this.node.append(this._empty);
    } else {
      this._empty.remove();
    }
  }

  private readonly _onClick = (event: MouseEvent): void => {
    const target = event.target as Element | null;
    const explain = target?.closest<HTMLElement>('[data-explain]');
    if (explain?.dataset.explain) {
      this._actions.explain(explain.dataset.explain);
      return;
    }
    const group = target?.closest<HTMLElement>('[data-cell]');
    if (group?.dataset.cell !== undefined) {
      this._actions.selectCell(group.dataset.cell);
    }
  };
}

function renderGroup(group: Group): HTMLElement {
  const report: CellReport = group.report;
  const worst = worstOf(report) ?? 'info';
  const n = report.findings.length;
  const head = h(
    'button',
    { className: 'lg-group-head', title: 'Show this cell in the notebook' },
    h('span', { className: 'lg-cell-label' }, cellLabel(report.execution_count, group.index)),
    h('span', { className: 'lg-count' }, n === 1 ? '1 finding' : `${n} findings`)
  );
  return h(
    'section',
    {
      className: 'lg-group',
      data: { cell: report.cell, severity: worst },
      attrs: { role: 'listitem' }
    },
    head,
    h('ul', { className: 'lg-finding-list' }, ...report.findings.map(renderFinding)),
    ...report.notes.map(note => h('p', { className: 'lg-note' }, note))
  );
}

function renderFinding(f: Finding): HTMLElement {
  const line = f.where.line === null ? '' : ` · line ${f.where.line}`;
  const focus = f.provenance.length ? f.provenance[f.provenance.length - 1]?.node : undefined;
  const subject = focus ?? f.subject;
  return h(
    'li',
    { className: 'lg-finding', data: { rule: f.rule, severity: f.severity } },
    h(
      'div',
      { className: 'lg-finding-head' },
      h('span', { className: 'lg-severity' }, f.severity),
      h('code', { className: 'lg-rule' }, f.rule),
      h('span', { className: 'lg-line' }, line)
    ),
    h('div', { className: 'lg-message' }, f.message),
    f.hint ? h('div', { className: 'lg-hint' }, `fix: ${f.hint}`) : null,
    subject
      ? h(
          'button',
          {
            className: 'lg-explain',
            data: { explain: subject },
            title: 'Show where this value comes from'
          },
          `provenance of ${f.subject || subject}`
        )
      : null
  );
}
