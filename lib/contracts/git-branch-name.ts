/**
 * Branch names by git's own rules: what `git check-ref-format --branch <name>` accepts. Pure: no
 * file system, no git process (the tests cross-check this module against the real command).
 *
 * The rules are those of the git-check-ref-format documentation
 * (https://git-scm.com/docs/git-check-ref-format), applied as `--branch` applies them: to the full ref
 * `refs/heads/<name>`. Two consequences, checked against git 2.39:
 * - the rule "cannot be the single character @" is about the whole ref, so `@` alone is a valid branch
 *   name (`git check-ref-format --branch @` prints `@`; `git branch @` creates `refs/heads/@`);
 * - a ref needs no `/` here, since `refs/heads/` supplies it.
 * `--branch` adds two rules of its own (git's `strbuf_check_branch_ref`): the name may not start with
 * `-` and may not be `HEAD`.
 *
 * One rule is this product's, not git's: a name starting with `refs/` is refused. git would accept
 * `refs/heads/main` as the name of a branch called `refs/heads/main` (the ref
 * `refs/heads/refs/heads/main`); in a configuration it is always a full ref written where a branch
 * name belongs.
 */

/** One rule a branch name breaks, with the message a user reads. */
export interface BranchNameViolation {
  /** Stable identifier of the rule (tests and callers may match on it). */
  readonly rule: BranchNameRule;
  /** What is wrong, naming the rule; no path prefix. */
  readonly message: string;
}

export type BranchNameRule =
  | 'empty'
  | 'full-ref'
  | 'control-character'
  | 'space'
  | 'revision-syntax'
  | 'glob-character'
  | 'backslash'
  | 'double-dot'
  | 'reflog-syntax'
  | 'leading-slash'
  | 'trailing-slash'
  | 'empty-component'
  | 'component-leading-dot'
  | 'component-lock-suffix'
  | 'trailing-dot'
  | 'leading-dash'
  | 'head'
  | 'lone-surrogate';

const RULES = 'git check-ref-format';

/** `U+0009` for a character. */
const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** The first unpaired UTF-16 surrogate in `s`, or undefined (such a string has no UTF-8 form, so git cannot hold it). */
function loneSurrogate(s: string): string | undefined {
  for (let i = 0; i < s.length; i += 1) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      return s[i];
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return s[i];
  }
  return undefined;
}

/**
 * Every rule `name` breaks as a branch name, each once, in a fixed order; empty when git accepts it.
 * Non-ASCII text (`機能/ログイン`, `feature/ü`) and `#`, `+`, `@` (outside `@{`) are allowed, as git allows them.
 */
export function branchNameViolations(name: string): BranchNameViolation[] {
  if (name === '') return [{ rule: 'empty', message: 'must not be empty' }];
  const out: BranchNameViolation[] = [];
  const add = (rule: BranchNameRule, message: string) => out.push({ rule, message });

  if (name.startsWith('refs/')) {
    const hint = name.startsWith('refs/heads/') ? `: write "${name.slice('refs/heads/'.length)}"` : '';
    add('full-ref', `must be a branch name, not a full ref starting with "refs/"${hint}`);
  }
  const control = [...name].find((ch) => {
    const c = ch.codePointAt(0) ?? 0;
    return c < 0x20 || c === 0x7f;
  });
  if (control !== undefined) {
    add(
      'control-character',
      `contains the control character ${codePoint(control)}: ${RULES} forbids ASCII control characters`,
    );
  }
  if (name.includes(' ')) add('space', `contains a space: ${RULES} forbids spaces`);
  const revision = [...name].find((ch) => '~^:'.includes(ch));
  if (revision !== undefined) {
    add('revision-syntax', `contains "${revision}": ${RULES} forbids "~", "^" and ":" (they are revision syntax)`);
  }
  const glob = [...name].find((ch) => '?*['.includes(ch));
  if (glob !== undefined) {
    add('glob-character', `contains "${glob}": ${RULES} forbids "?", "*" and "[" (they are glob characters)`);
  }
  if (name.includes('\\')) add('backslash', `contains "\\": ${RULES} forbids backslashes`);
  if (name.includes('..')) add('double-dot', `contains "..": ${RULES} forbids two dots in a row`);
  if (name.includes('@{')) add('reflog-syntax', `contains "@{": ${RULES} forbids it (it is reflog syntax)`);
  if (name.startsWith('/')) add('leading-slash', `starts with "/": ${RULES} forbids it`);
  if (name.endsWith('/')) add('trailing-slash', `ends with "/": ${RULES} forbids it`);
  if (name.includes('//')) add('empty-component', `contains "//": ${RULES} forbids empty path components`);
  const components = name.split('/').filter((c) => c !== '');
  const dotted = components.find((c) => c.startsWith('.'));
  if (dotted !== undefined) {
    add('component-leading-dot', `path component "${dotted}" starts with ".": ${RULES} forbids that`);
  }
  const locked = components.find((c) => c.endsWith('.lock'));
  if (locked !== undefined) {
    add('component-lock-suffix', `path component "${locked}" ends with ".lock": ${RULES} forbids that`);
  }
  if (name.endsWith('.')) add('trailing-dot', `ends with ".": ${RULES} forbids it`);
  if (name.startsWith('-')) {
    add('leading-dash', `starts with "-": ${RULES} --branch forbids it (git would read it as an option)`);
  }
  if (name === 'HEAD') add('head', `is "HEAD": ${RULES} --branch forbids it (HEAD names the checked-out commit)`);
  const surrogate = loneSurrogate(name);
  if (surrogate !== undefined) {
    add(
      'lone-surrogate',
      `contains an unpaired surrogate ${codePoint(surrogate)}: a branch name must be text UTF-8 can encode`,
    );
  }
  return out;
}

/** Whether git accepts `name` as a branch name and this product takes it (see {@link branchNameViolations}). */
export function isValidBranchName(name: string): boolean {
  return branchNameViolations(name).length === 0;
}
