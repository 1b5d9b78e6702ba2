/**
 * Messages and fixes as people read them: `code` in backticks becomes code (``` fences a
 * block), everything else stays text. Built from text nodes only, never parsed as markup.
 */
import { h } from '../dom';

/** One piece of a message: plain text, inline code or a code block. */
export interface Piece {
  readonly kind: 'text' | 'code' | 'block';
  readonly text: string;
}

/** Split `text` at ``` fences and `backticks`; an unmatched backtick stays text. */
export function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  const fences = text.split('```');
  fences.forEach((part, i) => {
    // odd parts sit between fences, unless the last fence is unmatched
    if (i % 2 === 1 && i < fences.length - 1) {
      const body = part.replace(/^[a-z]*\n/, '').replace(/\n$/, '');
      out.push({ kind: 'block', text: body });
      return;
    }
    const source = i % 2 === 1 ? '```' + part : part;
    const re = /`([^`\n]+)`/g;
    let last = 0;
    for (let m = re.exec(source); m; m = re.exec(source)) {
      if (m.index > last) {
        out.push({ kind: 'text', text: source.slice(last, m.index) });
      }
      out.push({ kind: 'code', text: m[1] ?? '' });
      last = m.index + m[0].length;
    }
    if (last < source.length) {
      out.push({ kind: 'text', text: source.slice(last) });
    }
  });
  return out;
}

/** Nodes for `text`; with `copy`, each piece of code beyond a bare name gets a "Copy" button (data-copy holds the code). */
export function richText(text: string, copy = false): Node[] {
  return pieces(text).map(p => {
    if (p.kind === 'text') {
      return document.createTextNode(p.text);
    }
    const code =
      p.kind === 'block'
        ? h('pre', { className: 'lg-code-block' }, h('code', {}, p.text))
        : h('code', { className: 'lg-code' }, p.text);
    // a name (`train`) needs no Copy button; a statement or an expression does
    if (!copy || (p.kind === 'code' && !/[\s(=.[]/.test(p.text))) {
      return code;
    }
    const button = h(
      'button',
      { className: 'lg-copy', title: 'Copy this code', data: { copy: p.text }, attrs: { type: 'button', 'aria-label': `Copy ${p.text.slice(0, 60)}` } },
      'Copy'
    );
    return h('span', { className: p.kind === 'block' ? 'lg-copyable lg-copyable-block' : 'lg-copyable' }, code, button);
  });
}
