import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { synthApp } from './synth-app';

/** Statements of the IAM policies attached to the role of the function with this logical id prefix. */
function statementsOf(template: ReturnType<typeof synthApp>['template'], functionId: string): any[] {
  const fns = template.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(functionId)) ?? [];
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
    p.Properties.Roles.some((r: any) => r.Ref === roleId),
  );
  return policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: any[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('ScanGateStage (lib/stages/scan-gate.ts), synthesized with cdk-nag', () => {
  // The synth (with cdk-nag and bundling) takes 8-19 s on the loaded 2-core machine.
  jest.setTimeout(180_000);
  const basic = synthApp();

  test('the token table: pk/sk strings, TTL on expiresAt, KMS-encrypted, point-in-time recovery', () => {
    basic.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('basic scanning: one rule for ECR scan events of the configured repositories, none for Inspector', () => {
    const rules = Object.values(basic.template.findResources('AWS::Events::Rule')).filter((r: any) =>
      r.Properties.EventPattern?.['detail-type']?.[0]?.includes('Scan'),
    );
    expect(rules).toHaveLength(1);
    const pattern = (rules[0] as any).Properties.EventPattern;
    expect(pattern.source).toEqual(['aws.ecr']);
    expect(pattern['detail-type']).toEqual(['ECR Image Scan']);
    const names = basic.stack.stages.scanGate.repositoryNames;
    expect(names.length).toBeGreaterThan(0);
    expect(pattern.resources).toHaveLength(names.length);
    expect(JSON.stringify(pattern.resources)).toContain(`:repository/${names[0]}`);
    expect((rules[0] as any).Properties.Targets[0].Arn['Fn::GetAtt'][0]).toMatch(/^ScanGate/);
  });

  test('least privilege: registration, event handler and poll get only what they use', () => {
    const registration = statementsOf(basic.template, 'ScanRegistration');
    const events = statementsOf(basic.template, 'ScanGate');
    const poll = statementsOf(basic.template, 'ScanPoll');
    for (const list of [registration, events, poll]) {
      expect(actionsOf(list)).toEqual(expect.arrayContaining(['ecr:DescribeImageScanFindings', 'ecr:DescribeImages']));
      expect(actionsOf(list)).not.toContain('inspector2:ListFindings');
      const ecr = list.find((s) => [s.Action].flat().includes('ecr:DescribeImageScanFindings'));
      expect(JSON.stringify(ecr.Resource)).not.toContain('"*"');
    }
    expect(actionsOf(registration)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']));
    expect(actionsOf(registration)).not.toContain('dynamodb:Query');
    expect(actionsOf(events)).toContain('dynamodb:Query');
    expect(actionsOf(poll).filter((a) => a.startsWith('dynamodb:') || a.startsWith('states:'))).toEqual([]);
    // Answers go to this state machine only.
    for (const list of [registration, events]) {
      const answer = list.find((s) => [s.Action].flat().includes('states:SendTaskSuccess'));
      expect(answer.Action).toEqual(['states:SendTaskSuccess', 'states:SendTaskFailure']);
      expect(answer.Resource.Ref).toMatch(/^DeployPipelineStateMachine/);
    }
  });

  test('the state machine gets the two function ARNs and may invoke them', () => {
    const subs = basic.stack.pipeline.substitutions;
    expect(Object.keys(subs)).toEqual(expect.arrayContaining(['ScanRegistrationFunctionArn', 'ScanPollFunctionArn']));
    basic.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SCAN_TOKENS_TABLE: Match.anyValue(), SCAN_TOKEN_TTL_SECONDS: '172800' }),
      },
    });
  });

  test('enhanced scanning adds the Inspector rule and inspector2:ListFindings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_CONFIG, scanType: 'enhanced' }));
    const enhanced = synthApp({ config: file });
    enhanced.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.inspector2'], 'detail-type': ['Inspector2 Scan'] }),
    });
    expect(actionsOf(statementsOf(enhanced.template, 'ScanPoll'))).toContain('inspector2:ListFindings');
    const settings = Object.values(enhanced.template.findResources('AWS::SSM::Parameter'))[0] as any;
    expect(JSON.stringify(settings.Properties.Value)).toContain('enhanced');
  });
});
