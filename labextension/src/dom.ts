/**
 * The only way the sidebar makes DOM: elements whose content is text nodes. Nothing from
 * the kernel is ever parsed as markup, so a column named `<img src=x onerror=...>` shows
 * literally.
 */

export type Child = Node | string | null | undefined | false;

export interface Attrs {
  readonly className?: string;
  readonly title?: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** An element with attributes set as attributes and children added as nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) {
    el.className = props.className;
  }
  if (props.title) {
    el.title = props.title;
  }
  for (const [key, value] of Object.entries(props.data ?? {})) {
    el.dataset[key] = value;
  }
  for (const [key, value] of Object.entries(props.attrs ?? {})) {
    el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

/** Append children to `parent`; strings become text nodes. */
export function append(parent: Node, children: ReadonlyArray<Child>): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes; `text` (if any) is set as text content. */
export function svg(
  tag: string,
  attrs: Readonly<Record<string, string | number>>,
  text?: string
): SVGElement {
  const el = document.createElementNS(SVG, tag) as SVGElement;
  for (const [key, value] of Object.entries(attrs)) {
    el.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

/** `In [4]`, or the cell's short id when it never ran in this kernel. */
export function cellLabel(executionCount: number | null, index: number): string {
  const run = executionCount === null ? 'In [ ]' : `In [${executionCount}]`;
  return index >= 0 ? `${run} · cell ${index + 1}` : `${run} · not in this notebook`;
}

/** Cut `text` to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
