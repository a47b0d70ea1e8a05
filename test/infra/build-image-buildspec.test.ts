import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { readBuildspec, recordingStub, runBuildspec, runStageScript } from './run-buildspec';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const URI = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/**
 * Shims for ECR and Docker (neither can run here), exported to the build-image script the buildspec
 * runs. State lives in files: `image` holds the digest of <repository>:<commit> once it exists;
 * `push` says what a push does (`ok`, `lose-race`, `fail`); `describe` can make ECR answer with an
 * error; `docker.log` records every docker call.
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

/** The service's own Dockerfile, as the build sees it under APP_PATH. */
const APP_DOCKERFILE = readFileSync(join(__dirname, '..', '..', 'app', 'Dockerfile'), 'utf8');

function buildImage(state: {
  image?: boolean;
  push?: string;
  describeError?: string;
  dockerfile?: string;
  env?: Record<string, string>;
}) {
  const dir = mkdtempSync(join(tmpdir(), 'build-image-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'Dockerfile'), state.dockerfile ?? APP_DOCKERFILE);
  if (state.image) writeFileSync(join(dir, 'image'), `${DIGEST}\n`);
  writeFileSync(join(dir, 'push'), state.push ?? 'ok');
  if (state.describeError) writeFileSync(join(dir, 'describe'), state.describeError);
  const run = runBuildspec('build-image', ['pre_build', 'build'], {
    cwd: dir,
    shims: SHIMS,
    after: 'echo "EXPORT $IMAGE_URI $IMAGE_DIGEST"',
    env: { STATE: dir, ECR_REPOSITORY_URI: URI, COMMIT, APP_PATH: 'app', AWS_REGION: 'us-east-1', ...state.env },
  });
  const log = existsSync(join(dir, 'docker.log')) ? readFileSync(join(dir, 'docker.log'), 'utf8') : '';
  const lines = log.split('\n');
  return {
    run,
    builds: lines.filter((l) => l.startsWith('docker buildx build')),
    creates: lines.filter((l) => l.startsWith('docker buildx create')),
  };
}

describe('build-image buildspec (real bash; ECR and Docker replaced by shims)', () => {
  test('builds once, tagged with the full commit, with the newest image as inline cache', () => {
    const { run, builds } = buildImage({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`EXPORT ${URI}@${DIGEST} ${DIGEST}`);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain(`--cache-from type=registry,ref=${URI}:previous-sha`);
    expect(builds[0]).toContain('--cache-to type=inline');
    expect(builds[0]).toContain(`--tag ${URI}:${COMMIT} --push`);
    expect(builds[0]).toContain(`--build-arg COMMIT_SHA=${COMMIT}`);
    // Exported (not just set), and what lib/contracts/stage-outputs.ts declares.
    expect(parseStageOutputs('BuildImage', run.exported)).toEqual({
      IMAGE_URI: `${URI}@${DIGEST}`,
      IMAGE_DIGEST: DIGEST,
    });
  });

  test('nothing comes from Docker Hub: the base image from ECR Public, BuildKit from BUILDKIT_IMAGE', () => {
    const { run, builds, creates } = buildImage({});
    expect(run.status).toBe(0);
    // app/Dockerfile: FROM node:22.12.0-bookworm-slim (twice), served from ECR Public's copy.
    const base = 'node:22.12.0-bookworm-slim';
    expect(builds[0]).toContain(`--build-context ${base}=docker-image://public.ecr.aws/docker/library/${base} `);
    expect(builds[0]?.match(/--build-context/g)).toHaveLength(1);
    const { variables } = readBuildspec('build-image').env ?? {};
    expect(variables).toMatchObject({ BUILDKIT_IMAGE: expect.stringMatching(/^public\.ecr\.aws\/.*moby\/buildkit:/) });
    expect(creates).toEqual([
      `docker buildx create --use --driver docker-container --driver-opt image=${variables?.BUILDKIT_IMAGE}`,
    ]);
  });

  test('only Docker Official Images are redirected: not stages, other registries or namespaces, scratch or ARGs', () => {
    const dockerfile = [
      '# FROM ubuntu:24.04 in a comment',
      'ARG BASE=node:22',
      'FROM node:22.12.0-bookworm-slim AS build',
      'FROM --platform=linux/amd64 docker.io/library/alpine:3.20 AS tools',
      'FROM $BASE AS from-arg',
      'FROM gcr.io/distroless/nodejs22-debian12 AS distroless',
      'FROM bitnami/kubectl:1.32 AS kubectl',
      'from BUILD as test',
      `FROM node:22.12.0-bookworm-slim@sha256:${'e'.repeat(64)}`,
      'FROM node:22.12.0-bookworm-slim AS runtime',
      'FROM scratch',
    ].join('\n');
    const { run, builds } = buildImage({ dockerfile });
    expect(run.status).toBe(0);
    const contexts = [...(builds[0] ?? '').matchAll(/--build-context (\S+)/g)].map((m) => m[1]);
    expect(contexts).toEqual([
      'node:22.12.0-bookworm-slim=docker-image://public.ecr.aws/docker/library/node:22.12.0-bookworm-slim',
      'alpine:3.20=docker-image://public.ecr.aws/docker/library/alpine:3.20',
      `node:22.12.0-bookworm-slim@sha256:${'e'.repeat(64)}=docker-image://public.ecr.aws/docker/library/node:22.12.0-bookworm-slim@sha256:${'e'.repeat(64)}`,
    ]);
  });

  test('a project can point BASE_IMAGE_MIRROR and BUILDKIT_IMAGE at its own registry', () => {
    const mirror = '123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library';
    const { builds, creates } = buildImage({
      env: { BASE_IMAGE_MIRROR: mirror, BUILDKIT_IMAGE: 'registry.example/buildkit:v0' },
    });
    expect(builds[0]).toContain(`=docker-image://${mirror}/node:22.12.0-bookworm-slim`);
    expect(creates[0]).toContain('--driver-opt image=registry.example/buildkit:v0');
  });

  test('a commit already in ECR (immutable tags) is reused without building', () => {
    const { run, builds } = buildImage({ image: true });
    expect(run.status).toBe(0);
    expect(builds).toEqual([]);
    expect(run.stdout).toContain(`EXPORT ${URI}@${DIGEST} ${DIGEST}`);
    expect(run.exported).toEqual({ IMAGE_URI: `${URI}@${DIGEST}`, IMAGE_DIGEST: DIGEST });
  });

  test('losing a push race to another environment exports the winner’s digest', () => {
    const { run } = buildImage({ push: 'lose-race' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`EXPORT ${URI}@${DIGEST} ${DIGEST}`);
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

/**
 * Who creates the repository (lib/stages/scripts/build-image.sh, "Who creates the repository"): the
 * environment's Terraform. The script never creates it; on a first push it defers the build to after
 * TerraformApply when told to, and otherwise fails naming the repository. The AWS CLI and Docker are
 * executables that record their exact arguments.
 */
describe('build-image script when the ECR repository does not exist yet (first push)', () => {
  const NOT_FOUND =
    "echo \"An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'sample-service' does not exist in the registry with id '123456789012'\" >&2; exit 254";

  function firstPush(env: Record<string, string> = {}) {
    const cwd = mkdtempSync(join(tmpdir(), 'build-image-first-'));
    mkdirSync(join(cwd, 'app'));
    writeFileSync(join(cwd, 'app', 'Dockerfile'), APP_DOCKERFILE);
    const { variables } = readBuildspec('build-image').env ?? {};
    return runStageScript('build-image.sh', {
      cwd,
      stubs: { aws: recordingStub(NOT_FOUND), docker: recordingStub('exit 1') },
      env: { ...variables, ECR_REPOSITORY_URI: URI, COMMIT, APP_PATH: 'app', AWS_REGION: 'us-east-1', ...env },
    });
  }

  test('with ON_MISSING_REPOSITORY=defer (Verify): succeeds with IMAGE_DEFERRED, builds and creates nothing', () => {
    const { run, outputs, calls } = firstPush({ ON_MISSING_REPOSITORY: 'defer' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(outputs).toEqual({ IMAGE_DEFERRED: 'true' });
    expect(run.stdout).toContain('building after TerraformApply creates it');
    // One read-only call, exactly: no create-repository, no login, no docker at all.
    expect(calls).toEqual([
      [
        'aws',
        'ecr',
        'describe-images',
        '--repository-name',
        'sample-service',
        '--image-ids',
        `imageTag=${COMMIT}`,
        '--query',
        'imageDetails[0].imageDigest',
        '--output',
        'text',
      ],
    ]);
  });

  test('by default (after TerraformApply) a missing repository fails, naming it and its owner', () => {
    const { run, outputs, calls } = firstPush();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "ECR repository sample-service does not exist: the environment's Terraform creates it (module ecr)",
    );
    expect(outputs).toEqual({});
    expect(calls.map((c) => c.slice(0, 3))).toEqual([['aws', 'ecr', 'describe-images']]);
  });

  test('an unknown ON_MISSING_REPOSITORY is refused before any call', () => {
    const { run, calls } = firstPush({ ON_MISSING_REPOSITORY: 'create' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ON_MISSING_REPOSITORY must be fail or defer, not create');
    expect(calls).toEqual([]);
  });
});
