import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, stagesOf, unpinnedReason } from './support/dockerfile';

const APP_DIR = join(__dirname, '..');

describe('Dockerfile parser', () => {
  it('joins continuations, skips comments (also inside a continuation) and upper-cases keywords', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'from node:22.12.0 as build',
        'RUN a \\',
        '  # note',
        '  && b',
        '',
        'user 1000',
      ].join('\n'),
    );
    expect(parsed).toEqual([
      { keyword: 'FROM', args: 'node:22.12.0 as build', line: 2 },
      { keyword: 'RUN', args: 'a && b', line: 3 },
      { keyword: 'USER', args: '1000', line: 7 },
    ]);
  });

  it('honours the escape directive', () => {
    expect(parseDockerfile('# escape=`\nRUN a `\n b')).toEqual([{ keyword: 'RUN', args: 'a b', line: 2 }]);
  });

  it('rejects a continuation that never ends', () => {
    expect(() => parseDockerfile('RUN a \\')).toThrow('line 1: continuation runs past the end of the file');
  });

  it('splits stages and reads --platform and AS', () => {
    const stages = stagesOf(
      parseDockerfile('ARG X=1\nFROM --platform=linux/arm64 a:1.2.3 AS one\nRUN x\nFROM one\nUSER 1'),
    );
    expect(stages.map((s) => s.from)).toEqual([
      { image: 'a:1.2.3', name: 'one', line: 2 },
      { image: 'one', line: 4 },
    ]);
    expect(stages[1]?.instructions.map((i) => i.keyword)).toEqual(['USER']);
  });

  it.each([
    ['node', 'node has no tag (implicitly latest)'],
    ['node:latest', 'node:latest uses latest'],
    ['node:22-bookworm-slim', 'node:22-bookworm-slim tag 22-bookworm-slim is not an exact version'],
    ['$BASE', '$BASE is built from a variable; write the pinned reference'],
    ['node:22.12.0-bookworm-slim', undefined],
    [`node@sha256:${'a'.repeat(64)}`, undefined],
    [`registry:5000/node:22.12.0@sha256:${'b'.repeat(64)}`, undefined],
  ])('judges %s pinned or not', (image, reason) => {
    expect(unpinnedReason(image)).toBe(reason);
  });
});

describe('app/Dockerfile', () => {
  const instructions = parseDockerfile(readFileSync(join(APP_DIR, 'Dockerfile'), 'utf8'));
  const stages = stagesOf(instructions);
  const final = stages.at(-1);
  if (final === undefined) throw new Error('Dockerfile has no FROM');
  const stageNames = new Set(stages.map((s) => s.from.name).filter(Boolean));
  const runs = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('is multi-stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('pins every base image (exact version or digest, never latest)', () => {
    const images = stages.map((s) => s.from.image).filter((image) => !stageNames.has(image));
    expect(images.length).toBeGreaterThan(0);
    expect(images.map((image) => [image, unpinnedReason(image)])).toEqual(images.map((image) => [image, undefined]));
  });

  it('runs the final stage as a numeric non-root user', () => {
    const user = runs('USER').at(-1);
    expect(user).toBeDefined();
    const [uid] = (user ?? '').split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
  });

  it('never ADDs from a URL', () => {
    const adds = instructions.filter((i) => i.keyword === 'ADD');
    expect(adds.filter((i) => /(^|\s)(https?|git@|git:)/i.test(i.args))).toEqual([]);
  });

  it('installs only production dependencies, from the lockfile, in the final stage', () => {
    expect(runs('RUN').some((r) => /\bnpm ci\b.*--omit=dev\b/.test(r))).toBe(true);
    expect(runs('RUN').some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    expect(runs('COPY')).toContain('package.json package-lock.json ./');
  });

  it('bakes COMMIT_SHA and BUILD_TIME in for /version', () => {
    expect(runs('ARG')).toEqual(expect.arrayContaining(['COMMIT_SHA=unknown', 'BUILD_TIME=unknown']));
    const env = runs('ENV').join(' ');
    expect(env).toMatch(/\bCOMMIT_SHA=\$\{COMMIT_SHA\}/);
    expect(env).toMatch(/\bBUILD_TIME=\$\{BUILD_TIME\}/);
  });

  it('declares no secret-looking ARG or ENV', () => {
    const names = instructions
      .filter((i) => i.keyword === 'ARG' || i.keyword === 'ENV')
      .flatMap((i) => i.args.split(/\s+/).map((w) => w.split('=')[0] ?? ''));
    expect(names.filter((n) => /PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE/i.test(n))).toEqual([]);
  });

  it('starts node directly in exec form, so SIGTERM reaches the app', () => {
    expect(runs('CMD').at(-1)).toBe('["node", "dist/server.js"]');
  });

  it('keeps what the build needs in the context (.dockerignore)', () => {
    const ignored = readFileSync(join(APP_DIR, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'migrations']) {
      expect(ignored).not.toContain(needed);
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'test', '.env']));
  });
});
