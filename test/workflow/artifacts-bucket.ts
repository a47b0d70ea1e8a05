import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '../support/moto-server';

export const ARTIFACTS_BUCKET = 'pipeline-artifacts';

/**
 * Inside a `describe`: starts moto_server before the suite (and stops it after) with the pipeline's
 * artifacts bucket. Import a handler in a later `beforeAll`, so its module-scope clients see moto.
 */
export function useArtifactsBucketInMoto(): { s3: () => S3Client } {
  let moto: MotoServer | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS_BUCKET }));
  });
  afterAll(async () => moto?.stop());
  return {
    s3: () => {
      if (s3 === undefined) throw new Error('moto_server is not started yet');
      return s3;
    },
  };
}
