import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuildspec } from './run-buildspec';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const URI = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/**
 * Shims for ECR and Docker (neither can run here). State lives in files: `image` holds the digest of
 * <repository>:<commit> once it exists; `push` says what a push does (`ok`, `lose-race`, `fail`);
 * `describe` can make ECR answer with an error; `docker.log` records every docker call.
 */
const SHIMS = `
aws() {
  case "$1 $2" in
    "ecr get-login-password") echo token ;;
    "ecr describe-images")
      if [ -f "$STATE/describe" ]; then cat "$STATE/describe" >&2; return 254; fi
      if [[ " $* " == *" --filter "* ]]; then echo "previous-sha"; return 0; fi
      if [ -f "$STATE/image" ]; then cat "$STATE/image"; return 0; fi
      echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2; return 254 ;;
    *) return 2 ;;
  esac
}
docker() {
  echo "docker $*" >> "$STATE/docker.log"
  case "$1 $2" in
    "login --username") cat > /dev/null ;;
    "buildx create") ;;
    "buildx build")
      case "$(cat "$STATE/push")" in
        ok) echo "${DIGEST}" > "$STATE/image" ;;
        lose-race) echo "${DIGEST}" > "$STATE/image"; return 1 ;;
        *) return 1 ;;
      esac ;;
    *) return 2 ;;
  esac
}`;

function buildImage(state: { image?: boolean; push?: string; describeError?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'build-image-'));
  if (state.image) writeFileSync(join(dir, 'image'), `${DIGEST}\n`);
  writeFileSync(join(dir, 'push'), state.push ?? 'ok');
  if (state.describeError) writeFileSync(join(dir, 'describe'), state.describeError);
  const run = runBuildspec('build-image', ['pre_build', 'build'], {
    cwd: dir,
    shims: SHIMS,
    after: 'echo "EXPORT $IMAGE_URI $IMAGE_DIGEST"',
    env: { STATE: dir, ECR_REPOSITORY_URI: URI, COMMIT, APP_PATH: 'app', AWS_REGION: 'us-east-1' },
  });
  const log = existsSync(join(dir, 'docker.log')) ? readFileSync(join(dir, 'docker.log'), 'utf8') : '';
  return { run, builds: log.split('\n').filter((l) => l.startsWith('docker buildx build')) };
}

describe('build-image buildspec (real bash; ECR and Docker replaced by shims)', () => {
  test('builds once, tagged with the full commit, with the newest image as inline cache', () => {
    const { run, builds } = buildImage({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`EXPORT ${URI}:${COMMIT} ${DIGEST}`);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain(`--cache-from type=registry,ref=${URI}:previous-sha`);
    expect(builds[0]).toContain('--cache-to type=inline');
    expect(builds[0]).toContain(`--tag ${URI}:${COMMIT} --push`);
    expect(builds[0]).toContain(`--build-arg COMMIT_SHA=${COMMIT}`);
  });

  test('a commit already in ECR (immutable tags) is reused without building', () => {
    const { run, builds } = buildImage({ image: true });
    expect(run.status).toBe(0);
    expect(builds).toEqual([]);
    expect(run.stdout).toContain(`EXPORT ${URI}:${COMMIT} ${DIGEST}`);
  });

  test('losing a push race to another environment exports the winner’s digest', () => {
    const { run } = buildImage({ push: 'lose-race' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`EXPORT ${URI}:${COMMIT} ${DIGEST}`);
  });

  test('a failed build with no image fails the stage', () => {
    expect(buildImage({ push: 'fail' }).run.status).not.toBe(0);
  });

  test('an ECR error other than "not found" fails the stage before building', () => {
    const { run, builds } = buildImage({ describeError: 'An error occurred (AccessDeniedException)' });
    expect(run.status).not.toBe(0);
    expect(builds).toEqual([]);
    expect(run.stderr).toContain('AccessDeniedException');
  });
});
