import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describeWithTools } from '../support/real-tool';
import { TERRAFORM_DIR } from './terraform-workspace';

/** One rendered manifest, loosely typed: the tests assert the fields that matter. */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<
  string,
  any
>;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'apps/v1/Deployment': Deployment,
};

const CLUSTER = 'deploy-dev';
const REGION = 'eu-west-1';

/** `locals` of a Terraform file, merged. */
async function localsOf(file: string): Promise<Record<string, unknown>> {
  const path = join(TERRAFORM_DIR, file);
  const hcl = (await parse(path, readFileSync(path, 'utf8'))) as { locals?: Record<string, unknown>[] };
  return Object.assign({}, ...(hcl.locals ?? []));
}

async function variableDefault(file: string, name: string): Promise<unknown> {
  const path = join(TERRAFORM_DIR, file);
  const hcl = (await parse(path, readFileSync(path, 'utf8'))) as {
    variable?: Record<string, Array<{ default?: unknown }>>;
  };
  return hcl.variable?.[name]?.[0]?.default;
}

/**
 * Renders the eks module's template with Terraform itself (`templatefile` in a throw-away root with no
 * provider), with the service account the iam module's role trusts and the composition's defaults.
 */
function renderWithTerraform(vars: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-template-'));
  try {
    const template = join(TERRAFORM_DIR, 'modules', 'eks', 'cluster-autoscaler.yaml.tftpl');
    writeFileSync(
      join(dir, 'main.tf'),
      `output "manifest" {\n  value = templatefile(${JSON.stringify(template)}, ${JSON.stringify(vars)})\n}\n`,
    );
    const env = {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      TF_CLI_CONFIG_FILE: join(dir, 'none'),
      TF_IN_AUTOMATION: '1',
    };
    for (const args of [
      ['init', '-input=false', '-no-color'],
      ['apply', '-auto-approve', '-input=false', '-no-color'],
    ]) {
      const run = spawnSync('terraform', [`-chdir=${dir}`, ...args], { encoding: 'utf8', env, timeout: 60_000 });
      if (run.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${run.stdout}\n${run.stderr}`);
    }
    const output = spawnSync('terraform', [`-chdir=${dir}`, 'output', '-raw', 'manifest'], { encoding: 'utf8', env });
    if (output.status !== 0) throw new Error(`terraform output failed:\n${output.stderr}`);
    return output.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithTools(
  ['terraform'],
  'Cluster Autoscaler manifest (rendered by terraform, checked against Kubernetes schemas)',
  () => {
    let manifests: Manifest[];
    let namespace: string;
    let serviceAccount: string;
    let kubernetesVersion: string;

    beforeAll(async () => {
      const iam = await localsOf('modules/iam/main.tf');
      namespace = String(iam.cluster_autoscaler_namespace);
      serviceAccount = String(iam.cluster_autoscaler_service_account);
      kubernetesVersion = String(await variableDefault('modules/environment/variables.tf', 'kubernetes_version'));
      const version = String(await variableDefault('modules/environment/variables.tf', 'cluster_autoscaler_version'));
      const rendered = renderWithTerraform({
        cluster_name: CLUSTER,
        region: REGION,
        namespace,
        service_account: serviceAccount,
        image: `registry.k8s.io/autoscaling/cluster-autoscaler:v${version}`,
      });
      manifests = parseAllDocuments(rendered)
        .map((doc) => {
          if (doc.errors.length > 0) throw new Error(`the template renders invalid YAML: ${doc.errors[0]?.message}`);
          return doc.toJS() as Manifest | null;
        })
        .filter((m): m is Manifest => m !== null);
      // terraform init + apply of an empty root take ~1-2 s; the margin covers a loaded machine.
    }, 60_000);

    const only = (kind: string): Manifest => {
      const found = manifests.filter((m) => m.kind === kind);
      if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
      return found[0] as Manifest;
    };

    it('renders exactly the autoscaler’s objects, each valid against its Kubernetes schema', () => {
      expect(manifests.map((m) => m.kind).sort()).toEqual(
        ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Role', 'RoleBinding', 'ServiceAccount'].sort(),
      );
      for (const manifest of manifests) {
        const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
        if (Model === undefined) throw new Error(`no schema model for ${manifest.apiVersion} ${manifest.kind}`);
        new Model(manifest as never).validate();
      }
    });

    it('runs as the service account the autoscaler’s IAM role trusts (EKS Pod Identity)', () => {
      expect(namespace).toBe('kube-system');
      expect(only('ServiceAccount').metadata).toMatchObject({ name: serviceAccount, namespace });
      const pod = only('Deployment').spec.template.spec;
      expect(pod.serviceAccountName).toBe(serviceAccount);
      for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
        expect(only(kind).subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount, namespace }]);
      }
    });

    it('discovers only this cluster’s node groups, in its region, with a release built for its minor', () => {
      const [container] = only('Deployment').spec.template.spec.containers;
      expect(container.command).toEqual(
        expect.arrayContaining([
          './cluster-autoscaler',
          '--cloud-provider=aws',
          `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${CLUSTER}`,
        ]),
      );
      expect(container.env).toEqual([{ name: 'AWS_REGION', value: REGION }]);
      expect(container.image).toMatch(
        new RegExp(
          `^registry\\.k8s\\.io/autoscaling/cluster-autoscaler:v${kubernetesVersion.replace('.', '\\.')}\\.\\d+$`,
        ),
      );
    });

    it('runs unprivileged', () => {
      const pod = only('Deployment').spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    });

    it('may change nodes and evict pods, but not write workloads or read secrets', () => {
      const rules = only('ClusterRole').rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
      const writes = rules.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)));
      expect(writes.flatMap((r) => r.resources).sort()).toEqual(
        ['endpoints', 'endpoints', 'events', 'leases', 'leases', 'nodes', 'pods/eviction', 'pods/status'].sort(),
      );
      expect(rules.flatMap((r) => r.resources)).not.toContain('secrets');
    });
  },
);
