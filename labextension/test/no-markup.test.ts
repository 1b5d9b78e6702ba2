import { readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the sidebar source', () => {
  it('never writes markup (everything from the kernel is text)', () => {
    const offenders = sources(join(__dirname, '..', 'src')).filter(path =>
      /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write/.test(readFileSync(path, 'utf8'))
    );
    expect(offenders).toEqual([]);
  });
});
