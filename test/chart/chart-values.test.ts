import { DIGEST, helm } from './render';

/** The chart's defaults plus the one value they lack on purpose: values-<env>.yaml sets it. */
const BASE = ['database.host=db.example.internal'];
const setArgs = (sets: readonly string[]) => [...BASE, ...sets].flatMap((s) => ['--set', s]);

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
    ['a misspelt top-level key', ['replicaCont=3'], "at '': additional properties 'replicaCont' not allowed"],
    ['a misspelt autoscaling key', ['autoscaling.enable=true'], "at '/autoscaling': additional properties 'enable'"],
    ['a misspelt probe field', ['probes.startup.periodSecond=3'], "at '/probes/startup': additional properties"],
    ['a probe field as a string', ['probes.liveness.periodSeconds=ten'], "at '/probes/liveness/periodSeconds'"],
    ['a zero probe period', ['probes.readiness.periodSeconds=0'], "at '/probes/readiness/periodSeconds': minimum"],
    ['a missing probe', ['probes.startup=null'], "at '/probes': missing property 'startup'"],
    ['libpq spelling of sslMode', ['database.sslmode=require'], "at '/database': additional properties 'sslmode'"],
    ['an unknown sslMode', ['database.sslMode=prefer'], "at '/database/sslMode'"],
    ['an empty database host', ['database.host='], "at '/database/host': minLength: got 0, want 1"],
    ['a database host with a scheme', ['database.host=postgres://db'], "at '/database/host'"],
    ['a misspelt ingress key', ['ingress.enable=true'], "at '/ingress': additional properties 'enable'"],
    ['a zero preStop sleep (the API server refuses it)', ['shutdown.preStopSleepSeconds=0'], 'minimum: got 0, want 1'],
    ['setting PGSSLROOTCERT by hand', ['env.PGSSLROOTCERT=/x.pem'], "invalid propertyName 'PGSSLROOTCERT'"],
  ])('rejects %s', (_case, sets, message) => {
    const { template, lint } = schemaRejects(sets);
    expect(template).toContain(message);
    expect(lint).toContain(message);
  });

  it('rejects a grace period shorter than preStop sleep + drain + margin', () => {
    const template = templateRejects(['shutdown.terminationGracePeriodSeconds=20']);
    expect(template).toContain(
      'shutdown.terminationGracePeriodSeconds (20) must be at least preStopSleepSeconds + drainSeconds + 5 = 40',
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

  it('rejects a render without database.host: there is no default host to fall back to', () => {
    const template = helm('template', []);
    expect(template.status).not.toBe(0);
    expect(template.stderr).toContain("at '/database': missing property 'host'");
  });

  it('rejects a CA bundle with an sslMode that would not use it', () => {
    const template = templateRejects(['database.caBundle.configMapName=rds-ca']);
    expect(template).toContain(
      'database.caBundle.configMapName needs database.sslMode verify-ca or verify-full (got require)',
    );
  });
});
