import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerVersion } from '../../app/src/routes/version';
import { resetEmbeddedConfig } from '../../lambdas/shared/embedded-config';
import type { VerifyRequest, VerifyResult } from '../../lib/contracts/rollback';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { COMMIT, configWith, OLD_COMMIT, runBake } from './support';

const ALARMS = ['orders-dev-5xx', 'orders-dev-latency'];

describeWithTools(
  ['moto_server'],
  'VerifyDeployment handler against moto_server (CloudWatch) and the app’s /version',
  () => {
    let moto: MotoServer;
    let cloudwatch: CloudWatchClient;
    let app: FastifyInstance;
    let handler: (event: unknown) => Promise<VerifyResult>;
    let deployedCommit = COMMIT;

    beforeAll(async () => {
      moto = await startMoto();
      cloudwatch = new CloudWatchClient(moto.clientConfig);
      // The service's /version: the app's own route, reporting whichever commit "runs".
      // registerVersion fixes its commit at registration; this route answers the same shape with the
      // commit a test makes "run", and is compared with the real route below.
      app = Fastify();
      app.get('/version', async () => ({
        commitSha: deployedCommit,
        buildTime: '2026-11-29T19:00:00Z',
        node: process.version,
      }));
      const real = Fastify();
      registerVersion(real, { commitSha: COMMIT, buildTime: '2026-11-29T19:00:00Z' });
      const realUrl = await real.listen({ port: 0, host: '127.0.0.1' });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      // The stand-in answers exactly like the app's route (checked here), so the bake reads the same shape.
      const [fromApp, fromStandIn] = await Promise.all([
        fetch(`${realUrl}/version`).then((r) => r.json()),
        fetch(`${url}/version`).then((r) => r.json()),
      ]);
      expect(Object.keys(fromStandIn as object).sort()).toEqual(Object.keys(fromApp as object).sort());
      await real.close();

      process.env.EMBEDDED_PIPELINE_CONFIG = JSON.stringify(
        configWith({
          dev: { alarms: ALARMS, versionUrl: `${url}/version` },
          prod: { bakeMinutes: 0, alarms: ['orders-prod-missing'] },
        }),
      );
      resetEmbeddedConfig();
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      // The handler's module-scope client is created now, with AWS_ENDPOINT_URL pointing at moto.
      ({ handler } = await import('../../lambdas/verify-deployment/index'));
    });
    afterAll(async () => {
      await app?.close();
      await moto?.stop();
      delete process.env.EMBEDDED_PIPELINE_CONFIG;
      delete process.env.POWERTOOLS_LOG_LEVEL;
      resetEmbeddedConfig();
    });
    beforeEach(async () => {
      await moto.reset();
      deployedCommit = COMMIT;
      for (const name of ALARMS) {
        await cloudwatch.send(
          new PutMetricAlarmCommand({
            AlarmName: name,
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_Target_5XX_Count',
            Statistic: 'Sum',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 5,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        );
        await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'OK', StateReason: 'baseline' }));
      }
    });

    const request: Omit<VerifyRequest, 'bake'> = { service: 'orders', environment: 'dev', commit: COMMIT };
    const check = (r: VerifyRequest) => handler(r);

    test('alarms OK and /version on the commit: the bake passes after its 3 checks', async () => {
      const results = await runBake(check, request);
      expect(results).toHaveLength(3);
      expect(results.at(-1)).toMatchObject({
        done: true,
        healthy: true,
        alarms: [
          { name: 'orders-dev-5xx', state: 'OK' },
          { name: 'orders-dev-latency', state: 'OK' },
        ],
        version: { status: 'matched', actual: COMMIT },
      });
    });

    test('an alarm set to ALARM during the bake fails the next check with AlarmDuringBake and CloudWatch’s reason', async () => {
      const first = await handler({ ...request, bake: { checksDone: 0, versionConfirmed: false } });
      expect(first.done).toBe(false);
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: 'orders-dev-5xx',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (5.0).',
        }),
      );
      const error = await handler({ ...request, bake: first }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('AlarmDuringBake');
      expect((error as Error).message).toBe(
        'Alarm(s) in ALARM during the bake of orders in dev (bake check 2 of 3): orders-dev-5xx (Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (5.0).)',
      );
    });

    test('a deleted alarm fails the check with VerificationFailed', async () => {
      await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-dev-latency'] }));
      await expect(handler({ ...request, bake: { checksDone: 0, versionConfirmed: false } })).rejects.toMatchObject({
        name: 'VerificationFailed',
        message: expect.stringContaining('no CloudWatch alarm named "orders-dev-latency"'),
      });
      await expect(handler({ service: 'orders', environment: 'prod', commit: COMMIT })).rejects.toMatchObject({
        name: 'VerificationFailed',
      });
    });

    test('/version still on the old commit at the end of the bake: VersionMismatch', async () => {
      deployedCommit = OLD_COMMIT;
      await expect(runBake(check, request)).rejects.toMatchObject({
        name: 'VersionMismatch',
        message: expect.stringContaining(`reported commit ${OLD_COMMIT}`),
      });
    });
  },
);
