#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDeployPipelineAsl } from '../lib/workflow/deploy-pipeline-definition';
import { renderMermaid } from '../lib/workflow/render-mermaid';

/** `npm run diagram`: regenerates docs/deploy-pipeline.md from the ASL file. */
export const DIAGRAM_PATH = join(__dirname, '..', 'docs', 'deploy-pipeline.md');

export function pipelineDiagramDoc(): string {
  const mermaid = renderMermaid(JSON.parse(readDeployPipelineAsl()));
  return [
    '# The deploy pipeline',
    '',
    'Generated from `state-machines/deploy-pipeline.asl.json` by `npm run diagram`; a test fails when',
    'this file is out of date. Solid arrows are the normal flow, dotted ones are `Default` choices and',
    'caught errors.',
    '',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(DIAGRAM_PATH, pipelineDiagramDoc());
  process.stdout.write(`wrote ${DIAGRAM_PATH}\n`);
}
