import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../lib/local/artifact-stores';
import { type MotoServer, startMoto } from '../support/moto-server';
import { ARTIFACTS_BUCKET } from './harness';

export { ARTIFACTS_BUCKET };

/**
 * Inside a `describe`: starts moto_server before the suite (and stops it after) with the pipeline's
 * artifacts bucket. Import a handler in a later `beforeAll`, so its module-scope clients see moto.
 * `store()` is that bucket as the local runner's artifact store (the real S3 client paths).
 */
export function useArtifactsBucketInMoto(): { s3: () => S3Client; store: () => S3ArtifactStore } {
  let moto: MotoServer | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS_BUCKET }));
  });
  afterAll(async () => moto?.stop());
  const client = () => {
    if (s3 === undefined) throw new Error('moto_server is not started yet');
    return s3;
  };
  return {
    s3: client,
    store: () => new S3ArtifactStore(client(), ARTIFACTS_BUCKET, moto?.endpoint),
  };
}
