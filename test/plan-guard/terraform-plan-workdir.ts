import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Terraform's own figures, from the `Plan: N to add, N to change, N to destroy.` line it prints. */
export interface TerraformCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/** Reads Terraform's counts from human plan output; "No changes." counts as zeros. */
export function countsFromPlanText(text: string): TerraformCounts {
  const match = text.match(/Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\./);
  if (match) return { add: Number(match[1]), change: Number(match[2]), destroy: Number(match[3]) };
  if (/No changes\./.test(text)) return { add: 0, change: 0, destroy: 0 };
  throw new Error(`No plan summary in terraform output:\n${text}`);
}

/**
 * A scratch Terraform root in a temp dir with local state, for producing real saved plans and
 * their `terraform show -json` output.
 */
export class TerraformPlanWorkdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'tf-plan-'));
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    const cliConfig = join(this.dir, '.terraformrc');
    writeFileSync(cliConfig, '');
    this.env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: cliConfig };
  }

  terraform(args: string[]): string {
    const result = spawnSync('terraform', args, { cwd: this.dir, env: this.env, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(
        `terraform ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result.stdout;
  }

  write(file: string, content: string): this {
    writeFileSync(join(this.dir, file), content);
    return this;
  }

  /** `terraform plan -out`, then the saved plan as JSON and Terraform's own counts of it. */
  plan(extraArgs: string[] = []): { json: string; counts: TerraformCounts } {
    this.terraform(['plan', '-input=false', '-no-color', '-out=current.tfplan', ...extraArgs]);
    const json = this.terraform(['show', '-json', 'current.tfplan']);
    const counts = countsFromPlanText(this.terraform(['show', '-no-color', 'current.tfplan']));
    return { json, counts };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
