import { signatureOf, verifySignature } from '../../lambdas/shared/push-event/verify-signature';
import { branchCreated, sign } from './fixtures';

describe('verifySignature', () => {
  // The example GitHub's "Validating webhook deliveries" page documents.
  const DOC_SECRET = "It's a Secret to Everybody";
  const DOC_BODY = Buffer.from('Hello, World!');
  const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('accepts the signature of the example in GitHub documentation', () => {
    expect(verifySignature(DOC_BODY, DOC_SIGNATURE, DOC_SECRET)).toBe(true);
    expect(signatureOf(DOC_BODY, DOC_SECRET)).toBe(DOC_SIGNATURE);
  });

  it('accepts a real push payload signed over its exact bytes, hex in either case', () => {
    const body = Buffer.from(JSON.stringify(branchCreated(), null, 2));
    const header = sign(body, 's3cret');
    expect(verifySignature(body, header, 's3cret')).toBe(true);
    expect(verifySignature(body, `sha256=${header.slice(7).toUpperCase()}`, 's3cret')).toBe(true);
  });

  it('verifies the bytes, not a re-serialization: the same JSON formatted differently fails', () => {
    const payload = branchCreated();
    const pretty = Buffer.from(JSON.stringify(payload, null, 2));
    const compact = Buffer.from(JSON.stringify(payload));
    expect(verifySignature(compact, sign(pretty, 'k'), 'k')).toBe(false);
  });

  it('verifies non-ASCII bodies byte for byte', () => {
    const body = Buffer.from('{"message":"Fix für Ünïcode ✓ 🚀"}', 'utf8');
    expect(verifySignature(body, sign(body, 'k'), 'k')).toBe(true);
    expect(verifySignature(Buffer.from(body.toString('latin1'), 'utf8'), sign(body, 'k'), 'k')).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['sha1 scheme', `sha1=${'a'.repeat(40)}`],
    ['no scheme', 'a'.repeat(64)],
    ['truncated', 'TRUNC'],
    ['one hex digit off', 'FLIP'],
    ['extra characters', 'EXTRA'],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['wrong secret', 'WRONG'],
  ])('rejects a %s signature', (_label, header) => {
    const body = Buffer.from('{"ref":"refs/heads/master"}');
    const good = sign(body, 'k');
    const value =
      header === 'TRUNC'
        ? good.slice(0, 40)
        : header === 'FLIP'
          ? `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`
          : header === 'EXTRA'
            ? `${good}00`
            : header === 'WRONG'
              ? sign(body, 'other')
              : header;
    expect(verifySignature(body, value, 'k')).toBe(false);
  });

  it('never verifies with an empty secret, even a signature made with it', () => {
    const body = Buffer.from('{}');
    expect(verifySignature(body, sign(body, ''), '')).toBe(false);
  });
});
