/**
 * The parts of an Amazon States Language definition the local runner reads: states, their type and
 * resource, and how they connect. JSONPath definitions only (see DESIGN.md, "Query language").
 */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: ReadonlyArray<{ readonly Next: string }>;
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals: readonly string[]; readonly Next: string }>;
  readonly Retry?: ReadonlyArray<{ readonly ErrorEquals: readonly string[] }>;
  readonly Branches?: readonly AslDefinition[];
  readonly Parameters?: Record<string, unknown>;
  readonly TimeoutSeconds?: number;
  readonly Result?: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** One state with where it sits: `parallel` names the Parallel state whose branch holds it. */
export interface LocatedState {
  readonly name: string;
  readonly state: AslState;
  readonly parallel?: string;
}

/**
 * Every state of the definition, parallel branches included (depth first, branch states right after
 * their Parallel state). State names are unique across branches in this project's ASL; a duplicate
 * is refused because the runner's handlers and the timeline key on the name.
 *
 * @throws Error naming a state that appears twice.
 */
export function allStates(definition: AslDefinition, parallel?: string): LocatedState[] {
  const found = Object.entries(definition.States).flatMap(([name, state]): LocatedState[] => [
    { name, state, ...(parallel === undefined ? {} : { parallel }) },
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch, name)),
  ]);
  if (parallel === undefined) {
    const seen = new Set<string>();
    for (const { name } of found) {
      if (seen.has(name)) throw new Error(`state name ${name} appears twice in the definition`);
      seen.add(name);
    }
  }
  return found;
}

/** The Task states of the definition (parallel branches included), in the order {@link allStates} gives. */
export function taskStates(definition: AslDefinition): LocatedState[] {
  return allStates(definition).filter(({ state }) => state.Type === 'Task');
}

/**
 * What a Task state calls: `codebuild` (`startBuild.sync`), `lambda` (`lambda:invoke`), `sns`
 * (`sns:publish`) or `aws-sdk:<service>:<action>` for an AWS SDK integration; `undefined` for any
 * other resource.
 */
export function taskKind(state: AslState): string | undefined {
  const resource = state.Resource ?? '';
  if (resource === 'arn:aws:states:::codebuild:startBuild.sync') return 'codebuild';
  if (resource === 'arn:aws:states:::lambda:invoke') return 'lambda';
  // The callback pattern: the task's result is what the token is answered with, not the invoke's reply.
  if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') return 'lambda-callback';
  if (resource === 'arn:aws:states:::sns:publish') return 'sns';
  const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/.exec(resource);
  return sdk ? `aws-sdk:${sdk[1]}:${sdk[2]}` : undefined;
}

/** One item of the timeline: a Task state, or a Parallel state with one timeline per branch. */
export type TimelineItem =
  | { readonly kind: 'task'; readonly name: string }
  | { readonly kind: 'parallel'; readonly name: string; readonly branches: readonly TimelineItem[][] };

/**
 * The Task and Parallel states in the order a run meets them: depth first from `StartAt`, following
 * `Next`, `Choices` and `Default` before `Catch` targets, so the success path comes first and failure
 * handling (e.g. `NotifyFailed`) after it. States no path reaches are left out.
 */
export function timelineOf(definition: AslDefinition): TimelineItem[] {
  const items: TimelineItem[] = [];
  const seen = new Set<string>();
  const pendingCatches: string[] = [];
  const visit = (name: string | undefined): void => {
    if (name === undefined || seen.has(name)) return;
    const state = definition.States[name];
    if (state === undefined) return;
    seen.add(name);
    if (state.Type === 'Task') items.push({ kind: 'task', name });
    if (state.Type === 'Parallel') {
      items.push({ kind: 'parallel', name, branches: (state.Branches ?? []).map((b) => timelineOf(b)) });
    }
    for (const choice of state.Choices ?? []) visit(choice.Next);
    visit(state.Default);
    visit(state.Next);
    pendingCatches.push(...(state.Catch ?? []).map((c) => c.Next));
  };
  visit(definition.StartAt);
  while (pendingCatches.length > 0) visit(pendingCatches.shift());
  return items;
}
