import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, validateConfig } from '../../lib/config/load-config';
import { type BranchNameRule, branchNameViolations, isValidBranchName } from '../../lib/contracts/git-branch-name';
import { describeWithTools } from '../support/real-tool';

const FIXTURE = join(__dirname, '..', 'fixtures', 'regressions', 'config-branch-names.json');

/** The default configuration with `branch` as the first environment's branch. */
function withBranch(branch: unknown): unknown {
  const copy = structuredClone(DEFAULT_CONFIG) as any;
  copy.services[0].environments[0].branch = branch;
  return copy;
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const FIELD = 'services[0].environments[0].branch';

describe('environments[].branch follows git check-ref-format --branch (issue 11, item 4)', () => {
  const fixture = readFileSync(FIXTURE);
  const { branches } = JSON.parse(fixture.toString('utf8')) as { branches: string[] };

  test('the regression fixture is the shared corpus file, byte for byte', () => {
    expect(createHash('sha256').update(fixture).digest('hex')).toBe(
      'b55a7532d313c97ca8b99efb1fc86577dff10e7138da64c5b7a98d1975a7e1c8',
    );
    expect(branches).toHaveLength(5);
  });

  test.each(branches)('%s is accepted as a branch', (branch) => {
    expect(problemsOf(withBranch(branch))).toEqual([]);
    expect(validateConfig(withBranch(branch)).services[0]?.environments[0]?.branch).toBe(branch);
  });

  // One name per rule, each breaking only that rule, with the message it must get.
  const rejected: Array<[BranchNameRule, string, string]> = [
    ['empty', '', 'must not be empty'],
    ['full-ref', 'refs/heads/main', 'must be a branch name, not a full ref starting with "refs/": write "main"'],
    [
      'control-character',
      'fix\tbug',
      'contains the control character U+0009: git check-ref-format forbids ASCII control characters',
    ],
    [
      'control-character',
      'fix\u007fbug',
      'contains the control character U+007F: git check-ref-format forbids ASCII control characters',
    ],
    ['space', 'fix bug', 'contains a space: git check-ref-format forbids spaces'],
    [
      'revision-syntax',
      'fix~1',
      'contains "~": git check-ref-format forbids "~", "^" and ":" (they are revision syntax)',
    ],
    [
      'revision-syntax',
      'fix^2',
      'contains "^": git check-ref-format forbids "~", "^" and ":" (they are revision syntax)',
    ],
    [
      'revision-syntax',
      'team:fix',
      'contains ":": git check-ref-format forbids "~", "^" and ":" (they are revision syntax)',
    ],
    [
      'glob-character',
      'feature/*',
      'contains "*": git check-ref-format forbids "?", "*" and "[" (they are glob characters)',
    ],
    [
      'glob-character',
      'why?',
      'contains "?": git check-ref-format forbids "?", "*" and "[" (they are glob characters)',
    ],
    [
      'glob-character',
      'x[1]',
      'contains "[": git check-ref-format forbids "?", "*" and "[" (they are glob characters)',
    ],
    ['backslash', 'feature\\x', 'contains "\\": git check-ref-format forbids backslashes'],
    ['double-dot', 'release/1..2', 'contains "..": git check-ref-format forbids two dots in a row'],
    ['reflog-syntax', 'main@{1}', 'contains "@{": git check-ref-format forbids it (it is reflog syntax)'],
    ['leading-slash', '/main', 'starts with "/": git check-ref-format forbids it'],
    ['trailing-slash', 'feature/', 'ends with "/": git check-ref-format forbids it'],
    ['empty-component', 'feature//x', 'contains "//": git check-ref-format forbids empty path components'],
    [
      'component-leading-dot',
      'feature/.hidden',
      'path component ".hidden" starts with ".": git check-ref-format forbids that',
    ],
    [
      'component-lock-suffix',
      'main.lock/x',
      'path component "main.lock" ends with ".lock": git check-ref-format forbids that',
    ],
    ['trailing-dot', 'release/1.0.', 'ends with ".": git check-ref-format forbids it'],
    [
      'leading-dash',
      '-main',
      'starts with "-": git check-ref-format --branch forbids it (git would read it as an option)',
    ],
    ['head', 'HEAD', 'is "HEAD": git check-ref-format --branch forbids it (HEAD names the checked-out commit)'],
    [
      'lone-surrogate',
      'fix-\ud800',
      'contains an unpaired surrogate U+D800: a branch name must be text UTF-8 can encode',
    ],
  ];

  test.each(rejected)('rule %s: %j is refused with that rule’s message only', (rule, branch, message) => {
    expect(branchNameViolations(branch)).toEqual([{ rule, message }]);
    expect(problemsOf(withBranch(branch))).toEqual([`${FIELD}: ${message}`]);
  });

  test('a name breaking several rules gets one line per rule, and never another rule’s message', () => {
    expect(problemsOf(withBranch('-x y..z/'))).toEqual([
      `${FIELD}: contains a space: git check-ref-format forbids spaces`,
      `${FIELD}: contains "..": git check-ref-format forbids two dots in a row`,
      `${FIELD}: ends with "/": git check-ref-format forbids it`,
      `${FIELD}: starts with "-": git check-ref-format --branch forbids it (git would read it as an option)`,
    ]);
    // The refs/ rule is reported only for a full ref, never for a name that breaks another rule.
    for (const [rule, branch] of rejected) {
      if (rule === 'full-ref') continue;
      expect(problemsOf(withBranch(branch)).join('\n')).not.toContain('refs/');
    }
  });

  test('a missing branch reads "required", a branch of the wrong type names the type', () => {
    const missing = structuredClone(DEFAULT_CONFIG) as any;
    delete missing.services[0].environments[0].branch;
    expect(problemsOf(missing)).toEqual([`${FIELD}: required`]);
    expect(problemsOf(withBranch(42))).toEqual([`${FIELD}: Invalid input: expected string, received number`]);
  });
});

/**
 * Names built to sit on the edge of each rule: every token alone and every pair of tokens, plus names
 * from git's own test suite (t1402-check-ref-format.sh) and real branch names.
 */
function trickyNames(): string[] {
  const tokens = [
    'a',
    'main',
    'x/y',
    '機能',
    'ü',
    '😀',
    '#1',
    '+',
    '@',
    '@{',
    '{',
    '}',
    '.',
    '..',
    '/',
    '//',
    '-',
    '_',
    '~',
    '^',
    ':',
    '?',
    '*',
    '[',
    ']',
    '\\',
    ' ',
    '\t',
    '\u007f',
    '\u00a0',
    '.lock',
    'lock',
    'HEAD',
    'head',
    'refs/',
    "'",
    '"',
    '!',
    '$',
    '%',
    '&',
    '=',
    ',',
    ';',
    '<',
    '>',
    '|',
    '`',
  ];
  const names = new Set<string>(tokens);
  for (const a of tokens) for (const b of tokens) names.add(a + b);
  for (const name of [
    'heads/foo',
    'foo/bar/baz',
    'refs///heads/foo',
    'heads/foo/',
    '/heads/foo',
    '///heads/foo',
    './foo',
    './foo/bar',
    'foo/./bar',
    'foo/bar/.',
    '.refs/foo',
    'refs/heads/foo.',
    'heads/foo..bar',
    'heads/foo?bar',
    'foo./bar',
    'heads/foo.lock',
    'heads///foo.lock',
    'foo.lock/bar',
    'foo@bar',
    'foo@{bar',
    '@',
    'heads/v@{ation',
    'heads/foo\\bar',
    'heads/foo\tbar',
    'foo/\u007fbar',
    'heads/fu\u00dfe',
    'release/2024.01',
    'v1.0',
    'feature/JIRA-123_x',
    'a.b.c',
    '@/x',
    'x/@',
    'x@',
    'x/-y',
    'x/HEAD',
    'HEAD/x',
    'FETCH_HEAD',
    '-',
    'a.',
    'a./b',
    'a/b.',
    '.lock',
    'a.loCK',
  ]) {
    names.add(name);
  }
  return [...names].sort();
}

describeWithTools(['git'], 'the validator agrees with the real git check-ref-format --branch', () => {
  test('on every generated name (refs/ names are the one deliberate difference)', () => {
    const names = trickyNames();
    // Outside any repository, so --branch checks the literal name (no @{-N} or @ expansion).
    const cwd = mkdtempSync(join(tmpdir(), 'refname-'));
    const run = spawnSync(
      'bash',
      [
        '-c',
        'while IFS= read -r -d "" n; do if git check-ref-format --branch "$n" >/dev/null 2>&1; then printf 1; else printf 0; fi; done',
      ],
      {
        cwd,
        input: names.map((n) => `${n}\0`).join(''),
        env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(cwd) },
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    const verdicts = run.stdout.split('').map((c) => c === '1');
    expect(verdicts).toHaveLength(names.length);

    const disagreements: string[] = [];
    names.forEach((name, i) => {
      const git = verdicts[i] as boolean;
      const ours = isValidBranchName(name);
      if (name.startsWith('refs/')) {
        // git takes `refs/heads/x` as a branch called "refs/heads/x"; the configuration refuses it by name.
        if (ours || !branchNameViolations(name).some((v) => v.rule === 'full-ref')) disagreements.push(name);
      } else if (git !== ours) {
        disagreements.push(
          `${JSON.stringify(name)}: git ${git ? 'accepts' : 'refuses'}, validator ${ours ? 'accepts' : 'refuses'}`,
        );
      }
    });
    expect(disagreements).toEqual([]);
    // The list exercises both verdicts in quantity.
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(500);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(1000);
  });
});
