import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { countsFromPlanText } from './terraform-plan-workdir';

const FIXTURES = join(__dirname, 'fixtures');
const BUCKET = 'pipeline-artifacts';

describeWithTools(['moto_server'], 'plan-guard handler against moto_server S3', () => {
  let moto: MotoServer;
  let handler: typeof import('../../lambdas/plan-guard/index').handler;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    // Imported after startMoto so the module-scope client picks up AWS_ENDPOINT_URL.
    handler = (await import('../../lambdas/plan-guard/index')).handler;
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const name of ['aws-create', 'aws-db-replace']) {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `runs/exec-1/${name}.json`,
          Body: readFileSync(join(FIXTURES, `${name}.plan.json`)),
        }),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/exec-1/broken.json', Body: '<html>' }));
  }); // jest's 60 s default: above MOTO_START_TIMEOUT_MS, so a slow moto_server fails with its own message.

  afterEach(() => {
    delete process.env.PROTECTED_RESOURCE_TYPES;
  });

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  it('returns the counts Terraform printed for a create-only plan', async () => {
    const counts = countsFromPlanText(readFileSync(join(FIXTURES, 'aws-create.plan.txt'), 'utf8'));
    const result = await handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/aws-create.json' });
    expect(result).toEqual({
      ...counts,
      replace: 0,
      protectedChanges: [],
      summary: `${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`,
    });
  });

  it('fails with DestructiveChangeBlocked when the database would be replaced', async () => {
    await expect(handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/aws-db-replace.json' })).rejects.toMatchObject({
      name: 'DestructiveChangeBlocked',
      message: expect.stringContaining('aws_db_instance.main (delete, create)'),
    });
  });

  it('lets an approved destructive plan through', async () => {
    const result = await handler({
      bucket: BUCKET,
      planJsonKey: 'runs/exec-1/aws-db-replace.json',
      destructiveApproved: true,
    });
    expect(result.replace).toBe(1);
    expect(result.protectedChanges.map((c) => c.address)).toEqual(['aws_db_instance.main', 'aws_s3_bucket.assets']);
  });

  it('reads PROTECTED_RESOURCE_TYPES, and the event can add types back', async () => {
    process.env.PROTECTED_RESOURCE_TYPES = 'aws_eks_cluster';
    const event = { bucket: BUCKET, planJsonKey: 'runs/exec-1/aws-db-replace.json' };
    await expect(handler(event)).resolves.toMatchObject({ replace: 1 });
    await expect(handler({ ...event, protectedTypes: ['aws_db_instance'] })).rejects.toMatchObject({
      name: 'DestructiveChangeBlocked',
    });
  });

  it('a missing plan object is PlanUnreadable naming the S3 location', async () => {
    await expect(handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/missing.json' })).rejects.toMatchObject({
      name: 'PlanUnreadable',
      message: expect.stringContaining(`s3://${BUCKET}/runs/exec-1/missing.json`),
    });
  });

  it('a plan object that is not JSON is PlanUnreadable', async () => {
    await expect(handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/broken.json' })).rejects.toMatchObject({
      name: 'PlanUnreadable',
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it('rejects an event without planJsonKey, naming the field', async () => {
    await expect(handler({ bucket: BUCKET })).rejects.toThrow(/planJsonKey/);
  });
});
