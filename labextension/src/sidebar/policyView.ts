/** The policy in force: label, time and cutoff, holdout, mode; parts leakguard inferred are marked. */
import { PolicyView } from '../protocol.generated';
import { h } from '../dom';

const ROWS: ReadonlyArray<[string, string, (p: PolicyView) => string]> = [
  ['label', 'label', p => p.label.join(', ') || 'not set'],
  ['time', 'time', p => p.time ?? 'not set'],
  ['cutoff', 'cutoff', p => p.cutoff ?? 'not set'],
  ['holdout', 'holdout', p => p.holdout],
  ['mode', 'mode', p => p.mode]
];

/** A definition list of the policy (or a line saying there is none yet). */
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
        inferred.has(key)
          ? h('span', { className: 'lg-inferred', title: 'leakguard inferred this' }, 'inferred')
          : null
      )
    );
  }
  return list;
}
