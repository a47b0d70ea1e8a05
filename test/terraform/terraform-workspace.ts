import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Root of the Terraform code in the repository. */
export const TERRAFORM_DIR = join(__dirname, '..', '..', 'terraform');

/** The machine image's filesystem mirror of hashicorp/aws (see TOOLS.md). */
export const PLUGIN_DIR = process.env.TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';

/** Every Terraform root or module the suite initialises, relative to `terraform/`. */
export function terraformRoots(): string[] {
  const modules = readdirSync(join(TERRAFORM_DIR, 'modules')).map((m) => `modules/${m}`);
  const environments = readdirSync(join(TERRAFORM_DIR, 'environments')).map((e) => `environments/${e}`);
  return [...modules, ...environments, 'bootstrap', 'app-settings'].sort();
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A throw-away copy of `terraform/`: `init` writes `.terraform/` (and a lock file in roots that do not
 * commit one) next to the configuration, and none of that may land in the repository. Committed lock
 * files are copied, so `init` has to honour them.
 */
export class TerraformWorkspace {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    const base = mkdtempSync(join(tmpdir(), 'tf-suite-'));
    this.dir = join(base, 'terraform');
    cpSync(TERRAFORM_DIR, this.dir, {
      recursive: true,
      filter: (src) => !/[\\/]\.terraform$/.test(src) && !src.endsWith('.tfstate'),
    });
    // An empty CLI configuration: no credentials helpers, no network mirrors, no warnings.
    const cliConfig = join(base, 'terraformrc');
    writeFileSync(cliConfig, '');
    this.env = {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_PLUGIN_CACHE_DIR: '',
      // The suite never talks to AWS; these keep any stray provider call from finding real credentials.
      AWS_ACCESS_KEY_ID: 'mock',
      AWS_SECRET_ACCESS_KEY: 'mock',
      AWS_REGION: 'eu-west-1',
    };
  }

  /** Runs `terraform <args>` in `terraform/<root>` of the copy. */
  run(root: string, args: string[]): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('terraform', [`-chdir=${join(this.dir, root)}`, ...args], { env: this.env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** Contents of `terraform/<root>/<file>` in the copy, or undefined when it does not exist. */
  readFile(root: string, file: string): string | undefined {
    const path = join(this.dir, root, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }

  hasTests(root: string): boolean {
    return existsSync(join(this.dir, root, 'tests'));
  }

  dispose(): void {
    rmSync(join(this.dir, '..'), { recursive: true, force: true });
  }
}
