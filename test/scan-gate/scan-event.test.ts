import { InvalidScanEvent, parseScanEvent } from '../../lambdas/scan-gate/scan-event';
import { DIGEST, fixture } from './scan-builders';

/** AWS's documented event with its shortened example digest replaced by a real one. */
function documented(name: string, digest = DIGEST) {
  const event = fixture(name);
  event.detail['image-digest'] = digest;
  return event;
}

describe('scan events (EventBridge)', () => {
  it('ECR Image Scan (basic): repository name, digest and status', () => {
    expect(parseScanEvent(documented('event-ecr-image-scan.json'))).toEqual({
      kind: 'basic',
      repository: 'my-repository-name',
      digest: DIGEST,
      scanStatus: 'COMPLETE',
      account: '123456789012',
    });
  });

  it('Inspector2 Scan (enhanced): the repository ARN is reduced to the name, a nested name kept whole', () => {
    expect(parseScanEvent(documented('event-inspector2-scan.json'))).toEqual({
      kind: 'enhanced',
      repository: 'amazon/amazon-ecs-sample',
      digest: DIGEST,
      scanStatus: 'INITIAL_SCAN_COMPLETE',
      account: '123456789012',
    });
  });

  it("AWS's documented example digests (shortened, redacted) are rejected with the field named", () => {
    expect(() => parseScanEvent(fixture('event-ecr-image-scan.json'))).toThrow(
      'malformed ECR Image Scan event: detail.image-digest: must be "sha256:" and 64 lowercase hex digits',
    );
    expect(() => parseScanEvent(fixture('event-inspector2-scan.json'))).toThrow(InvalidScanEvent);
  });

  it.each([
    [fixture('event-ecr-image-action.json'), /not a scan event: source "aws\.ecr", detail-type "ECR Image Action"/],
    [{ source: 'aws.inspector2', 'detail-type': 'Inspector2 Finding', detail: {} }, /detail-type "Inspector2 Finding"/],
    [null, /must be an EventBridge event object/],
    [[documented('event-ecr-image-scan.json')], /must be an EventBridge event object/],
    [
      { ...documented('event-ecr-image-scan.json'), detail: undefined },
      /malformed ECR Image Scan event: detail: required/,
    ],
    [
      { ...documented('event-ecr-image-scan.json'), detail: { 'image-digest': DIGEST, 'scan-status': 'COMPLETE' } },
      /detail\.repository-name: required/,
    ],
    [
      {
        ...documented('event-ecr-image-scan.json'),
        detail: { 'repository-name': 'r', 'image-digest': DIGEST, 'scan-status': 7 },
      },
      /detail\.scan-status: Invalid input: expected string, received number/,
    ],
    [
      {
        ...documented('event-inspector2-scan.json'),
        detail: {
          ...documented('event-inspector2-scan.json').detail,
          'repository-name': 'arn:aws:ecr:us-east-2:1:image/x',
        },
      },
      /detail\.repository-name "arn:aws:ecr:us-east-2:1:image\/x" is neither a repository name nor a repository ARN/,
    ],
  ])('rejects %#', (event, message) => {
    expect(() => parseScanEvent(event)).toThrow(message);
  });
});
