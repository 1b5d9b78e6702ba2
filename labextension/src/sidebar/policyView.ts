/**
 * The policy in force: label, time and cutoff, holdout, mode, parts leakguard inferred
 * marked; and what is and is not checked (the kernel's sentences, or ones derived here).
 */
import { PolicyView } from '../protocol.generated';
import { h } from '../dom';

const ROWS: ReadonlyArray<[string, string, (p: PolicyView) => string]> = [
  ['label', 'label', p => p.label.join(', ') || 'not known yet'],
  ['time', 'time', p => p.time ?? 'not known yet'],
  ['cutoff', 'cutoff', p => p.cutoff ?? 'not set'],
  ['holdout', 'holdout', p => p.holdout],
  ['mode', 'mode', p => p.mode]
];

/** What is checked, said from the policy itself when the kernel does not say it. */
export function coverage(p: PolicyView): string[] {
  if (p.checking.length) {
    return p.checking;
  }
  const tag = (key: string): string => (p.inferred.includes(key) ? ' (inferred)' : '');
  const out: string[] = [];
  out.push(
    p.label.length
      ? `Uses of the label ${p.label.join(', ')}${tag('label')} are checked.`
      : 'Label peeks are not checked yet: no label is declared or seen in a fit.'
  );
  const noHoldout = /^(none|not set|)$/i.test(p.holdout.trim());
  out.push(
    noHoldout
      ? 'Holdout peeks are not checked yet: no holdout is declared and no split has run.'
      : `Looks at holdout rows are checked (${p.holdout}${tag('holdout')}).`
  );
  out.push(
    p.time && p.cutoff
      ? `Rows after ${p.cutoff} in ${p.time}${tag('cutoff') || tag('time')} are the future and checked.`
      : 'Future rows are not checked: no time column and cutoff.'
  );
  out.push('Preprocessing, target and overlap checks run on every fit and score.');
  return out;
}

/** A definition list of the policy and what it covers (or a line saying there is none yet). */
export function renderPolicy(policy: PolicyView | null): HTMLElement {
  if (!policy) {
    return h('p', { className: 'lg-empty' }, 'No policy received yet.');
  }
  const inferred = new Set(policy.inferred);
  const list = h('dl', { className: 'lg-policy' });
  for (const [key, label, value] of ROWS) {
    list.append(
      h('dt', {}, label),
      h(
        'dd',
        { data: { key } },
        value(policy),
        inferred.has(key) ? h('span', { className: 'lg-inferred', title: 'leakguard inferred this from the code' }, 'inferred') : null
      )
    );
  }
  const sentences = coverage(policy);
  return h(
    'div',
    {},
    list,
    h(
      'ul',
      { className: 'lg-checking', data: { source: policy.checking.length ? 'kernel' : 'derived' }, attrs: { 'aria-label': 'What leakguard checks' } },
      ...sentences.map(s => h('li', {}, s))
    )
  );
}
