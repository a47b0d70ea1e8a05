import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { TERRAFORM_DIR } from './terraform-workspace';

type Hcl = Record<string, unknown>;

/** Files below `dir`, relative to it; ignores the `.terraform/` folder `terraform init` leaves behind. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === '.terraform') return [];
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

async function parseFile(path: string): Promise<Hcl> {
  return (await parse(path, readFileSync(path, 'utf8'))) as Hcl;
}

/** Merges the blocks of every .tf file of one root, as Terraform does. */
async function parseRoot(root: string): Promise<Record<string, unknown[]>> {
  const dir = join(TERRAFORM_DIR, root);
  const merged: Record<string, unknown[]> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    for (const [key, value] of Object.entries(await parseFile(join(dir, file)))) {
      merged[key] = [...(merged[key] ?? []), value];
    }
  }
  return merged;
}

/** The one `terraform {}` block of a root. */
async function terraformBlock(root: string): Promise<Hcl> {
  const blocks = ((await parseRoot(root)).terraform ?? []).flat() as Hcl[];
  if (blocks.length !== 1) throw new Error(`${root} must have exactly one terraform block, found ${blocks.length}`);
  return blocks[0] as Hcl;
}

const ENVIRONMENTS = ['dev', 'prod'];
/** The building blocks, in the order the composition calls them (network -> IAM -> compute -> data -> observability). */
const LAYERS = ['vpc', 'iam', 'eks', 'ecr', 'rds', 'cloudwatch'];
/** Where dev, prod and any other environment are composed from the layers, once. */
const COMPOSITION = 'modules/environment';
const MODULES = [...LAYERS, 'environment'];
/** Roots the pipeline (or an operator) plans and applies; each commits its provider lock file. */
const APPLIED_ROOTS = [...ENVIRONMENTS.map((e) => `environments/${e}`), 'bootstrap', 'app-settings'];
/**
 * Variables the pipeline passes as TF_VAR_* (region: AWS_REGION or TF_VAR_region, the stack's); a value
 * in terraform.tfvars would silently override them.
 */
const PIPELINE_VARIABLES = ['pipeline_deploy_role_arn', 'permissions_boundary_arn', 'region'];
/** How hcl2json renders the expression `var.permissions_boundary_arn`. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation, not a JavaScript template
const BOUNDARY_REFERENCE = '${var.permissions_boundary_arn}';

/** `variable` blocks of a parsed root, keyed by name. */
function variablesOf(root: Record<string, unknown[]>): Record<string, Hcl> {
  const blocks = Object.assign({}, ...(root.variable ?? [])) as Record<string, Hcl[]>;
  return Object.fromEntries(Object.entries(blocks).map(([name, [body]]) => [name, body as Hcl]));
}

/** `resource "<type>"` blocks of a parsed root, keyed by resource name. */
function resourcesOf(root: Record<string, unknown[]>, type: string): Record<string, Hcl> {
  const byType = Object.assign({}, ...(root.resource ?? [])) as Record<string, Record<string, Hcl[]>>;
  return Object.fromEntries(Object.entries(byType[type] ?? {}).map(([name, [body]]) => [name, body as Hcl]));
}

/** How hcl2json renders the HCL expression `expression` in an argument. */
function ref(expression: string): string {
  return ['$', '{', expression, '}'].join('');
}

/** `output` blocks of a parsed root, keyed by name. */
function outputsOf(root: Record<string, unknown[]>): Record<string, Hcl> {
  const blocks = Object.assign({}, ...(root.output ?? [])) as Record<string, Hcl[]>;
  return Object.fromEntries(Object.entries(blocks).map(([name, [body]]) => [name, body as Hcl]));
}

/** `module` calls of a parsed root, keyed by name. */
function modulesOf(root: Record<string, unknown[]>): Record<string, Hcl> {
  const blocks = Object.assign({}, ...(root.module ?? [])) as Record<string, Hcl[]>;
  return Object.fromEntries(Object.entries(blocks).map(([name, [body]]) => [name, body as Hcl]));
}

