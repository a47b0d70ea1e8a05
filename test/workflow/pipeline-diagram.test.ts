import { readFileSync } from 'node:fs';
import { DIAGRAM_PATH, pipelineDiagramDoc } from '../../bin/render-pipeline-diagram';
import { renderMermaid } from '../../lib/workflow/render-mermaid';

test('docs/deploy-pipeline.md matches the ASL file (run `npm run diagram` after changing it)', () => {
  expect(readFileSync(DIAGRAM_PATH, 'utf8')).toBe(pipelineDiagramDoc());
});

test('the diagram draws parallel branches, choices and caught errors (one edge per target)', () => {
  const mermaid = renderMermaid({
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Next: 'P', Catch: [{ Next: 'F' }, { Next: 'F' }] },
      P: {
        Type: 'Parallel',
        Next: 'C',
        Branches: [{ StartAt: 'B1', States: { B1: { Type: 'Task', End: true } } }],
      },
      C: { Type: 'Choice', Choices: [{ Next: 'A' }], Default: 'F' },
      F: { Type: 'Fail' },
    },
  });
  expect(mermaid.split('\n').filter((line) => line === '  A -. error .-> F')).toHaveLength(1);
  expect(mermaid.split('\n')).toEqual(
    expect.arrayContaining([
      '  A -. error .-> F',
      '  subgraph P [P: in parallel]',
      '    B1[B1]',
      '  C{C}',
      '  C -. default .-> F',
      '  F[[F]]',
    ]),
  );
});
