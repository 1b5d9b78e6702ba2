import { describe, expect, it } from 'vitest';
import { elide, layoutGraph } from '../src/graphLayout';
import { GraphNode } from '../src/protocol.generated';

const node = (id: string, name: string): GraphNode => ({
  id, name, op: 'op', kind: 'frame', rows: 'all', taint: [], cell: 'c', execution_count: 1, line: 1
});

describe('layoutGraph', () => {
  it('puts sources first and the value last, one row below its deepest input', () => {
    const layout = layoutGraph({
      nodes: [node('n1', 'raw'), node('n2', 'labels'), node('n3', 'df'), node('n4', 'train')],
      edges: [
        { source: 'n1', target: 'n3' },
        { source: 'n2', target: 'n3' },
        { source: 'n1', target: 'n4' },
        { source: 'n3', target: 'n4' }
      ],
      focus: 'n4'
    });
    const rows = Object.fromEntries(layout.nodes.map(p => [p.node.name, p.row]));
    expect(rows).toEqual({ raw: 0, labels: 0, df: 1, train: 2 });
    const raw = layout.nodes.find(p => p.node.name === 'raw')!;
    const labels = layout.nodes.find(p => p.node.name === 'labels')!;
    expect(raw.x + raw.width).toBeLessThanOrEqual(labels.x);
    expect(layout.edges).toHaveLength(4);
  });

  it('ignores edges to nodes outside the graph and survives a cycle', () => {
    const layout = layoutGraph({
      nodes: [node('a', 'a'), node('b', 'b')],
      edges: [{ source: 'a', target: 'b' }, { source: 'b', target: 'a' }, { source: 'x', target: 'a' }],
      focus: 'b'
    });
    expect(layout.nodes).toHaveLength(2);
    expect(layout.edges).toHaveLength(2);
  });
});

describe('layout for the width it has', () => {
  const chain = (names: string[]) => ({
    nodes: names.map((n, i) => node(`n${i}`, n)),
    edges: names.slice(1).map((_, i) => ({ source: 'n0', target: `n${i + 1}` })),
    focus: `n${names.length - 1}`
  });

  it('keeps every box inside the width, wrapping a row that does not fit', () => {
    const g = chain(['raw', 'a', 'b', 'c', 'd', 'e', 'f']);
    for (const width of [200, 280, 600]) {
      const layout = layoutGraph(g, width);
      for (const p of layout.nodes) {
        expect(p.x + p.width).toBeLessThanOrEqual(width);
      }
      const second = layout.nodes.filter(p => p.row === 1);
      const lines = new Set(second.map(p => p.y)).size;
      expect(width === 600 ? lines === 1 : lines > 1).toBe(true);
    }
  });

  it('elides a long name to fit and says so; a short one stays whole', () => {
    const long = 'features_after_scaling_and_one_hot_encoding_of_every_column';
    const layout = layoutGraph(chain(['raw', long]), 220);
    const p = layout.nodes.find(q => q.node.name === long)!;
    expect(p.elided).toBe(true);
    expect(p.lines[0].endsWith('…')).toBe(true);
    expect(p.lines[0].length * 6.6).toBeLessThanOrEqual(p.width - 2 * 6);
    expect(layout.nodes.find(q => q.node.name === 'raw')!.lines[0]).toBe('raw');
  });

  it('uses the measure it is given: wider text, wider boxes', () => {
    const g = chain(['raw', 'train']);
    const narrow = layoutGraph(g, 400, t => t.length * 5);
    const wide = layoutGraph(g, 400, t => t.length * 9);
    expect(wide.nodes[0]!.width).toBeGreaterThan(narrow.nodes[0]!.width);
    expect(elide('abcdef', 30, t => t.length * 10)).toBe('ab…');
  });
});
