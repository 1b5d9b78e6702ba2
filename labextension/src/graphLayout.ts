/**
 * Layout of a provenance graph for the width it has: sources on the first row, the value
 * on the last, each node one row below its deepest input. Boxes are as wide as their
 * measured text (at most the width); a row that does not fit wraps onto more lines, and a
 * text too long for the width is elided. Pure (text is measured by the caller's function),
 * so it is tested without a browser.
 */
import { Graph, GraphNode } from './protocol.generated';

/** The width in pixels of `text` as the graph draws it. */
export type Measure = (text: string) => number;

/** An estimate for 11px UI text, used where nothing can measure (tests, no canvas). */
export const estimate: Measure = text => text.length * 6.6;

export interface Placed {
  readonly node: GraphNode;
  readonly row: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  /** The three text lines, elided to fit the box. */
  readonly lines: readonly [string, string, string];
  /** Whether any line had to be elided (the full text is in the node's tooltip). */
  readonly elided: boolean;
}

export interface Layout {
  readonly nodes: ReadonlyArray<Placed>;
  readonly edges: ReadonlyArray<{ from: Placed; to: Placed }>;
  readonly width: number;
  readonly height: number;
}

export const BOX_HEIGHT = 46;
export const PAD = 6;
const ROW_GAP = 26;
const LINE_GAP = 10;
const COL_GAP = 8;
const MIN_BOX = 60;

/** The three lines a node shows: its name, the operation and cell, rows and taint. */
export function nodeLines(n: GraphNode): [string, string, string] {
  const where = n.execution_count === null ? n.cell : `In [${n.execution_count}]`;
  return [n.name, `${n.op} · ${where}`, `rows ${n.rows}${n.taint.length ? ` · ${n.taint.join(', ')}` : ''}`];
}

/** `text` cut with an ellipsis to fit `max` pixels (the longest prefix that fits). */
export function elide(text: string, max: number, measure: Measure = estimate): string {
  if (measure(text) <= max) {
    return text;
  }
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${text.slice(0, mid)}…`) <= max) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return `${text.slice(0, lo)}…`;
}

function rowsOf(graph: Graph): GraphNode[][] {
  const inputs = new Map<string, string[]>();
  const ids = new Set(graph.nodes.map(n => n.id));
  for (const e of graph.edges) {
    if (ids.has(e.source) && ids.has(e.target)) {
      inputs.set(e.target, [...(inputs.get(e.target) ?? []), e.source]);
    }
  }
  const row = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = row.get(id);
    if (known !== undefined) {
      return known;
    }
    if (seen.has(id)) {
      return 0; // a cycle cannot happen in lineage; stay finite if it does
    }
    seen.add(id);
    const ins = inputs.get(id) ?? [];
    const r = ins.length ? 1 + Math.max(...ins.map(i => depth(i, seen))) : 0;
    row.set(id, r);
    return r;
  };
  const rows: GraphNode[][] = [];
  for (const node of graph.nodes) {
    (rows[depth(node.id, new Set())] ??= []).push(node);
  }
  return rows.filter(r => r !== undefined);
}

/** Place every node within `width` pixels. */
export function layoutGraph(graph: Graph, width = 280, measure: Measure = estimate): Layout {
  const boxMax = Math.max(MIN_BOX, width);
  const placed = new Map<string, Placed>();
  let y = 0;
  rowsOf(graph).forEach((members, r) => {
    let x = 0;
    for (const node of members) {
      const full = nodeLines(node);
      const natural = Math.max(...full.map(t => measure(t))) + 2 * PAD;
      const w = Math.min(boxMax, Math.max(MIN_BOX, Math.ceil(natural)));
      if (x > 0 && x + w > width) {
        x = 0; // this row is full: go on below
        y += BOX_HEIGHT + LINE_GAP;
      }
      const lines = full.map(t => elide(t, w - 2 * PAD, measure)) as [string, string, string];
      placed.set(node.id, { node, row: r, x, y, width: w, lines, elided: lines.some((t, i) => t !== full[i]) });
      x += w + COL_GAP;
    }
    y += BOX_HEIGHT + ROW_GAP;
  });
  const edges = graph.edges.flatMap(e => {
    const from = placed.get(e.source);
    const to = placed.get(e.target);
    return from && to ? [{ from, to }] : [];
  });
  const right = Math.max(0, ...[...placed.values()].map(p => p.x + p.width));
  return { nodes: [...placed.values()], edges, width: Math.max(right, 1), height: Math.max(0, y - ROW_GAP) };
}
