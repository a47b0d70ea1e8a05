import { DIGEST, helm } from './render';

const setArgs = (sets: readonly string[]) => sets.flatMap((s) => ['--set', s]);

/** Schema violations: `helm template` and `helm lint --strict` must both refuse them. */
function schemaRejects(sets: readonly string[]): { template: string; lint: string } {
  const template = helm('template', setArgs(sets));
  const lint = helm('lint', setArgs(sets));
  expect(template.status).not.toBe(0);
  expect(lint.status).not.toBe(0);
  return { template: template.stderr, lint: `${lint.stdout}${lint.stderr}` };
}

/**
 * Cross-field rules JSON Schema cannot express live in the templates as `fail`. `helm lint` renders
 * leniently and only logs them, so `helm template` (like the pipeline's `helm upgrade`) is the check.
 */
function templateRejects(sets: readonly string[]): string {
  const template = helm('template', setArgs(sets));
  expect(template.status).not.toBe(0);
  return template.stderr;
}

describe('values.schema.json and template checks reject bad values', () => {
  it.each([
    ['negative replicas', ['replicaCount=-1'], "at '/replicaCount': minimum: got -1, want 1"],
    ['zero replicas', ['replicaCount=0'], "at '/replicaCount': minimum: got 0, want 1"],
    ['replicas as a string', ['replicaCount=two'], "at '/replicaCount': got string, want integer"],
    ['missing image repository', ['image.repository=null'], "missing property 'repository'"],
    ['empty image repository', ['image.repository='], "at '/image/repository': minLength: got 0, want 1"],
    ['repository with a tag', ['image.repository=repo:latest'], "at '/image/repository': 'repo:latest' does not match"],
    ['digest without algorithm', [`image.digest=${DIGEST.slice(7)}`], "at '/image/digest'"],
    ['short digest', ['image.digest=sha256:abc123'], "at '/image/digest': 'sha256:abc123' does not match"],
    ['upper-case digest', [`image.digest=${DIGEST.toUpperCase()}`], "at '/image/digest'"],
    ['malformed IRSA role ARN', ['serviceAccount.roleArn=my-role'], "at '/serviceAccount/roleArn'"],
    ['negative drain', ['shutdown.drainSeconds=-5'], "at '/shutdown/drainSeconds': minimum: got -5, want 0"],
    ['an env name that is not a variable name', ['env.log-level=debug'], "invalid propertyName 'log-level'"],
    ['overriding a variable the chart manages', ['env.PGPASSWORD=plain'], "invalid propertyName 'PGPASSWORD'"],
    ['empty secret name', ['database.existingSecret.name='], "at '/database/existingSecret/name'"],
  ])('rejects %s', (_case, sets, message) => {
    const { template, lint } = schemaRejects(sets);
    expect(template).toContain(message);
    expect(lint).toContain(message);
  });

  it('rejects a grace period shorter than preStop sleep + drain + margin', () => {
    const template = templateRejects(['shutdown.terminationGracePeriodSeconds=20']);
    expect(template).toContain(
      'shutdown.terminationGracePeriodSeconds (20) must be at least preStopSleepSeconds + drainSeconds + 5 = 35',
    );
  });

  it('rejects minReplicas above maxReplicas', () => {
    const template = templateRejects(['autoscaling.minReplicas=8', 'autoscaling.maxReplicas=4']);
    expect(template).toContain('autoscaling.minReplicas (8) must not exceed autoscaling.maxReplicas (4)');
  });

  it('rejects an enabled Ingress without hosts', () => {
    const template = templateRejects(['ingress.enabled=true']);
    expect(template).toContain('ingress.hosts needs at least one host when ingress.enabled is true');
  });
});
