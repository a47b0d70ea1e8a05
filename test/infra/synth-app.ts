import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/app';
import type { PipelineStack } from '../../lib/pipeline-stack';

/** Synthesizes the real app (with cdk-nag) into a temp dir, as `cdk synth` does. */
export function synthApp(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const app = buildApp(new App({ outdir, context }));
  const assembly = app.synth();
  const stack = app.node.children.find((c) => c.node.id === 'DeployPipeline') as PipelineStack;
  return { app, assembly, outdir, stack, template: Template.fromStack(stack) };
}
