import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, DIGEST, helm, type Manifest, only, render, validateManifest } from './render';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/sample-service-dev';
/** Exactly what the pipeline's helm upgrade passes besides the values file. */
const PIPELINE_SETS = ['image.repository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-service', `image.digest=${DIGEST}`];
const INGRESS_SETS = ['ingress.enabled=true', 'ingress.hosts[0].host=sample.example.com'];
/** values.yaml has no database host on purpose; renders without an environment file add one. */
const HOST_SET = 'database.host=db.example.internal';

const valuesOf = (file: string) => parse(readFileSync(join(CHART_DIR, file), 'utf8'));

describe('helm lint --strict', () => {
  it.each([[[]], [['-f', join(CHART_DIR, 'values-dev.yaml')]], [['-f', join(CHART_DIR, 'values-prod.yaml')]]])(
    'passes with %j',
    (args) => {
      const host = args.length === 0 ? ['--set', HOST_SET] : [];
      const result = helm('lint', [...args, ...host, '--set', `image.digest=${DIGEST}`]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.status).toBe(0);
    },
  );
});

describe.each(['values-dev.yaml', 'values-prod.yaml'])('helm template with %s', (file) => {
  const env = valuesOf(file);
  const manifests = render([file], PIPELINE_SETS);
  const withIngress = render([file], [...PIPELINE_SETS, ...INGRESS_SETS]);
  const deployment = only(manifests, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('renders exactly the expected kinds, each valid against the Kubernetes schema', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    expect(withIngress.map((m) => m.kind)).toContain('Ingress');
    for (const manifest of [...manifests, ...withIngress]) expect(() => validateManifest(manifest)).not.toThrow();
  });

  it('runs the image by digest, which wins over any tag', () => {
    expect(container.image).toBe(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-service@${DIGEST}`);
    const withTag = only(render([file], [...PIPELINE_SETS, 'image.tag=v9']), 'Deployment');
    expect(withTag.spec.template.spec.containers[0].image).toMatch(/@sha256:[a-f0-9]{64}$/);
  });

  it('probes /health for startup and liveness and /ready for readiness', () => {
    expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  it('locks the pod down: non-root, read-only root, no privilege escalation, no capabilities, seccomp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // The only writable path is an emptyDir on /tmp.
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: expect.any(String) } }]);
  });

  it("sets this environment's resources and env settings", () => {
    expect(container.resources).toEqual(env.resources);
    const plain = Object.fromEntries(
      container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: Manifest) => [e.name, e.value]),
    );
    expect(plain).toMatchObject(env.env);
    expect(plain).toMatchObject({ PORT: '8080', PGHOST: env.database.host });
    expect(env.database.host).toMatch(/^[a-z0-9-]+\.[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com$/);
  });

  it('reads the database credentials from the existing Secret, never from values', () => {
    const fromSecret = container.env.filter((e: Manifest) => e.valueFrom !== undefined);
    expect(fromSecret).toEqual([
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'sample-service-db', key: 'username' } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'sample-service-db', key: 'password' } } },
    ]);
    expect(container.env.find((e: Manifest) => e.name === 'PGPASSWORD').value).toBeUndefined();
  });

  it('gives the app its drain time: grace period = preStop sleep + SHUTDOWN_DRAIN_SECONDS + margin', () => {
    const sleep = container.lifecycle.preStop.sleep.seconds;
    const drain = Number(container.env.find((e: Manifest) => e.name === 'SHUTDOWN_DRAIN_SECONDS').value);
    // The AWS Load Balancer Controller needs 10-15 s to take a target out of the ALB.
    expect(sleep).toBeGreaterThanOrEqual(15);
    expect(pod.terminationGracePeriodSeconds).toBe(sleep + drain + 5);
  });

  it('keeps the ALB draining a target until the app drained it, within the grace period', () => {
    const sleep = container.lifecycle.preStop.sleep.seconds;
    const drain = Number(container.env.find((e: Manifest) => e.name === 'SHUTDOWN_DRAIN_SECONDS').value);
    const attributes = only(withIngress, 'Ingress').metadata.annotations?.[
      'alb.ingress.kubernetes.io/target-group-attributes'
    ];
    expect(attributes).toBe(`deregistration_delay.timeout_seconds=${sleep + drain}`);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + drain);
  });

  it('spreads replicas across availability zones', () => {
    expect(pod.topologySpreadConstraints).toEqual([
      {
        topologyKey: 'topology.kubernetes.io/zone',
        maxSkew: 1,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
  });

  it("autoscales on CPU between this environment's bounds, and leaves replicas to the HPA", () => {
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBe(env.autoscaling.minReplicas);
    expect(hpa.spec.maxReplicas).toBe(env.autoscaling.maxReplicas);
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    expect(deployment.spec.replicas).toBeUndefined();
  });

  it('uses replicaCount when autoscaling is off', () => {
    const fixed = render([file], [...PIPELINE_SETS, 'autoscaling.enabled=false']);
    expect(only(fixed, 'Deployment').spec.replicas).toBe(env.replicaCount);
    expect(fixed.some((m) => m.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  it('keeps voluntary disruptions to one pod at a time', () => {
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  it('runs the pod under its ServiceAccount, annotated for IRSA only when a role is given', () => {
    const account = only(manifests, 'ServiceAccount');
    // The app calls no AWS API, so the pipeline's render needs no role.
    expect(account.metadata.annotations).toBeUndefined();
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    const withRole = only(render([file], [...PIPELINE_SETS, `serviceAccount.roleArn=${ROLE_ARN}`]), 'ServiceAccount');
    expect(withRole.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ROLE_ARN });
  });

  it('exposes the Service through an ALB Ingress that health-checks /ready', () => {
    const service = only(withIngress, 'Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const ingress = only(withIngress, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/ready',
    });
    expect(ingress.spec.rules[0].http.paths[1]).toEqual({
      path: '/',
      pathType: 'Prefix',
      backend: { service: { name: service.metadata.name, port: { name: 'http' } } },
    });
  });

  it('answers /metrics at the ALB with a 404, ahead of the route to the Service', () => {
    const ingress = only(withIngress, 'Ingress');
    const [first] = ingress.spec.rules[0].http.paths;
    expect(first).toEqual({
      path: '/metrics',
      pathType: 'Exact',
      backend: { service: { name: 'block-metrics', port: { name: 'use-annotation' } } },
    });
    const action = JSON.parse(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/actions.block-metrics'] ?? '');
    expect(action).toEqual({
      type: 'fixed-response',
      fixedResponseConfig: { contentType: 'text/plain', statusCode: '404' },
    });
  });

  it('serves plain HTTP without a certificate, so no TLS policy', () => {
    const annotations = only(withIngress, 'Ingress').metadata.annotations ?? {};
    expect(annotations['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP": 80}]');
    expect(annotations['alb.ingress.kubernetes.io/ssl-policy']).toBeUndefined();
  });
});

describe('helm template options', () => {
  it('falls back to repository:appVersion without a digest', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'));
    const deployment = only(render([], [HOST_SET]), 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(`sample-service:${chart.appVersion}`);
  });

  it('adds HTTPS with an ACM certificate and keeps user annotations', () => {
    const ingress = only(
      render(
        [],
        [
          HOST_SET,
          ...INGRESS_SETS,
          'ingress.certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c',
          'ingress.groupName=shared-alb',
          'ingress.annotations.alb\\.ingress\\.kubernetes\\.io/scheme=internal',
        ],
      ),
      'Ingress',
    );
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/certificate-arn': 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'alb.ingress.kubernetes.io/group.name': 'shared-alb',
      'alb.ingress.kubernetes.io/scheme': 'internal',
    });
  });

  it('accepts an explicit grace period that covers preStop and drain', () => {
    const deployment = only(render([], [HOST_SET, 'shutdown.terminationGracePeriodSeconds=120']), 'Deployment');
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  it('omits the ServiceAccount when told to use an existing one', () => {
    const manifests = render([], [HOST_SET, 'serviceAccount.create=false', 'serviceAccount.name=shared']);
    expect(manifests.some((m) => m.kind === 'ServiceAccount')).toBe(false);
    expect(only(manifests, 'Deployment').spec.template.spec.serviceAccountName).toBe('shared');
  });

  it('mounts a CA bundle ConfigMap read-only and points PGSSLROOTCERT at it for verified TLS', () => {
    const manifests = render(
      ['values-prod.yaml'],
      [...PIPELINE_SETS, 'database.sslMode=verify-full', 'database.caBundle.configMapName=rds-ca-bundle'],
    );
    const deployment = only(manifests, 'Deployment');
    expect(() => validateManifest(deployment)).not.toThrow();
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries(container.env.map((e: Manifest) => [e.name, e.value]));
    expect(env).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ssl/database/global-bundle.pem' });
    expect(container.volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/ssl/database', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'database-ca',
      configMap: { name: 'rds-ca-bundle', items: [{ key: 'global-bundle.pem', path: 'global-bundle.pem' }] },
    });
  });
});
