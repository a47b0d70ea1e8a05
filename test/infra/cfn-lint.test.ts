import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTools } from '../support/real-tool';
import { synthApp } from './synth-app';

describeWithTools(['cfn-lint'], 'cfn-lint on every synthesized template', () => {
  test('no errors (this also validates the inline state machine definition)', () => {
    const { outdir } = synthApp();
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(outdir, f));
    expect(templates.length).toBeGreaterThan(0);
    const lint = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', ...templates], { encoding: 'utf8' });
    expect({ status: lint.status, output: lint.stdout + lint.stderr }).toEqual({
      status: 0,
      output: expect.any(String),
    });
  });
});
