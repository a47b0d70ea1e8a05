import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { countsFromPlanText } from './terraform-plan-workdir';

const FIXTURES = join(__dirname, 'fixtures');
const BOM_PLAN = readFileSync(join(__dirname, '..', 'fixtures', 'regressions', 'plan_deposed_utf8_bom.json'));

/** The plan as PowerShell's `>` writes it: UTF-16 with a byte-order mark. */
function utf16(text: string, order: 'LE' | 'BE'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return Buffer.concat([
    Buffer.from(order === 'LE' ? [0xff, 0xfe] : [0xfe, 0xff]),
    order === 'LE' ? le : Buffer.from(le).swap16(),
  ]);
}
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
    const plain = BOM_PLAN.subarray(3).toString('utf8');
    const variants: Record<string, Uint8Array> = {
      'deposed-bom.json': BOM_PLAN,
      'deposed-plain.json': BOM_PLAN.subarray(3),
      'deposed-utf16le.json': utf16(plain, 'LE'),
      'deposed-utf16be.json': utf16(plain, 'BE'),
      'deposed-latin1.json': Buffer.from(plain.replace('"v2"', '"v\u00e9"'), 'latin1'),
      'empty.json': new Uint8Array(0),
    };
    for (const [key, body] of Object.entries(variants)) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `runs/exec-1/${key}`, Body: body }));
    }
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

  it('reads PROTECTED_RESOURCE_TYPES once, at start, and the event can add types back', async () => {
    process.env.PROTECTED_RESOURCE_TYPES = 'aws_eks_cluster';
    let fresh: typeof handler | undefined;
    await jest.isolateModulesAsync(async () => {
      fresh = (await import('../../lambdas/plan-guard/index')).handler;
    });
    const withSetting = fresh as typeof handler;
    const event = { bucket: BUCKET, planJsonKey: 'runs/exec-1/aws-db-replace.json' };
    await expect(withSetting(event)).resolves.toMatchObject({ replace: 1 });
    await expect(withSetting({ ...event, protectedTypes: ['aws_db_instance'] })).rejects.toMatchObject({
      name: 'DestructiveChangeBlocked',
    });
    // The function loaded before the variable was set keeps the defaults.
    await expect(handler(event)).rejects.toMatchObject({ name: 'DestructiveChangeBlocked' });
  });

  it.each(['deposed-bom.json', 'deposed-utf16le.json', 'deposed-utf16be.json'])(
    'the regression plan saved as %s gets the same verdict as without a byte-order mark',
    async (key) => {
      const event = { bucket: BUCKET, planJsonKey: `runs/exec-1/${key}`, protectedTypes: ['terraform_data'] };
      const plain = { ...event, planJsonKey: 'runs/exec-1/deposed-plain.json' };
      const blocked = await handler(event).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(blocked).toMatchObject({
        name: 'DestructiveChangeBlocked',
        message: expect.stringContaining('deposed object 0a1b2c3d of terraform_data.db (delete)'),
      });
      await expect(handler(plain)).rejects.toThrow(blocked?.message as string);
      // Terraform's own count for it: Plan: 0 to add, 0 to change, 1 to destroy.
      await expect(handler({ bucket: BUCKET, planJsonKey: `runs/exec-1/${key}` })).resolves.toEqual(
        await handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/deposed-plain.json' }),
      );
      await expect(handler({ bucket: BUCKET, planJsonKey: `runs/exec-1/${key}` })).resolves.toMatchObject({
        summary: '0 to add, 0 to change, 1 to destroy',
      });
    },
  );

  it('a plan that is not UTF-8 is PlanUnreadable naming the encoding and byte offset, never U+FFFD', async () => {
    const error = await handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/deposed-latin1.json' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('PlanUnreadable');
    expect(error?.message).toMatch(
      /^Plan JSON at s3:\/\/pipeline-artifacts\/runs\/exec-1\/deposed-latin1\.json is not valid UTF-8: the sequence at byte offset \d+ \(bytes 0xE9 /,
    );
    expect(error?.message).not.toContain('\ufffd');
  });

  it('an empty plan object is PlanUnreadable', async () => {
    await expect(handler({ bucket: BUCKET, planJsonKey: 'runs/exec-1/empty.json' })).rejects.toMatchObject({
      name: 'PlanUnreadable',
      message: expect.stringContaining('is empty'),
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
