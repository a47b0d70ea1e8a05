/**
 * Webhook handler benchmark: CPU time per delivery of the real handler logic (size check, HMAC
 * verification, JSON parse, payload validation, routing, change classification, execution-input
 * validation, logging) for a typical push and for a push body just under the 5 MiB limit, against
 * a plain `JSON.parse` of the same body. StartExecution is stubbed at the SFN client's `send`, so
 * no network time is counted. Each case runs in its own child process, so peak RSS is that case's.
 *
 *   npx tsx test/bench/webhook.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '../../lambdas/shared/logger';
import { DEFAULT_MAX_BODY_BYTES } from '../../lambdas/webhook/body-limit';
import { handleWebhook } from '../../lambdas/webhook/handle-webhook';
import { httpApiEvent, sign } from '../push-trigger/http-api-event';
import { CONFIG, REPO } from '../push-trigger/test-config';
import { bundleSelf } from './bundle-self';

type Mode = 'typical' | 'large' | 'baseline-typical' | 'baseline-large';

interface Measurement {
  readonly deliveries: number;
  readonly cpuMsPerDelivery: number;
  readonly bodyBytes: number;
  /** RSS once the modules are loaded and the body is built, before any delivery. */
  readonly idleRssMb: number;
  /** Peak RSS after three deliveries, as one warm Lambda container handles them. */
  readonly maxRssMb: number;
  readonly status: number;
}

const SECRET = 'bench-secret-0123456789abcdef';
const HEAD = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const BEFORE = 'd70c5c6fa638d70c5c6fa638d70c5c6fa638d70c';

interface CommitSpec {
  message: string;
  added?: string[];
  modified?: string[];
  removed?: string[];
}

/**
 * A push payload with the fields and shape GitHub sends (the test suite uses GitHub's published
 * examples; they are not loaded here so the worker's memory is the handler's).
 */
