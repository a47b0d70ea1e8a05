import { RefusedError, UsageError } from './cli-errors';

/** Error names the AWS SDK uses when the caller's credentials are missing, expired or rejected. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenProviderError',
]);

const ACCESS_ERRORS = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The message as one line, except a file's list of problems (a first line, then one `  - problem`
 * line each, as configuration and policy validation write them), which keeps one problem a line.
 */
function ownMessage(text: string): string {
  const [first, ...rest] = text.trimEnd().split('\n');
  if (rest.length > 0 && rest.every((line) => /^ {2}- /.test(line))) return [first?.trim(), ...rest].join('\n');
  return oneLine(text);
}

/**
 * The one line `deployctl` prints on stderr for an error, and its exit code: 1 for a refusal,
 * 2 for everything else (bad input, missing credentials, an unknown execution, an AWS error).
 * AWS SDK errors get words a user can act on; nothing ever prints a stack trace. The one exception
 * to one line: a file with several problems lists them under it, one `  - problem` line each.
 */
export function errorLine(err: unknown): { line: string; code: 1 | 2 } {
  if (err instanceof RefusedError) return { line: oneLine(err.message), code: 1 };
  if (err instanceof UsageError) return { line: ownMessage(err.message), code: 2 };
  const e = (err ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const message = oneLine(String(e.message ?? err));
  if (CREDENTIAL_ERRORS.has(name)) {
    return {
      line: `no usable AWS credentials (${message}): set AWS_PROFILE or --profile, run "aws sso login", or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      code: 2,
    };
  }
  if (/^Region is missing/i.test(message)) {
    return { line: 'no AWS region: pass --region, set AWS_REGION, or set "region" in your AWS profile', code: 2 };
  }
  if (ACCESS_ERRORS.has(name)) return { line: `access denied by AWS: ${message}`, code: 2 };
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return { line: `cannot reach AWS (${e.code}): ${message}`, code: 2 };
  }
  if (/Deserialization error/.test(message)) {
    // The SDK could not read the answer: not the service's JSON or XML (an HTML error page, a proxy).
    const status = e.$metadata?.httpStatusCode ?? '?';
    return {
      line: `the AWS endpoint answered HTTP ${status} with a body the SDK cannot read (is AWS_ENDPOINT_URL set to something that does not implement this call?)`,
      code: 2,
    };
  }
  if (e.$metadata !== undefined) {
    // An AWS service answered with an error the command did not expect: name it and its status.
    const status = e.$metadata.httpStatusCode === undefined ? '' : ` (HTTP ${e.$metadata.httpStatusCode})`;
    return { line: `AWS error ${name}${status}: ${message}`, code: 2 };
  }
  return { line: ownMessage(String(e.message ?? err)), code: 2 };
}
