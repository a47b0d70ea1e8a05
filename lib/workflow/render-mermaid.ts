/**
 * Renders an ASL definition as a Mermaid flowchart, so the diagram in the docs is generated from the
 * state machine itself and a test can tell when it is stale.
 */
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ Next: string }>;
  Branches?: Definition[];
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const SHAPES: Record<string, (id: string) => string> = {
  Task: (id) => `${id}[${id}]`,
  Choice: (id) => `${id}{${id}}`,
  Pass: (id) => `${id}([${id}])`,
  Fail: (id) => `${id}[[${id}]]`,
  Succeed: (id) => `${id}[[${id}]]`,
  Parallel: (id) => `${id}[${id}]`,
};

function renderStates(def: Definition, indent: string, lines: string[]): void {
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type === 'Parallel' && state.Branches) {
      lines.push(`${indent}subgraph ${name} [${name}: in parallel]`);
      lines.push(`${indent}  direction TB`);
      for (const branch of state.Branches) renderStates(branch, `${indent}  `, lines);
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${(SHAPES[state.Type] ?? SHAPES.Task)?.(name)}`);
    }
    if (state.Next) lines.push(`${indent}${name} --> ${state.Next}`);
    for (const choice of state.Choices ?? []) lines.push(`${indent}${name} --> ${choice.Next}`);
    if (state.Default) lines.push(`${indent}${name} -. default .-> ${state.Default}`);
    // One edge per target: a Catch may list specific names and then States.ALL for the same state.
    for (const next of new Set((state.Catch ?? []).map((c) => c.Next)))
      lines.push(`${indent}${name} -. error .-> ${next}`);
  }
}

export function renderMermaid(definition: Definition): string {
  const lines = ['flowchart TD', `  Start((start)) --> ${definition.StartAt}`];
  renderStates(definition, '  ', lines);
  return `${lines.join('\n')}\n`;
}
