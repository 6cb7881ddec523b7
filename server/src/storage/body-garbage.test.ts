import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const moduleUrl = new URL('./body-garbage.ts', import.meta.url).href;
const launcher = fileURLToPath(new URL('../../bin/berth', import.meta.url));

/** Runs `node <flags>` on a script that notes `mib` MiB of upload bodies and prints the young-generation collections seen. */
async function minorCollections(flags: string[], mib: number): Promise<number> {
  const script = `
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    const { noteBodyBytes } = await import(${JSON.stringify(moduleUrl)});
    let minor = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    });
    observer.observe({ entryTypes: ['gc'] });
    for (let i = 0; i < ${mib} * 16; i++) noteBodyBytes(65536);
    setTimeout(() => { observer.disconnect(); console.log(minor); }, 50);
  `;
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', script]);
  return Number(stdout.trim());
}

describe('upload bodies and garbage collection', () => {
  it('collect the young generation every 16 MiB received when the launcher exposes gc', async () => {
    assert.match(readFileSync(launcher, 'utf8'), /^exec "\$node" [^\n]*--expose-gc/m);
    assert.equal(await minorCollections(['--expose-gc'], 64), 4);
  });

  it('change nothing but the cost when gc is not exposed', async () => {
    assert.equal(await minorCollections([], 64), 0);
  });
});
