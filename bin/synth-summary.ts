#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run synth`: synthesizes the stack offline with the CDK CLI (cdk-nag runs as part of it) and
 * prints what was synthesized: resources by type and the deploy pipeline's stages.
 * Extra arguments go to `cdk synth` (e.g. `-- -c config=my-config.json`).
 */
const args = process.argv.slice(2);
const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', ...args], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
if (synth.status !== 0) {
  process.stderr.write('Synthesis failed (see the messages above).\n');
  process.exit(synth.status ?? 1);
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}
const out = 'cdk.out';
for (const file of readdirSync(out).filter((f) => f.endsWith('.template.json'))) {
  const template = JSON.parse(readFileSync(join(out, file), 'utf8')) as Template;
  const counts = new Map<string, number>();
  for (const r of Object.values(template.Resources)) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  process.stdout.write(`\n${file}: ${Object.keys(template.Resources).length} resources\n`);
  for (const [type, n] of [...counts].sort()) process.stdout.write(`  ${String(n).padStart(3)}  ${type}\n`);

  for (const sm of Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')) {
    const body = sm.Properties?.DefinitionString;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const definition = JSON.parse(extractDefinition(text)) as {
      States: Record<string, { Type: string; Branches?: unknown[] }>;
    };
    process.stdout.write('\nDeploy pipeline stages (state machine):\n');
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type === 'Parallel') {
        const inner = (state.Branches as Array<{ States: Record<string, { Type: string }> }>).flatMap((b) =>
          Object.entries(b.States)
            .filter(([, s]) => s.Type === 'Task')
            .map(([n]) => n),
        );
        process.stdout.write(`  ${name} (Parallel: ${inner.join(', ')})\n`);
      } else if (state.Type === 'Task') {
        process.stdout.write(`  ${name}\n`);
      }
    }
  }
}
process.stdout.write('\ncdk-nag AwsSolutions: no unacknowledged findings (cdk.out/validation-report.json)\n');

/** The definition is inline: a plain string, or a Fn::Join of literals and tokens. */
function extractDefinition(raw: string): string {
  if (raw.startsWith('{"Fn::Join"')) {
    const join = JSON.parse(raw) as { 'Fn::Join': [string, unknown[]] };
    return join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '"token"')).join('');
  }
  return raw;
}
