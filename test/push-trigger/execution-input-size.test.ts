import { InvalidExecutionInput } from '../../lambdas/shared/push-event/build-execution-input';
import {
  EXECUTION_INPUT_BUDGET_BYTES,
  executionInputBytes,
  FIELD_CAP_BYTES,
  fitExecutionInput,
  MESSAGE_FLOOR_BYTES,
  STEP_FUNCTIONS_INPUT_LIMIT_BYTES,
  WORKFLOW_STATE_HEADROOM_BYTES,
} from '../../lambdas/shared/push-event/fit-execution-input';
import { parseGitHubPush, pushEventFromGitHub } from '../../lambdas/shared/push-event/github-push';
import { manualExecutionInput } from '../../lambdas/shared/push-event/manual-execution-input';
import { normalizePush } from '../../lambdas/shared/push-event/normalize-push';
import type { PlannedExecution, PushDecision } from '../../lambdas/shared/push-event/push-decision';
import type { ExecutionInput } from '../../lib/contracts/execution-input';
import { BEFORE, CONFIG, HEAD, normalPush, type Payload, REPO } from './fixtures';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function decide(payload: Payload): PlannedExecution[] {
  const decision: PushDecision = normalizePush(pushEventFromGitHub(parseGitHubPush(payload), 'delivery-1'), CONFIG);
  if (decision.kind !== 'start') throw new Error(`expected executions, got ${JSON.stringify(decision)}`);
  return [...decision.executions];
}

/** The execution input as it would be without any trimming (what the trigger built before issue 11). */
function untrimmed(paths: string[] | null, message: string): ExecutionInput {
  return {
    service: 'hello',
    environment: 'dev',
    trigger: 'push',
    source: {
      provider: 'github',
      repository: REPO,
      ref: 'refs/heads/master',
      branch: 'master',
      commit: HEAD,
      before: BEFORE,
      message,
      author: 'Codertocat',
      url: `https://github.com/${REPO}/commit/${HEAD}`,
      deliveryId: 'delivery-1',
    },
    changes: { app: true, infra: false, paths },
  };
}

/** 2,000 files with Japanese names under app/ (the first case of issue 11). */
const JAPANESE_PATHS = Array.from(
  { length: 2000 },
  (_, i) =>
    `app/src/機能/ログイン画面/共通コンポーネント/詳細設定/入力フォーム検証ルール定義ファイル-${String(i).padStart(4, '0')}.tsx`,
);
/** A squash-merge message of about 150 KB listing the squashed commits in Japanese (the second case). */
const SQUASH_MESSAGE = `ログイン機能の改修 (#123)\n\n${Array.from(
  { length: 2100 },
  (_, i) => `* コミット${i}: 入力検証とエラーメッセージ表示の修正`,
).join('\n')}`;
const PATHS_1500 = Array.from(
  { length: 1500 },
  (_, i) => `app/src/features/login/components/form-fields/validation-rules/form-field-${i}.tsx`,
);

describe('the budget is Step Functions’ limit in UTF-8 bytes, with room for what the workflow adds', () => {
  it('states the platform limit and the headroom', () => {
    expect(STEP_FUNCTIONS_INPUT_LIMIT_BYTES).toBe(262_144);
    expect(EXECUTION_INPUT_BUDGET_BYTES + WORKFLOW_STATE_HEADROOM_BYTES).toBe(STEP_FUNCTIONS_INPUT_LIMIT_BYTES);
    expect(EXECUTION_INPUT_BUDGET_BYTES).toBe(196_608);
  });
});

