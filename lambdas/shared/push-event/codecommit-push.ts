import * as z from 'zod';
import { formatPath } from '../../../lib/contracts/validation-issues';
import { type PushEvent, ZERO_COMMIT } from './push-event';

/** The EventBridge event is not a usable CodeCommit reference change. */
export class InvalidCodeCommitEvent extends Error {
  override readonly name = 'InvalidCodeCommitEvent';
}

const objectId = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit id');

/** The fields of a `CodeCommit Repository State Change` event the pipeline reads. */
export const codeCommitEventSchema = z.object({
  id: z.string().min(1),
  region: z.string().min(1),
  detail: z.object({
    event: z.string(),
    repositoryName: z.string().min(1),
    referenceType: z.string(),
    referenceName: z.string().min(1),
    referenceFullName: z.string().optional(),
    commitId: objectId.optional(),
    oldCommitId: objectId.optional(),
    callerUserArn: z.string().optional(),
  }),
});

export type CodeCommitEvent = z.output<typeof codeCommitEventSchema>;

/** Validates an EventBridge event; the error names each wrong field. */
export function parseCodeCommitEvent(event: unknown): CodeCommitEvent {
  const result = codeCommitEventSchema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new InvalidCodeCommitEvent(`not a valid CodeCommit reference event: ${problems.join('; ')}`);
}

/**
 * The provider-neutral push of a CodeCommit reference change. The event lists no files, so the
 * changed paths are unknown (everything runs); the EventBridge event id is the delivery id, so a
 * retried event maps to the same execution names.
 */
export function pushEventFromCodeCommit(event: CodeCommitEvent): PushEvent {
  const { detail } = event;
  const prefix = detail.referenceType === 'tag' ? 'refs/tags/' : 'refs/heads/';
  const deleted = detail.event === 'referenceDeleted' || detail.commitId === undefined;
  const after = detail.commitId ?? ZERO_COMMIT;
  const repo = encodeURIComponent(detail.repositoryName);
  return {
    provider: 'codecommit',
    repository: detail.repositoryName,
    ref: detail.referenceFullName ?? `${prefix}${detail.referenceName}`,
    after,
    before: detail.oldCommitId === undefined || detail.oldCommitId === ZERO_COMMIT ? null : detail.oldCommitId,
    deleted,
    message: '',
    author: detail.callerUserArn?.split(':').pop() ?? '',
    url: `https://${event.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${repo}/commit/${after}?region=${event.region}`,
    deliveryId: event.id,
    paths: null,
    unknownReason: 'CodeCommit events list no files',
  };
}
