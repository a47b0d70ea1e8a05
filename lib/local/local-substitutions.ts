import { aslPlaceholders } from '../workflow/deploy-pipeline-definition';

/** The account, region and names a local run stands in for the stack's resources. */
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_SETTINGS_PREFIX = '/deploy-pipeline/settings';

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/**
 * A value for every `${Placeholder}` of the definition, the way the stack fills them but naming
 * local stand-ins: `<Stage>Project` = the kebab-case project name, `<Stage>Buildspec` = the
 * buildspec file it stands for, `<Name>FunctionArn` = a function ARN (`NotifyFunctionArn` names the
 * notify function, whose event the local runner builds and captures), plus the stack's own two
 * (`SettingsParameterPrefix`, `ArtifactsBucket`). Derived from the names, so a stage
 * that adds a placeholder of these kinds needs no change here.
 *
 * @throws Error naming a placeholder of another kind (give it a local value here).
 */
export function localSubstitutions(aslText: string, artifactsBucket: string): Record<string, string> {
  const fixed: Record<string, string> = {
    SettingsParameterPrefix: LOCAL_SETTINGS_PREFIX,
    ArtifactsBucket: artifactsBucket,
  };
  return Object.fromEntries(
    aslPlaceholders(aslText).map((name) => {
      const fixedValue = fixed[name];
      if (fixedValue !== undefined) return [name, fixedValue];
      const [, stage, kind] = /^(.+?)(Project|Buildspec|FunctionArn)$/.exec(name) ?? [];
      if (stage === undefined) {
        throw new Error(
          `the local runner has no value for the ASL placeholder \${${name}} (lib/local/local-substitutions.ts)`,
        );
      }
      if (kind === 'Project') return [name, kebab(stage)];
      if (kind === 'Buildspec') return [name, `lib/buildspecs/${kebab(stage)}.yml`];
      return [name, `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${kebab(stage)}`];
    }),
  );
}
