import { Readable } from 'node:stream';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';

/** A stream that stays open after its data (as an S3 body or a file stream that was not read to the end). */
function stream(chunks: Buffer[], fail?: Error): Readable {
  let i = 0;
  return new Readable({
    autoDestroy: false,
    read() {
      if (fail !== undefined) this.emit('error', fail);
      else this.push(i < chunks.length ? chunks[i++] : null);
    },
  });
}

describe('parseReport destroys the report stream on every error', () => {
  it.each([
    ['empty', () => stream([]), {}, /is empty \(0 bytes\)/],
    [
      'not a report (more than the sniffed kilobyte, so not read to its end)',
      () => stream([Buffer.alloc(4096, 'x'), Buffer.alloc(4096, 'y')]),
      {},
      /not a recognised coverage report/,
    ],
    ['empty with a forced format', () => stream([]), { format: 'lcov' as const }, /is empty/],
    [
      'failing while the head is read',
      () => stream([], new Error('connection reset')),
      {},
      /could not be read: connection reset/,
    ],
  ])('%s', async (_name, make, options, message) => {
    const input = make();
    const err = await parseReport(input, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect((err as Error).message).toMatch(message);
    expect(input.destroyed).toBe(true);
  });

  it('an opener that throws is CoverageReportInvalid', async () => {
    const err = await parseReport(() => {
      throw new Error('AccessDenied');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect((err as Error).message).toMatch(/could not be read: AccessDenied/);
  });

  it('a malformed report after a good head', async () => {
    const input = stream([Buffer.from('SF:a.ts\nDA:1,1\n'), Buffer.from('DA:x,1\nend_of_record\n')]);
    await expect(parseReport(input)).rejects.toBeInstanceOf(CoverageReportInvalid);
    expect(input.destroyed).toBe(true);
  });
});
