import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../src/graphLayout';
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
