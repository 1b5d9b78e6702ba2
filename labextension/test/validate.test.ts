import { describe, expect, it } from 'vitest';
import { validateBrowserMessage, validateKernelMessage, validateNotebookRecord } from '../src/validate';
import { HELLO, report, snapshot } from './fixtures';

describe('validateKernelMessage', () => {
  it('accepts well-formed messages', () => {
    expect(validateKernelMessage(HELLO).ok).toBe(true);
    expect(validateKernelMessage(snapshot([report('c1', 2)])).ok).toBe(true);
  });

  it('rejects unknown types, unknown fields and wrong nested values with a path', () => {
    expect(validateKernelMessage({ type: 'exec', code: 'x' })).toEqual({
      ok: false,
      error: 'unknown message type exec'
    });
    expect(validateKernelMessage({ ...HELLO, html: '<img>' })).toEqual({
      ok: false,
      error: 'hello: unknown field(s) html'
    });
    const bad = snapshot([{ ...report('c1'), findings: [{ ...report('c1').findings[0]!, severity: 'fatal' }] }]);
    const result = validateKernelMessage(bad);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('snapshot.cells[0].findings[0].severity');
    expect(validateKernelMessage(null).ok).toBe(false);
    expect(validateKernelMessage({ ...HELLO, protocol: 1.5 }).ok).toBe(false);
  });
});

describe('validateBrowserMessage', () => {
  it('checks what the sidebar sends', () => {
    expect(validateBrowserMessage({ type: 'set_mode', mode: 'safe' }).ok).toBe(true);
    expect(validateBrowserMessage({ type: 'set_mode', mode: 'off' }).ok).toBe(false);
    expect(validateBrowserMessage({ type: 'export', request: 1, notebook: 'a.ipynb' }).ok).toBe(true);
    expect(validateBrowserMessage({ type: 'export', request: 1 })).toEqual({
      ok: false,
      error: 'export: missing field notebook'
    });
    expect(validateBrowserMessage({ type: 'explain', request: 1, name: 'x'.repeat(10_001) }).ok).toBe(false);
  });
});

describe('kernels that predate title/detail/blocked, checking and blocking', () => {
  it('accepts their messages and fills the new fields with defaults', () => {
    const { title: _t, detail: _d, blocked: _b, ...old } = report('c1').findings[0]!;
    const { checking: _c, ...oldPolicy } = (snapshot([]) as { policy: object & { checking: string[] } }).policy;
    const message = { ...snapshot([{ ...report('c1'), findings: [old] }]), policy: oldPolicy };
    const checked = validateKernelMessage(message);
    expect(checked.ok).toBe(true);
    if (checked.ok && checked.value.type === 'snapshot') {
      const f = checked.value.cells[0]!.findings[0]!;
      expect([f.title, f.detail, f.blocked]).toEqual(['', '', false]);
      expect(checked.value.policy.checking).toEqual([]);
    }
    const result = { type: 'export_result', request: 1, available: true, ok: false, files: [], reasons: ['r'], message: 'm' };
    const upgraded = validateKernelMessage(result);
    expect(upgraded.ok && upgraded.value.type === 'export_result' && upgraded.value.blocking).toEqual([]);
  });

  it('still rejects a wrong type in a new field', () => {
    const bad = snapshot([{ ...report('c1'), findings: [{ ...report('c1').findings[0]!, blocked: 'yes' as unknown as boolean }] }]);
    expect(validateKernelMessage(bad).ok).toBe(false);
  });
});

describe('a null-or-object field (if null, else the object)', () => {
  it('accepts null, fills defaults in the object, and reports errors inside it with their path', () => {
    const { checking: _c, ...oldPolicy } = (snapshot([]) as { policy: object & { checking: string[] } }).policy;
    const base = { type: 'update', session: 's1', seq: 1, run: null, cells: [] };
    expect(validateKernelMessage({ ...base, policy: null }).ok).toBe(true);
    const checked = validateKernelMessage({ ...base, policy: oldPolicy });
    expect(checked.ok && checked.value.type === 'update' && checked.value.policy?.checking).toEqual([]);
    expect(validateKernelMessage({ ...base, policy: { ...oldPolicy, mode: 'off' } })).toEqual({
      ok: false,
      error: 'update.policy.mode: expected one of warn, block, safe'
    });
    expect(validateKernelMessage({ ...base, run: 'c1', policy: null })).toEqual({
      ok: false,
      error: 'update.run: expected an object'
    });
  });
});

describe('validateNotebookRecord', () => {
  it('checks the record the sidebar saves in the notebook', () => {
    const record = { protocol: 1, session: 's', order: [['c1', 1], ['c2', null]], findings: [] };
    expect(validateNotebookRecord(record).ok).toBe(true);
    expect(validateNotebookRecord({ ...record, order: [['c1']] }).ok).toBe(false);
    expect(validateNotebookRecord({ ...record, order: [['c1', 1, 2]] }).ok).toBe(false);
    expect(validateNotebookRecord({ ...record, extra: 1 })).toEqual({
      ok: false,
      error: 'metadata.leakguard: unknown field(s) extra'
    });
  });
});