describe('issue 11 case 1: a push listing 2,000 files with Japanese names', () => {
  const payload = normalPush({ commits: [{ message: 'ファイル一括追加', added: JAPANESE_PATHS }] });

  it('was over the limit in bytes while under it in JavaScript string length', () => {
    const before = untrimmed([...JAPANESE_PATHS].sort(), 'ファイル一括追加');
    expect(executionInputBytes(before)).toBeGreaterThan(STEP_FUNCTIONS_INPUT_LIMIT_BYTES);
    // Counting characters, as the old budget did, sees less than half of that.
    expect(JSON.stringify(before).length).toBeLessThan(STEP_FUNCTIONS_INPUT_LIMIT_BYTES / 2);
  });

  it('starts with the paths dropped (everything changed), within the budget, everything else intact', () => {
    const [dev] = decide(payload);
    expect(dev?.trimmed).toEqual(['changes.paths']);
    expect(dev?.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
    expect(executionInputBytes(dev?.input as ExecutionInput)).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
    expect(dev?.input.source).toMatchObject({ message: 'ファイル一括追加', commit: HEAD, deliveryId: 'delivery-1' });
  });
});

describe('issue 11 case 2: a 150 KB squash message and 1,500 paths', () => {
  const payload = normalPush({ commits: [{ message: SQUASH_MESSAGE, modified: PATHS_1500 }] });

  it('was over the limit as a whole though neither field alone was', () => {
    expect(Buffer.byteLength(SQUASH_MESSAGE)).toBeGreaterThan(150_000);
    const before = untrimmed([...PATHS_1500].sort(), SQUASH_MESSAGE);
    expect(executionInputBytes(before)).toBeGreaterThan(STEP_FUNCTIONS_INPUT_LIMIT_BYTES);
    expect(Buffer.byteLength(JSON.stringify(PATHS_1500))).toBeLessThan(EXECUTION_INPUT_BUDGET_BYTES);
  });

  it('starts with the message shortened first and every path kept', () => {
    const [dev] = decide(payload);
    expect(dev?.trimmed).toEqual(['source.message']);
    expect(dev?.input.changes.paths).toHaveLength(1500);
    expect(dev?.input.changes).toMatchObject({ app: true, infra: false });
    const bytes = executionInputBytes(dev?.input as ExecutionInput);
    expect(bytes).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
    // As much as fits is kept: the input is within a few characters of the budget.
    expect(bytes).toBeGreaterThan(EXECUTION_INPUT_BUDGET_BYTES - 16);
    const message = dev?.input.source.message ?? '';
    const [kept, note] = message.split('\n… [');
    expect(SQUASH_MESSAGE.startsWith(kept as string)).toBe(true);
    const dropped = Buffer.byteLength(SQUASH_MESSAGE) - Buffer.byteLength(kept as string);
    expect(note).toBe(`${dropped} more bytes cut to fit the Step Functions input limit]`);
    expect(message).not.toMatch(LONE_SURROGATE);
    expect(message).not.toContain('\ufffd');
  });
});

describe('fitExecutionInput at the boundary, with multi-byte text', () => {
  const base = untrimmed(['app/a.ts'], '');
  const room = EXECUTION_INPUT_BUDGET_BYTES - executionInputBytes(base);
  // Japanese (3 bytes each in UTF-8, 1 UTF-16 unit) up to the last few bytes, then ASCII to land exactly.
  const exact = `${'日'.repeat(Math.floor(room / 3) - 1)}${'a'.repeat(room - 3 * (Math.floor(room / 3) - 1))}`;

  it('an input of exactly the budget is left as it is', () => {
    const input = untrimmed(['app/a.ts'], exact);
    expect(executionInputBytes(input)).toBe(EXECUTION_INPUT_BUDGET_BYTES);
    expect(exact.length).toBeLessThan(EXECUTION_INPUT_BUDGET_BYTES / 2);
    expect(fitExecutionInput(input)).toEqual({ input, bytes: EXECUTION_INPUT_BUDGET_BYTES, trimmed: [] });
  });

  it('one byte more is shortened to fit, keeping the paths', () => {
    const input = untrimmed(['app/a.ts'], `${exact}b`);
    expect(executionInputBytes(input)).toBe(EXECUTION_INPUT_BUDGET_BYTES + 1);
    const fitted = fitExecutionInput(input);
    expect(fitted.trimmed).toEqual(['source.message']);
    expect(fitted.bytes).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
    expect(fitted.bytes).toBe(executionInputBytes(fitted.input));
    expect(fitted.input.changes.paths).toEqual(['app/a.ts']);
  });

  it('never cuts inside a surrogate pair (emoji) and counts JSON escapes', () => {
    const emoji = `${'🚀"\n'.repeat(60_000)}`;
    const fitted = fitExecutionInput(untrimmed(['app/a.ts'], emoji));
    expect(fitted.trimmed).toEqual(['source.message']);
    expect(fitted.input.source.message).not.toMatch(LONE_SURROGATE);
    expect(fitted.bytes).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
  });

  it('gives up the paths before cutting the message below its floor, then keeps as much message as fits', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `app/${'深'.repeat(20)}/${i}.ts`);
    const message = 'm'.repeat(MESSAGE_FLOOR_BYTES * 100);
    const fitted = fitExecutionInput(untrimmed(paths, message));
    expect(fitted.trimmed).toEqual(['changes.paths']);
    expect(fitted.input.source.message).toBe(message);
    expect(fitted.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });

    const huge = 'm'.repeat(EXECUTION_INPUT_BUDGET_BYTES);
    const both = fitExecutionInput(untrimmed(paths, huge));
    expect(both.trimmed).toEqual(['changes.paths', 'source.message']);
    expect(both.bytes).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
  });

  it('cuts author and url last, and refuses an input whose fixed fields alone are too large', () => {
    const input = untrimmed(null, 'x'.repeat(EXECUTION_INPUT_BUDGET_BYTES));
    const long = { ...input, source: { ...input.source, author: 'Ä'.repeat(EXECUTION_INPUT_BUDGET_BYTES / 2) } };
    const fitted = fitExecutionInput(long);
    expect(fitted.trimmed).toEqual(['source.author', 'source.message']);
    expect(Buffer.byteLength(fitted.input.source.author)).toBeLessThanOrEqual(FIELD_CAP_BYTES);

    expect(() =>
      manualExecutionInput({
        config: CONFIG,
        service: 'hello',
        environment: 'dev',
        commit: HEAD,
        branch: `b/${'x'.repeat(EXECUTION_INPUT_BUDGET_BYTES)}`,
      }),
    ).toThrow(InvalidExecutionInput);
  });
});
