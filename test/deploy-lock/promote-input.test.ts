import { promoteInputSchema } from '../../lib/contracts/deploy-lock';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service-dev';
const exported = (uri: string, digest: string) => [
  { Name: 'IMAGE_URI', Value: uri },
  { Name: 'IMAGE_DIGEST', Value: digest },
];
const base = { run: {}, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:x' };

describe('Promote input: the image as the workflow passes it ($.verify.image, BuildImage’s exported variables)', () => {
  test('BuildImage’s exported IMAGE_URI and IMAGE_DIGEST become a reference: repository before @, the digest', () => {
    const image = {
      buildId: 'b:1',
      status: 'SUCCEEDED',
      imageUri: [`${REPO}@${DIGEST}`],
      digest: [DIGEST],
      deferred: [],
    };
    expect(promoteInputSchema.parse({ ...base, image }).image).toEqual({ repository: REPO, digest: DIGEST });
  });

  test('a promoted image keeps the repository it came from', () => {
    const image = { deferred: false, promoted: true, exported: exported(`${REPO}@${DIGEST}`, DIGEST) };
    expect(promoteInputSchema.parse({ ...base, image }).image?.repository).toBe(REPO);
  });

  test('no image (skipped branch, or a deferred build) is null; a reference passes as it is', () => {
    expect(
      promoteInputSchema.parse({ ...base, image: { skipped: true, reason: 'no application change' } }).image,
    ).toBeNull();
    expect(
      promoteInputSchema.parse({
        ...base,
        image: { deferred: true, exported: [{ Name: 'IMAGE_DEFERRED', Value: 'true' }] },
      }).image,
    ).toBeNull();
    expect(promoteInputSchema.parse({ ...base, image: { repository: REPO, digest: DIGEST } }).image).toEqual({
      repository: REPO,
      digest: DIGEST,
    });
  });

  test('an image URI that does not end in its digest is refused, naming it', () => {
    const image = { exported: exported(`${REPO}:latest`, DIGEST) };
    const parsed = promoteInputSchema.safeParse({ ...base, image });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(
      `imageUri \\"${REPO}:latest\\" is not <repository>@${DIGEST}`,
    );
  });
});
