/** A value's provenance as a small graph: sources → cells → operations → value (SVG, text only). */
import { Graph } from '../protocol.generated';
import { BOX_HEIGHT, layoutGraph } from '../graphLayout';
import { clip, h, svg } from '../dom';

/** The graph drawing, or a line saying why there is none. */
export function renderProvenance(
  subject: string,
  graph: Graph | null,
  error: string,
  width = 280
): HTMLElement {
  if (!graph) {
    return h('p', { className: 'lg-empty' }, `${subject}: ${error || 'no provenance'}`);
  }
  const layout = layoutGraph(graph, width);
  const drawing = svg('svg', {
    class: 'lg-graph',
    viewBox: `-1 -1 ${layout.width + 2} ${layout.height + 2}`,
    width: '100%',
    role: 'img'
  });
  drawing.appendChild(svg('title', {}, `provenance of ${subject}`));
  for (const { from, to } of layout.edges) {
    const x1 = from.x + from.width / 2;
    const y1 = from.y + BOX_HEIGHT;
    const x2 = to.x + to.width / 2;
    const y2 = to.y;
    const mid = (y1 + y2) / 2;
    drawing.appendChild(
      svg('path', { class: 'lg-edge', d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` })
    );
  }
  for (const p of layout.nodes) {
    const n = p.node;
    const chars = Math.max(6, Math.floor(p.width / 6.6));
    const where = n.execution_count === null ? n.cell : `In [${n.execution_count}]`;
    const g = svg('g', {
      class: `lg-node${n.id === graph.focus ? ' lg-focus' : ''}${n.taint.length ? ' lg-tainted' : ''}`,
      transform: `translate(${p.x},${p.y})`
    });
    g.dataset.node = n.id;
    g.appendChild(
      svg('title', {}, `${n.name} ← ${n.op} (${where}; rows: ${n.rows}; taint: ${n.taint.join(', ') || 'none'})`)
    );
    g.appendChild(svg('rect', { width: p.width, height: BOX_HEIGHT, rx: 4 }));
    g.appendChild(svg('text', { x: 6, y: 15, class: 'lg-node-name' }, clip(n.name, chars)));
    g.appendChild(svg('text', { x: 6, y: 29, class: 'lg-node-op' }, clip(`${n.op} · ${where}`, chars)));
    g.appendChild(
      svg('text', { x: 6, y: 42, class: 'lg-node-rows' }, clip(`rows ${n.rows}${n.taint.length ? ` · ${n.taint.join(',')}` : ''}`, chars))
    );
    drawing.appendChild(g);
  }
  return h(
    'figure',
    { className: 'lg-provenance' },
    h('figcaption', {}, `Where ${subject} comes from`),
    drawing as unknown as Node
  );
}
