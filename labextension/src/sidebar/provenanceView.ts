/**
 * A value's provenance as a small graph: sources → cells → operations → value (SVG, text
 * only). Drawn for the width of its host, in real pixels (never scaled), and laid out
 * again when that width changes; long names are elided with the full text on hover.
 */
import { Graph } from '../protocol.generated';
import { BOX_HEIGHT, Measure, PAD, estimate, layoutGraph, nodeLines } from '../graphLayout';
import { h, svg } from '../dom';

const FONT_PX = 11;
let canvas: HTMLCanvasElement | null = null;

/** Measures text in the graph's font with a canvas; the estimate where there is none (tests). */
export function textMeasure(host: Element): Measure {
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    canvas ??= document.createElement('canvas');
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null;
  }
  if (!ctx) {
    return estimate;
  }
  const family = getComputedStyle(host).getPropertyValue('--jp-ui-font-family').trim() || 'sans-serif';
  const context = ctx;
  return text => {
    context.font = `600 ${FONT_PX}px ${family}`; // the bold name is the widest line
    return context.measureText(text).width;
  };
}

/** The SVG for `graph` laid out `width` pixels wide. */
export function drawGraph(subject: string, graph: Graph, width: number, measure: Measure = estimate): SVGElement {
  const layout = layoutGraph(graph, width, measure);
  const drawing = svg('svg', {
    class: 'lg-graph',
    viewBox: `-1 -1 ${layout.width + 2} ${layout.height + 2}`,
    width: layout.width + 2,
    height: layout.height + 2,
    role: 'img',
    'aria-label': `provenance of ${subject}`
  });
  drawing.appendChild(svg('title', {}, `provenance of ${subject}`));
  for (const { from, to } of layout.edges) {
    const x1 = from.x + from.width / 2;
    const y1 = from.y + BOX_HEIGHT;
    const x2 = to.x + to.width / 2;
    const y2 = to.y;
    const mid = (y1 + y2) / 2;
    drawing.appendChild(svg('path', { class: 'lg-edge', d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` }));
  }
  for (const p of layout.nodes) {
    const n = p.node;
    const g = svg('g', {
      class: `lg-node${n.id === graph.focus ? ' lg-focus' : ''}${n.taint.length ? ' lg-tainted' : ''}`,
      transform: `translate(${p.x},${p.y})`
    });
    g.dataset.node = n.id;
    g.dataset.name = n.name;
    if (p.elided) {
      g.dataset.elided = 'true';
    }
    const [name, op, rows] = nodeLines(n);
    g.appendChild(svg('title', {}, `${name}\n${op}\n${rows}`));
    g.appendChild(svg('rect', { width: p.width, height: BOX_HEIGHT, rx: 4 }));
    g.appendChild(svg('text', { x: PAD, y: 15, class: 'lg-node-name' }, p.lines[0]));
    g.appendChild(svg('text', { x: PAD, y: 29, class: 'lg-node-op' }, p.lines[1]));
    g.appendChild(svg('text', { x: PAD, y: 42, class: 'lg-node-rows' }, p.lines[2]));
    drawing.appendChild(g);
  }
  return drawing;
}

/** The graph drawing (re-laid out when `host` changes width), or a line saying why there is none. */
export function renderProvenance(subject: string, graph: Graph | null, error: string, host?: HTMLElement): HTMLElement {
  if (!graph) {
    return h('p', { className: 'lg-empty' }, `${subject}: ${error || 'no provenance'}`);
  }
  const figure = h('figure', { className: 'lg-provenance' }, h('figcaption', {}, `Where ${subject} comes from`));
  const widthOf = (): number => Math.max(120, Math.floor((host?.clientWidth || 280) - 2));
  let width = widthOf();
  const measure = host ? textMeasure(host) : estimate;
  figure.append(drawGraph(subject, graph, width, measure) as unknown as Node);
  if (host && typeof ResizeObserver !== 'undefined') {
    const observer = new ResizeObserver(() => {
      if (!figure.isConnected) {
        observer.disconnect();
        return;
      }
      const now = widthOf();
      if (now !== width && host.clientWidth > 0) {
        width = now;
        figure.querySelector('svg')?.replaceWith(drawGraph(subject, graph, width, measure) as unknown as Node);
      }
    });
    observer.observe(host);
  }
  return figure;
}
