/**
 * Layout of a provenance graph: sources on the first row, the value on the last, each
 * node one row below its deepest input. Pure, so it is tested without a browser.
 */
import { Graph, GraphNode } from './protocol.generated';

export interface Placed {
  readonly node: GraphNode;
  readonly row: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

export interface Layout {
  readonly nodes: ReadonlyArray<Placed>;
  readonly edges: ReadonlyArray<{ from: Placed; to: Placed }>;
  readonly width: number;
  readonly height: number;
}

export const BOX_HEIGHT = 46;
const ROW_GAP = 26;
const COL_GAP = 8;

/** Rows by longest path from a source; nodes side by side within a row, `width` wide in all. */
export function layoutGraph(graph: Graph, width = 280): Layout {
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
    const r = depth(node.id, new Set());
    (rows[r] ??= []).push(node);
  }
  const placed = new Map<string, Placed>();
  rows.forEach((members, r) => {
    const w = (width - COL_GAP * (members.length - 1)) / members.length;
    members.forEach((node, i) => {
      placed.set(node.id, { node, row: r, x: i * (w + COL_GAP), y: r * (BOX_HEIGHT + ROW_GAP), width: w });
    });
  });
  const edges = graph.edges.flatMap(e => {
    const from = placed.get(e.source);
    const to = placed.get(e.target);
    return from && to ? [{ from, to }] : [];
  });
  return {
    nodes: [...placed.values()],
    edges,
    width,
    height: rows.length * (BOX_HEIGHT + ROW_GAP) - ROW_GAP
  };
}
