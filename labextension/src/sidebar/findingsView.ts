/**
 * The findings list: one collapsible group per cell (in notebook order), one line per
 * finding (severity · rule · title) that expands in place to the explanation, the fix and
 * the provenance. Notes are listed apart. Redraws only the groups a message changed.
 */
import { Change, Group, LeakguardState, groupsInNotebookOrder, titleOf, uniqueFindings, worstOf } from '../model';
import { Finding } from '../protocol.generated';
import { cellLabel, h } from '../dom';
import { richText } from './richText';

export interface FindingsActions {
  /** Select and show the cell. */
  selectCell(cell: string): void;
  /** Draw the provenance of a value (a variable name or a lineage node id) into `host`. */
  explain(subject: string, host: HTMLElement): void;
  /** Put `text` on the clipboard. */
  copy(text: string): void;
}

interface Entry {
  el: HTMLElement;
  key: string;
}

export class FindingsView {
  readonly node: HTMLElement;
  readonly notes: HTMLElement;
  private readonly _list: HTMLElement;
  private readonly _groups = new Map<string, Entry>();
  private readonly _empty: HTMLElement;
  private readonly _collapsed = new Set<string>();
  private readonly _findings = new Map<string, Finding>();
  private _current: string | null = null;

  constructor(private readonly _actions: FindingsActions) {
    this._list = h('div', { className: 'lg-findings', attrs: { role: 'list', 'aria-label': 'Findings by cell' } });
    this._empty = h('p', { className: 'lg-empty lg-clean', attrs: { role: 'status' } });
    this.notes = h('div', { className: 'lg-notes' });
    this.node = h('div', { className: 'lg-findings-box' }, this._list, this._empty);
    this.node.addEventListener('click', this._onClick);
    this.notes.addEventListener('click', this._onClick);
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
        const el = this._renderGroup(group);
        entry?.el.replaceWith(el);
        entry = { el, key };
        this._groups.set(group.cell, entry);
      }
      const expected: Element | null = previous ? previous.nextElementSibling : this._list.firstElementChild;
      if (expected !== entry.el) {
        if (previous) {
          previous.after(entry.el);
        } else {
          this._list.prepend(entry.el);
        }
      }
      previous = entry.el;
    }
    this._empty.hidden = groups.length > 0;
    this._empty.textContent = emptyText(state);
    this._renderNotes(groupsInNotebookOrder(state, position, true));
  }

  /** Mark the group of the notebook's active cell. */
  setCurrent(cell: string | null): void {
    if (this._current !== null) {
      this._groups.get(this._current)?.el.classList.remove('lg-current');
      this._groups.get(this._current)?.el.removeAttribute('aria-current');
    }
    this._current = cell;
    const el = cell === null ? undefined : this._groups.get(cell)?.el;
    el?.classList.add('lg-current');
    el?.setAttribute('aria-current', 'true');
  }

  /** Open the group of `cell` and scroll it into view; false when the cell has no findings. */
  reveal(cell: string): boolean {
    const el = this._groups.get(cell)?.el;
    if (!el) {
      return false;
    }
    if (this._collapsed.delete(cell)) {
      setGroupOpen(el, true);
    }
    el.scrollIntoView?.({ block: 'nearest' }); // (jsdom has none)
    el.querySelector<HTMLElement>('.lg-group-toggle')?.focus({ preventScroll: true });
    return true;
  }

  private _renderGroup(group: Group): HTMLElement {
    const report = group.report;
    const findings = uniqueFindings(report);
    const worst = worstOf(report) ?? 'info';
    const n = findings.length;
    const label = cellLabel(report.execution_count, group.index);
    const open = !this._collapsed.has(report.cell);
    const toggle = h(
      'button',
      { className: 'lg-group-toggle', data: { toggle: report.cell }, attrs: { 'aria-expanded': String(open), type: 'button' } },
      h('span', { className: 'lg-chevron', attrs: { 'aria-hidden': 'true' } }),
      h('span', { className: 'lg-cell-label' }, label),
      h('span', { className: 'lg-count' }, n === 1 ? '1 finding' : `${n} findings`)
    );
    const goto = group.index >= 0
      ? h('button', {
          className: 'lg-goto',
          title: 'Show this cell in the notebook',
          data: { goto: report.cell },
          attrs: { type: 'button', 'aria-label': `Show cell ${group.index + 1} in the notebook` }
        }, '↗')
      : null;
    const list = h('ul', { className: 'lg-finding-list' });
    findings.forEach((f, i) => {
      const key = `${report.cell}\u0000${i}`;
      this._findings.set(key, f);
      list.append(renderLine(f, key));
    });
    const el = h(
      'section',
      { className: 'lg-group', data: { cell: report.cell, severity: worst }, attrs: { role: 'listitem', 'aria-label': label } },
      h('div', { className: 'lg-group-head' }, toggle, goto),
      list
    );
    list.hidden = !open;
    if (report.cell === this._current) {
      el.classList.add('lg-current');
      el.setAttribute('aria-current', 'true');
    }
    return el;
  }

  private _renderNotes(groups: Group[]): void {
    if (!groups.length) {
      this.notes.replaceChildren();
      return;
    }
    const open = this.notes.querySelector('.lg-notes-toggle')?.getAttribute('aria-expanded') === 'true';
    const n = groups.reduce((sum, g) => sum + g.report.notes.length, 0);
    const list = h(
      'ul',
      { className: 'lg-note-list' },
      ...groups.map(g =>
        h('li', { className: 'lg-note-cell', data: { cell: g.cell } },
          g.index >= 0
            ? h('button', { className: 'lg-goto lg-note-where', data: { goto: g.cell }, attrs: { type: 'button' } },
                cellLabel(g.report.execution_count, g.index))
            : h('span', { className: 'lg-note-where' }, cellLabel(g.report.execution_count, g.index)),
          ...g.report.notes.map(note => h('p', { className: 'lg-note' }, ...richText(note))))
      )
    );
    list.hidden = !open;
    this.notes.replaceChildren(
      h('button', { className: 'lg-notes-toggle', data: { notes: '1' }, attrs: { type: 'button', 'aria-expanded': String(open) } },
        h('span', { className: 'lg-chevron', attrs: { 'aria-hidden': 'true' } }), `Notes (${n})`),
      list
    );
  }

  private readonly _onClick = (event: MouseEvent): void => {
    const target = event.target as Element | null;
    const el = target?.closest<HTMLElement>('[data-copy],[data-explain],[data-goto],[data-toggle],[data-line],[data-notes]');
    if (!el) {
      return;
    }
    const d = el.dataset;
    if (d.copy !== undefined) {
      this._actions.copy(d.copy);
      el.textContent = 'Copied';
    } else if (d.explain !== undefined) {
      const host = el.closest('.lg-finding')?.querySelector<HTMLElement>('.lg-finding-provenance');
      if (host) {
        this._actions.explain(d.explain, host);
      }
    } else if (d.goto !== undefined) {
      this._actions.selectCell(d.goto);
    } else if (d.toggle !== undefined) {
      const open = this._collapsed.has(d.toggle);
      if (open) {
        this._collapsed.delete(d.toggle);
      } else {
        this._collapsed.add(d.toggle);
      }
      const group = el.closest<HTMLElement>('.lg-group');
      if (group) {
        setGroupOpen(group, open);
      }
    } else if (d.line !== undefined) {
      this._toggleFinding(el, d.line);
    } else if (d.notes !== undefined) {
      const open = el.getAttribute('aria-expanded') !== 'true';
      el.setAttribute('aria-expanded', String(open));
      const list = el.nextElementSibling as HTMLElement | null;
      if (list) {
        list.hidden = !open;
      }
    }
  };

  /** Expand or fold one finding; its details are built the first time it opens. */
  private _toggleFinding(line: HTMLElement, key: string): void {
    const item = line.closest<HTMLElement>('.lg-finding');
    const f = this._findings.get(key);
    if (!item || !f) {
      return;
    }
    const open = line.getAttribute('aria-expanded') !== 'true';
    line.setAttribute('aria-expanded', String(open));
    let body = item.querySelector<HTMLElement>('.lg-finding-body');
    if (open && !body) {
      body = renderBody(f);
      item.append(body);
    }
    if (body) {
      body.hidden = !open;
    }
  }
}