/** `moved` blocks of a parsed root as `{ from, to }` expressions. */
function movesOf(root: Record<string, unknown[]>): Array<{ from: unknown; to: unknown }> {
  return (root.moved ?? []).flat() as Array<{ from: unknown; to: unknown }>;
}

describe('terraform layout', () => {
  it('dev and prod differ only in terraform.tfvars', () => {
    const [dev, prod] = ENVIRONMENTS.map((e) => join(TERRAFORM_DIR, 'environments', e));
    const devFiles = filesUnder(dev as string).sort();
    expect(filesUnder(prod as string).sort()).toEqual(devFiles);
    expect(devFiles).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'terraform.tfvars']));
    const differing = devFiles.filter(
      (f) => readFileSync(join(dev as string, f), 'utf8') !== readFileSync(join(prod as string, f), 'utf8'),
    );
    expect(differing).toEqual(['terraform.tfvars']);
  });

  it('the composition lives once: only modules/environment calls the layers, each environment root calls it', async () => {
    expect(Object.keys(modulesOf(await parseRoot(COMPOSITION))).sort()).toEqual([...LAYERS].sort());
    for (const env of ENVIRONMENTS) {
      const root = await parseRoot(`environments/${env}`);
      const calls = modulesOf(root);
      expect({ env, calls: Object.keys(calls), source: calls.environment?.source }).toEqual({
        env,
        calls: ['environment'],
        source: `../../${COMPOSITION}`,
      });
      // Nothing of its own: no resources, data sources or locals that could make environments drift apart.
      expect({ env, blocks: Object.keys(root).filter((k) => ['resource', 'data', 'locals'].includes(k)) }).toEqual({
        env,
        blocks: [],
      });
    }
  });

  it.each(ENVIRONMENTS)(
    'environments/%s passes every variable of the composition through unchanged, and only those',
    async (env) => {
      const root = await parseRoot(`environments/${env}`);
      const composition = variablesOf(await parseRoot(COMPOSITION));
      const own = variablesOf(root);
      // region configures this root's provider; everything else belongs to the composition.
      expect(
        Object.keys(own)
          .filter((v) => v !== 'region')
          .sort(),
      ).toEqual(Object.keys(composition).sort());
      const call = modulesOf(root).environment ?? {};
      const { source: _source, ...args } = call;
      expect(Object.keys(args).sort()).toEqual(Object.keys(composition).sort());
      for (const [name, value] of Object.entries(args)) {
        expect({ argument: name, value }).toEqual({ argument: name, value: ref(`var.${name}`) });
      }
      for (const [name, body] of Object.entries(composition)) {
        // A default lives in the composition only: the root's null means "the composition's default".
        const rootDefault = own[name] && 'default' in own[name] ? own[name].default : 'required';
        expect({ variable: name, rootDefault }).toEqual({
          variable: name,
          rootDefault: 'default' in body ? null : 'required',
        });
        if ('default' in body && body.default !== null) {
          expect({ variable: name, nullable: body.nullable }).toEqual({ variable: name, nullable: false });
        }
      }
    },
  );

  it.each(ENVIRONMENTS)(
    'environments/%s outputs only what the composition outputs, under the same name',
    async (env) => {
      const outputs = outputsOf(await parseRoot(`environments/${env}`));
      const composition = outputsOf(await parseRoot(COMPOSITION));
      const passed = Object.entries(outputs).filter(([name]) => name !== 'region');
      expect(passed.length).toBeGreaterThan(0);
      for (const [name, body] of passed) {
        expect({ output: name, value: body.value, known: name in composition }).toEqual({
          output: name,
          value: ref(`module.environment.${name}`),
          known: true,
        });
      }
    },
  );

  it.each(ENVIRONMENTS)('environments/%s declares every value its terraform.tfvars sets', async (env) => {
    // Terraform only warns about a tfvars value nobody declared, so a typo would silently be dropped.
    const tfvars = await parseFile(join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars'));
    const declared = variablesOf(await parseRoot(`environments/${env}`));
    expect(Object.keys(tfvars).filter((k) => !(k in declared))).toEqual([]);
  });

  it.each(ENVIRONMENTS)(
    'environments/%s moves the state of the modules it used to call into the composition',
    async (env) => {
      const moves = movesOf(await parseRoot(`environments/${env}`));
      for (const layer of LAYERS) {
        expect(moves).toContainEqual({ from: ref(`module.${layer}`), to: ref(`module.environment.module.${layer}`) });
      }
    },
  );

  it('tfvars size dev at 1-4 t3.medium (2) and prod at 2-8 t3.large (3) with a protected database', async () => {
    const read = (env: string) => parseFile(join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars'));
    const pick = (v: Hcl) => ({
      node_instance_types: v.node_instance_types,
      node_min_size: v.node_min_size,
      node_max_size: v.node_max_size,
      node_desired_size: v.node_desired_size,
      db_deletion_protection: v.db_deletion_protection,
      db_skip_final_snapshot: v.db_skip_final_snapshot,
    });
    expect(pick(await read('dev'))).toEqual({
      node_instance_types: ['t3.medium'],
      node_min_size: 1,
      node_max_size: 4,
      node_desired_size: 2,
      db_deletion_protection: false,
      db_skip_final_snapshot: true,
    });
    expect(pick(await read('prod'))).toEqual({
      node_instance_types: ['t3.large'],
      node_min_size: 2,
      node_max_size: 8,
      node_desired_size: 3,
      db_deletion_protection: true,
      db_skip_final_snapshot: false,
    });
  });

  it.each([
    ...MODULES.map((m) => `modules/${m}`),
    ...ENVIRONMENTS.map((e) => `environments/${e}`),
    'bootstrap',
    'app-settings',
  ])('%s pins terraform >= 1.10 and the hashicorp/aws provider', async (root) => {
    const block = await terraformBlock(root);
    expect(block.required_version).toBe('>= 1.10');
    const providers = (block.required_providers as Hcl[])[0] as Record<string, { source: string; version: string }>;
    expect(providers.aws?.source).toBe('hashicorp/aws');
    expect(providers.aws?.version).toMatch(/\S/);
  });

  it.each([...ENVIRONMENTS.map((e) => `environments/${e}`), 'app-settings'])(
    '%s keeps state in S3 with encryption and native locking, bucket and key given at init',
    async (root) => {
      const block = await terraformBlock(root);
      const backend = block.backend as Record<string, Hcl[]>;
      expect(Object.keys(backend)).toEqual(['s3']);
      const s3 = backend.s3?.[0];
      // Partial configuration: one state per environment comes from -backend-config; no DynamoDB lock table.
      expect(s3).toEqual({ encrypt: true, use_lockfile: true });
    },
  );

  it('bootstrap keeps local state (it creates the bucket)', async () => {
    const block = await terraformBlock('bootstrap');
    expect(block.backend).toBeUndefined();
  });

  it('the composition calls network -> IAM -> compute -> data, each module reading only earlier ones', async () => {
    const path = join(TERRAFORM_DIR, COMPOSITION, 'main.tf');
    const bodies = (await parseFile(path)).module as Record<string, Hcl[]>;
    // The parser sorts blocks by name, so the written order comes from the source text.
    const order = [...readFileSync(path, 'utf8').matchAll(/^module "([a-z_]+)"/gm)].map((m) => m[1] as string);
    expect(order).toEqual(LAYERS);
    for (const [index, name] of order.entries()) {
      const body = bodies[name];
      const referenced = new Set([...JSON.stringify(body).matchAll(/module\.([a-z_]+)/g)].map((m) => m[1]));
      const allowed = new Set(order.slice(0, index));
      expect({ module: name, later: [...referenced].filter((r) => !allowed.has(r as string)) }).toEqual({
        module: name,
        later: [],
      });
    }
  });

  it.each([...MODULES.map((m) => `modules/${m}`), ...APPLIED_ROOTS])(
    '%s gives every IAM role the permissions boundary the apply role requires',
    async (path) => {
      const root = await parseRoot(path);
      const roles = resourcesOf(root, 'aws_iam_role');
      for (const [name, body] of Object.entries(roles)) {
        expect({ role: name, permissions_boundary: body.permissions_boundary }).toEqual({
          role: name,
          permissions_boundary: BOUNDARY_REFERENCE,
        });
      }
      if (Object.keys(roles).length === 0) return;
      const variable = variablesOf(root).permissions_boundary_arn;
      expect(variable?.default).toBeNull();
      expect(JSON.stringify(variable?.validation)).toContain(':policy/');
    },
  );

  it('the IAM and VPC modules create roles (so the boundary check above is not vacuous)', async () => {
    for (const name of ['iam', 'vpc']) {
      expect(Object.keys(resourcesOf(await parseRoot(`modules/${name}`), 'aws_iam_role')).length).toBeGreaterThan(0);
    }
  });

  it('the composition passes permissions_boundary_arn to every module that takes it, and the environments to it', async () => {
    const composition = await parseRoot(COMPOSITION);
    expect(String(variablesOf(composition).permissions_boundary_arn?.description)).toContain(
      'TF_VAR_permissions_boundary_arn',
    );
    const takingIt: string[] = [];
    for (const [name, call] of Object.entries(modulesOf(composition))) {
      const moduleVariables = variablesOf(await parseRoot(join(COMPOSITION, String(call.source))));
      if (!('permissions_boundary_arn' in moduleVariables)) continue;
      takingIt.push(name);
      expect({ module: name, permissions_boundary_arn: call.permissions_boundary_arn }).toEqual({
        module: name,
        permissions_boundary_arn: BOUNDARY_REFERENCE,
      });
    }
    expect(takingIt.sort()).toEqual(['iam', 'vpc']);
    for (const env of ENVIRONMENTS) {
      const root = await parseRoot(`environments/${env}`);
      expect(String(variablesOf(root).permissions_boundary_arn?.description)).toContain(
        'TF_VAR_permissions_boundary_arn',
      );
      expect(modulesOf(root).environment?.permissions_boundary_arn).toBe(BOUNDARY_REFERENCE);
    }
  });

  it.each(ENVIRONMENTS)(
    'environments/%s leaves the TF_VAR_* values of the pipeline out of terraform.tfvars and requires the deploy role',
    async (env) => {
      const tfvars = await parseFile(join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars'));
      expect(PIPELINE_VARIABLES.filter((v) => v in tfvars)).toEqual([]);
      const deployRole = variablesOf(await parseRoot(`environments/${env}`)).pipeline_deploy_role_arn;
      expect(deployRole).toBeDefined();
      expect(deployRole && 'default' in deployRole).toBe(false);
      expect(deployRole?.validation).toHaveLength(1);
    },
  );

  it.each(APPLIED_ROOTS)('%s commits a provider lock file matching its hashicorp/aws constraint', async (root) => {
    const lockPath = join(TERRAFORM_DIR, root, '.terraform.lock.hcl');
    const lock = (await parseFile(lockPath)).provider as Record<string, Hcl[]>;
    expect(Object.keys(lock)).toEqual(['registry.terraform.io/hashicorp/aws']);
    const aws = lock['registry.terraform.io/hashicorp/aws']?.[0];
    const providers = ((await terraformBlock(root)).required_providers as Hcl[])[0] as Record<string, Hcl>;
    // Terraform records the constraint it resolved; a mismatch means the lock file is stale.
    expect(aws?.constraints).toBe(providers.aws?.version);
    expect(String(aws?.version)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(((aws?.hashes as string[] | undefined) ?? []).some((h) => h.startsWith('h1:'))).toBe(true);
  });

  // What the mocked `terraform test` runs cannot see: inline blocks and the lifecycle are read from the source.
  it('the database security group has exactly one managed rule and no inline rules', async () => {
    const rds = await parseRoot('modules/rds');
    expect(Object.keys(resourcesOf(rds, 'aws_vpc_security_group_ingress_rule'))).toEqual(['postgres_from_eks']);
    expect(resourcesOf(rds, 'aws_vpc_security_group_egress_rule')).toEqual({});
    expect(resourcesOf(rds, 'aws_security_group_rule')).toEqual({});
    const group = resourcesOf(rds, 'aws_security_group').this;
    expect(group).toBeDefined();
    expect(Object.keys(group ?? {}).filter((k) => k === 'ingress' || k === 'egress')).toEqual([]);
  });

  it('the database route table has no route and the default security group no rule', async () => {
    const vpc = await parseRoot('modules/vpc');
    const table = resourcesOf(vpc, 'aws_route_table').database;
    expect(table).toBeDefined();
    expect(table && 'route' in table).toBe(false);
    const routes = resourcesOf(vpc, 'aws_route');
    expect(Object.keys(routes).length).toBeGreaterThan(0);
    for (const [name, route] of Object.entries(routes)) {
      expect({ route: name, table: route.route_table_id }).toEqual({
        route: name,
        table: expect.not.stringContaining('aws_route_table.database'),
      });
    }
    const defaultGroup = resourcesOf(vpc, 'aws_default_security_group').this;
    expect(defaultGroup).toBeDefined();
    expect(Object.keys(defaultGroup ?? {}).filter((k) => k === 'ingress' || k === 'egress')).toEqual([]);
  });

  it('the final snapshot name is unique per instance and kept for its life', async () => {
    const instance = resourcesOf(await parseRoot('modules/rds'), 'aws_db_instance').this;
    expect(String(instance?.final_snapshot_identifier)).toContain('plantimestamp()');
    const lifecycle = (instance?.lifecycle as Hcl[] | undefined)?.[0];
    // Without it every plan would rename the snapshot of the running instance.
    expect(lifecycle?.ignore_changes).toContain(ref('final_snapshot_identifier'));
  });

  it('the storage alarm follows the allocated storage of the instance, not the initial variable', async () => {
    const output = outputsOf(await parseRoot('modules/rds')).allocated_storage_gib;
    expect(output?.value).toBe(ref('aws_db_instance.this.allocated_storage'));
    const cloudwatch = modulesOf(await parseRoot(COMPOSITION)).cloudwatch;
    expect(cloudwatch?.rds_allocated_storage_gib).toBe(ref('module.rds.allocated_storage_gib'));
  });

  it('the eks module creates the Container Insights log groups before the add-ons', async () => {
    const eks = await parseRoot('modules/eks');
    expect(resourcesOf(eks, 'aws_cloudwatch_log_group').container_insights).toBeDefined();
    expect(resourcesOf(eks, 'aws_eks_addon').this?.depends_on).toContain(
      ref('aws_cloudwatch_log_group.container_insights'),
    );
    // A second definition elsewhere would race the add-on again.
    expect(resourcesOf(await parseRoot('modules/cloudwatch'), 'aws_cloudwatch_log_group')).toEqual({});
  });

  it.each(ENVIRONMENTS)('environments/%s outputs deploy_network in the pipeline config shape', async (env) => {
    const output = outputsOf(await parseRoot(COMPOSITION)).deploy_network;
    expect(output?.value).toEqual({
      vpcId: ref('module.vpc.vpc_id'),
      subnetIds: ref('module.vpc.private_subnet_ids'),
      securityGroupIds: [ref('module.eks.deploy_security_group_id')],
    });
    expect(outputsOf(await parseRoot(`environments/${env}`)).deploy_network?.value).toBe(
      ref('module.environment.deploy_network'),
    );
  });

  it.each(MODULES)('module %s documents every variable and output and validates its input', async (name) => {
    const root = await parseRoot(`modules/${name}`);
    const variables = Object.entries(Object.assign({}, ...(root.variable ?? [])) as Record<string, Hcl[]>);
    const outputs = Object.entries(Object.assign({}, ...(root.output ?? [])) as Record<string, Hcl[]>);
    expect(variables.length).toBeGreaterThan(0);
    expect(outputs.length).toBeGreaterThan(0);
    for (const [variable, [body]] of variables) {
      expect({ variable, description: typeof body?.description }).toEqual({ variable, description: 'string' });
    }
    for (const [output, [body]] of outputs) {
      expect({ output, description: typeof body?.description }).toEqual({ output, description: 'string' });
    }
    const validations = variables.flatMap(([, [body]]) => (body?.validation as Hcl[] | undefined) ?? []);
    expect(validations.length).toBeGreaterThan(0);
    for (const validation of validations) expect(String(validation.error_message).length).toBeGreaterThan(20);
  });
});
