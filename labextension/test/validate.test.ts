import { describe, expect, it } from 'vitest';
import { validateBrowserMessage, validateKernelMessage } from '../src/validate';
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
    expect(validateBrowserMessage({ type: 'export', request: 1 }).ok).toBe(false);
  });
});