function setGroupOpen(group: HTMLElement, open: boolean): void {
  group.querySelector('.lg-group-toggle')?.setAttribute('aria-expanded', String(open));
  const list = group.querySelector<HTMLElement>('.lg-finding-list');
  if (list) {
    list.hidden = !open;
  }
}

function emptyText(state: LeakguardState): string {
  if (state.status !== 'connected') {
    return 'No findings: leakguard is not connected to this kernel.';
  }
  const n = state.checkedCells;
  if (n === 0) {
    return 'No cell has run with leakguard loaded yet.';
  }
  return `${n} cell${n === 1 ? '' : 's'} checked, nothing found.`;
}

/** The one line: severity · rule · title (elided; the full title on hover). */
function renderLine(f: Finding, key: string): HTMLElement {
  const title = titleOf(f);
  return h(
    'li',
    { className: 'lg-finding', data: { rule: f.rule, severity: f.severity, blocked: String(f.blocked) } },
    h(
      'button',
      { className: 'lg-finding-line', title, data: { line: key }, attrs: { type: 'button', 'aria-expanded': 'false' } },
      h('span', { className: 'lg-severity' }, f.severity),
      f.blocked ? h('span', { className: 'lg-blocked' }, 'blocked') : null,
      h('span', { className: 'lg-rule' }, f.rule),
      h('span', { className: 'lg-title' }, ...richText(title))
    )
  );
}

/** What an expanded finding shows: the title in full (or the message of kernels without details), the explanation, the fix, where, provenance. */
function renderBody(f: Finding): HTMLElement {
  const title = titleOf(f);
  const focus = f.provenance.length ? f.provenance[f.provenance.length - 1]?.node : undefined;
  const subject = focus ?? f.subject;
  const where = f.where.line === null ? '' : `line ${f.where.line}`;
  return h(
    'div',
    { className: 'lg-finding-body' },
    // with a detail, the title in full (the line may elide it) and the detail: the message is both joined
    h('p', { className: 'lg-message' }, ...richText(f.detail || title === f.message ? title : f.message)),
    f.detail ? h('p', { className: 'lg-detail' }, ...richText(f.detail)) : null,
    f.hint ? h('div', { className: 'lg-hint' }, h('span', { className: 'lg-hint-label' }, 'Fix: '), ...richText(f.hint, true)) : null,
    h(
      'div',
      { className: 'lg-finding-actions' },
      h('button', { className: 'lg-link', data: { goto: f.where.cell }, attrs: { type: 'button' } }, where ? `Show cell (${where})` : 'Show cell'),
      subject
        ? h('button', { className: 'lg-link lg-explain', data: { explain: subject }, title: 'Show where this value comes from', attrs: { type: 'button' } },
            `Provenance of ${f.subject || subject}`)
        : null
    ),
    h('div', { className: 'lg-finding-provenance' })
  );
}