function pushPayload(specs: CommitSpec[]) {
  const person = { name: 'Codertocat', email: '21031067+Codertocat@users.noreply.github.com', username: 'Codertocat' };
  const commits = specs.map((spec, i) => {
    const id = i === specs.length - 1 ? HEAD : `${String(i).padStart(2, '0')}${HEAD.slice(2)}`;
    return {
      id,
      tree_id: '31b122c26a97cf9af023e9ddab94a82c6e77b0ea',
      distinct: true,
      message: spec.message,
      timestamp: '2019-05-15T15:20:41Z',
      url: `https://github.com/${REPO}/commit/${id}`,
      author: person,
      committer: person,
      added: spec.added ?? [],
      removed: spec.removed ?? [],
      modified: spec.modified ?? [],
    };
  });
  const owner = {
    login: 'Codertocat',
    id: 21031067,
    type: 'User',
    site_admin: false,
    url: 'https://api.github.com/users/Codertocat',
  };
  return {
    ref: 'refs/heads/master',
    before: BEFORE,
    after: HEAD,
    repository: {
      id: 186853002,
      name: 'Hello-World',
      full_name: REPO,
      private: false,
      owner,
      html_url: `https://github.com/${REPO}`,
      default_branch: 'master',
    },
    pusher: { name: 'Codertocat', email: person.email },
    sender: owner,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${REPO}/compare/${BEFORE.slice(0, 12)}...${HEAD.slice(0, 12)}`,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
  };
}

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deploy-pipeline';

/** A push of three commits touching app and Terraform files: what most deliveries look like. */
function typicalBody(): string {
  return JSON.stringify(
    pushPayload([
      { message: 'Add the orders endpoint', added: ['app/src/orders.ts', 'app/test/orders.test.ts'] },
      { message: 'Wire orders into the router', modified: ['app/src/router.ts'] },
      {
        message: 'Give the service a queue',
        modified: ['terraform/modules/sqs/main.tf', 'terraform/environments/dev/main.tf'],
      },
    ]),
  );
}

/** 19 commits listing 2,850 files with long commit messages, padded to just under the body limit. */
function largeBody(): string {
  const target = DEFAULT_MAX_BODY_BYTES - 4096;
  const commits = Array.from({ length: 19 }, (_, c) => ({
    message: `Generated change ${c}`,
    added: Array.from({ length: 50 }, (_, f) => `app/src/generated/module-${c}/deeply/nested/folder/file-${f}.ts`),
    modified: Array.from({ length: 50 }, (_, f) => `terraform/modules/generated-${c}/resource-${f}.tf`),
    removed: Array.from({ length: 50 }, (_, f) => `docs/old/${c}/page-${f}.md`),
  }));
  const payload = pushPayload(commits);
  const base = Buffer.byteLength(JSON.stringify(payload));
  // head_commit repeats the last commit, so its message counts twice.
  const perCommit = Math.floor((target - base) / (payload.commits.length + 1));
  const phrase = 'Détails du changement généré (non-ASCII on purpose). ';
  const repeats = Math.floor(perCommit / Buffer.byteLength(phrase));
  for (const commit of payload.commits) commit.message += `\n\n${phrase.repeat(repeats)}`;
  const body = JSON.stringify(payload);
  if (Buffer.byteLength(body) > DEFAULT_MAX_BODY_BYTES) throw new Error('large bench body is over the limit');
  return body;
}

function eventFor(body: string): APIGatewayProxyEventV2 {
  return httpApiEvent({
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(body, SECRET),
    },
  });
}

async function measure(mode: Mode): Promise<Measurement> {
  const large = mode.endsWith('large');
  const body = large ? largeBody() : typicalBody();
  const deliveries = large ? 20 : 2000;
  const event = eventFor(body);
  const sfn = new SFNClient({ region: 'us-east-1' });
  // The stub: StartExecution answers at once, as if Step Functions had accepted the start.
  sfn.send = (async () => ({ executionArn: `${STATE_MACHINE_ARN}:x`, startDate: new Date() })) as typeof sfn.send;
  const deps = {
    config: CONFIG,
    secret: async () => SECRET,
    sfn,
    stateMachineArn: STATE_MACHINE_ARN,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    timeoutMs: 8_000,
    logger,
  };
  // The handler logs one line per delivery; count its cost, not the terminal's.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let status = 0;
  const run = async () => {
    if (mode.startsWith('baseline')) {
      JSON.parse(body);
      status = 200;
    } else {
      status = (await handleWebhook(event, deps)).statusCode ?? 0;
    }
  };
  const idleRssMb = process.memoryUsage().rss / (1024 * 1024);
  for (let i = 0; i < 3; i += 1) await run();
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  for (let i = 0; i < Math.min(50, deliveries); i += 1) await run(); // warm-up: JIT, picomatch compile
  const start = process.cpuUsage();
  for (let i = 0; i < deliveries; i += 1) await run();
  const used = process.cpuUsage(start);
  process.stdout.write = write;
  return {
    deliveries,
    cpuMsPerDelivery: (used.user + used.system) / 1000 / deliveries,
    bodyBytes: Buffer.byteLength(body),
    idleRssMb,
    maxRssMb,
    status,
  };
}

function runChild(script: string, mode: Mode): Measurement {
  const child = spawnSync(process.execPath, [script, '--worker', mode], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench worker ${mode} failed: ${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measurement;
}

export async function run(): Promise<string> {
  const cases: Array<{ label: string; mode: Mode; baseline: Mode; targetMs: number }> = [
    { label: 'typical push (3 commits)', mode: 'typical', baseline: 'baseline-typical', targetMs: 5 },
    { label: 'large push (just under 5 MiB)', mode: 'large', baseline: 'baseline-large', targetMs: 250 },
  ];
  const rows: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'webhook-bench-'));
  const script = await bundleSelf(__filename, dir, 'webhook-bench');
  for (const c of cases) {
    // Separate processes; the median of WEBHOOK_BENCH_RUNS (default 5) with the range.
    const runs = Number(process.env.WEBHOOK_BENCH_RUNS ?? 5);
    const ms = Array.from({ length: runs }, () => runChild(script, c.mode)).sort(
      (x, y) => x.cpuMsPerDelivery - y.cpuMsPerDelivery,
    );
    const m = ms[Math.floor(ms.length / 2)] as Measurement;
    const range = `${(ms[0] as Measurement).cpuMsPerDelivery.toFixed(3)}-${(ms[ms.length - 1] as Measurement).cpuMsPerDelivery.toFixed(3)}`;
    const b = runChild(script, c.baseline);
    const ok = m.cpuMsPerDelivery < c.targetMs && m.maxRssMb < 128 && (m.status === 201 || m.status === 200);
    rows.push(
      `| ${c.label} | ${(m.bodyBytes / 1024).toFixed(1)} KiB | ${m.status} | ${m.cpuMsPerDelivery.toFixed(3)} (${range}) | ${b.cpuMsPerDelivery.toFixed(3)} | ${(m.cpuMsPerDelivery / b.cpuMsPerDelivery).toFixed(1)} | ${m.idleRssMb.toFixed(0)} | ${m.maxRssMb.toFixed(0)} | < ${c.targetMs} ms, < 128 MB: ${ok ? 'met' : '**missed**'} |`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  return [
    '## Webhook',
    '',
    `CPU time per delivery (\`process.cpuUsage\`, user + system) of the webhook handler on this machine (${cpus().length} cores, Node ${process.version}): size check, HMAC-SHA256 verification, JSON parse, payload validation, routing, change classification, execution-input validation and the log line. StartExecution is stubbed at the SFN client's \`send\` (no network time counted). The baseline is a plain \`JSON.parse\` of the same body. Each row is a separate child process:  each runs this file bundled by esbuild (as the function is deployed) in plain Node; "RSS before" is the process with the handler's modules and the body loaded, "peak RSS" is after three deliveries, as one warm Lambda container would handle them (the CPU loop runs after that reading).`,
    '',
    '| delivery | body | status | handler CPU ms (median, range) | JSON.parse CPU ms | ratio | RSS before (MB) | peak RSS (MB) | target |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Reproduce: `npx tsx test/bench/webhook.bench.ts`.',
    '',
  ].join('\n');
}

if (require.main === module) {
  const [flag, mode] = process.argv.slice(2);
  if (flag === '--worker' && mode !== undefined) {
    measure(mode as Mode).then((m) => process.stdout.write(`${JSON.stringify(m)}\n`));
  } else {
    run().then((section) => process.stdout.write(section));
  }
}
