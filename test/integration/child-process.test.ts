/** Starting other programs with node:child_process (src/system/child-process.ts): real processes. */
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/system/child-process.js';

const node = process.execPath;

describe('runProgram', () => {
  it('captures stdout, and stdout with stderr interleaved, and the exit code', async () => {
    const run = await runProgram(node, ['-e', "process.stdout.write('out\\n'); process.stderr.write('err\\n'); process.exit(3)"], { io: 'capture' });
    expect(run).toEqual({ exitCode: 3, stdout: 'out\n', output: expect.stringContaining('err\n') });
    expect(run.output).toContain('out\n');
  });

  it('pipes text to stdin and gives the program exactly the environment asked for', async () => {
    const file = `${process.env.TMPDIR ?? '/tmp'}/mms-child-${process.pid}.txt`;
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{require('fs').writeFileSync(${JSON.stringify(file)}, s + '|' + (process.env.ONLY ?? '') + '|' + (process.env.HOME ?? 'none'));})`;
    const run = await runProgram(node, ['-e', script], { io: { input: 'secret-free text' }, env: { ONLY: 'yes' } });
    expect(run.exitCode).toBe(0);
    const { readFile, rm } = await import('node:fs/promises');
    expect(await readFile(file, 'utf8')).toBe('secret-free text|yes|none');
    await rm(file);
  });

  it('resolves without an exit code for a program that does not exist', async () => {
    expect((await runProgram('/no/such/program', [], { io: 'capture' })).exitCode).toBeUndefined();
  });

  it('stops a program that outlives its time', async () => {
    const started = Date.now();
    const run = await runProgram(node, ['-e', 'setTimeout(() => {}, 60000)'], { io: 'capture', timeoutMs: 300 });
    expect(run.exitCode).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
