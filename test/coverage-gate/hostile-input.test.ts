import { Readable } from 'node:stream';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';

async function parseText(text: string | Buffer, format?: 'cobertura' | 'lcov' | 'jacoco' | 'clover' | 'go') {
  return parseReport(Readable.from([typeof text === 'string' ? Buffer.from(text) : text]), { format });
}

async function expectInvalid(input: string | Buffer, pattern: RegExp, format?: Parameters<typeof parseText>[1]) {
  const started = Date.now();
  const err = await parseText(input, format).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CoverageReportInvalid);
  expect((err as Error).name).toBe('CoverageReportInvalid');
  expect((err as Error).message).toMatch(pattern);
  // Fails fast: well under the Lambda's timeout, with room for a busy machine (measured ~0.9 s at load 10).
  expect(Date.now() - started).toBeLessThan(5000);
}

const COBERTURA_OK = `<?xml version="1.0"?>
<coverage lines-covered="1" lines-valid="2" line-rate="0.5">
  <packages><package name="p"><classes><class name="a" filename="a.ts"><lines>
    <line number="1" hits="1"/><line number="2" hits="0"/>
  </lines></class></classes></package></packages>
</coverage>`;

describe('hostile and broken reports fail as CoverageReportInvalid, quickly', () => {
  it('accepts the well-formed control report', async () => {
    const report = await parseText(COBERTURA_OK);
    expect(report.lines).toEqual({ covered: 1, valid: 2, pct: 50 });
  });

  it('0-byte file', () => expectInvalid('', /empty \(0 bytes\)/));
  it('whitespace only', () => expectInvalid('   \n\n', /not a recognised coverage report/));
  it('binary junk', () =>
    expectInvalid(
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      /not a recognised coverage report/,
    ));
  it('wrong format (JSON)', () => expectInvalid('{"total": {"lines": {"pct": 100}}}', /not a recognised/));
  it('truncated XML', () => expectInvalid(COBERTURA_OK.slice(0, 200), /not well-formed XML/));
  it('truncated LCOV record', async () => {
    await expectInvalid('TN:\nSF:a.ts\nDA:1,1\nDA:2,0\n', /no end_of_record/);
    await expectInvalid('TN:\nSF:a.ts\nDA:1,1\nDA:2', /expected DA:<line>,<hits>/);
  });

  it('billion laughs (internal entity declarations) is refused without expanding anything', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE coverage [',
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<coverage lines-covered="&lol9;" lines-valid="2"><packages/></coverage>',
    ].join('\n');
    return expectInvalid(lol, /entity declarations are refused/);
  });

  it('XXE (external entity to a local file) is refused and the file is never read', () =>
    expectInvalid(
      '<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><coverage line-rate="1"><sources><source>&xxe;</source></sources></coverage>',
      /entity declarations are refused/,
    ));

  it('an undeclared entity reference is malformed XML', () =>
    expectInvalid('<coverage line-rate="1"><sources><source>&xxe;</source></sources></coverage>', /not well-formed/));

  it('negative hits (Cobertura)', () => expectInvalid(COBERTURA_OK.replace('hits="0"', 'hits="-3"'), /non-negative/));
  it('non-numeric root totals (Cobertura)', () =>
    expectInvalid(COBERTURA_OK.replace('lines-valid="2"', 'lines-valid="two"'), /lines-valid> must be a non-negative/));
  it('covered above valid (Cobertura) with no line detail to count instead', () =>
    expectInvalid(
      '<coverage lines-covered="5" lines-valid="2"><packages/></coverage>',
      /\(report\) <coverage lines-covered\/lines-valid>: covered 5 exceeds total 2, and there are no class-level <line> elements to count instead/,
    ));
  it('covered above valid (Cobertura) with line detail: the lines are counted, and the report says so', async () => {
    const report = await parseText(COBERTURA_OK.replace('lines-covered="1"', 'lines-covered="5"'));
    expect(report.lines).toEqual({ covered: 1, valid: 2, pct: 50 });
    expect(report.findings).toEqual([
      expect.objectContaining({ summary: { covered: 5, valid: 2 }, detail: { covered: 1, valid: 2 }, used: 'detail' }),
    ]);
  });
  it('negative DA hits (LCOV)', () =>
    expectInvalid('SF:a.ts\nDA:1,-1\nend_of_record\n', /hits must be a non-negative/));
  it('non-numeric LF (LCOV)', () => expectInvalid('SF:a.ts\nDA:1,1\nLF:x\nLH:1\nend_of_record\n', /LF/));
  it('garbage line inside LCOV', () =>
    expectInvalid('SF:a.ts\nDA:1,1\n\u0000\u0001junk\nend_of_record\n', /not an LCOV/));
  it('negative JaCoCo counter', () =>
    expectInvalid('<report name="x"><counter type="LINE" missed="-1" covered="3"/></report>', /missed must be/));
  it('non-numeric Go count', () => expectInvalid('mode: set\na.go:1.1,2.2 1 x\n', /count must be/));
  it('Go profile without a mode line', () => expectInvalid('a.go:1.1,2.2 1 1\n', /not a recognised/));

  it('a report with zero valid lines fails instead of passing', async () => {
    await expectInvalid('<coverage lines-covered="0" lines-valid="0"><packages/></coverage>', /0 valid lines/);
    await expectInvalid('TN:\nSF:a.ts\nLF:0\nLH:0\nend_of_record\n', /0 valid lines/);
    await expectInvalid('mode: set\n', /0 valid lines/);
  });

  it('a forced format that does not fit is invalid, not zero', () =>
    expectInvalid('TN:\nSF:a.ts\nDA:1,1\nend_of_record\n', /not well-formed XML/, 'cobertura'));

  it('a large truncated report fails in bounded time', async () => {
    const line = '<line number="1" hits="1"/>';
    const big = `<coverage line-rate="1"><packages><package><classes><class filename="a.ts"><lines>${line.repeat(200_000)}`;
    await expectInvalid(big, /not well-formed XML/);
  });
});

describe('format quirks of real tools', () => {
  it('BOM, CRLF, Windows paths and ./ prefixes (LCOV)', async () => {
    const text = '\ufeffTN:\r\nSF:.\\src\\a.ts\r\nDA:1,1\r\nDA:2,0\r\nLF:2\r\nLH:1\r\nend_of_record\r\n';
    const report = await parseReport(Readable.from([Buffer.from(text)]), { keepLines: () => true });
    expect(report.format).toBe('lcov');
    expect(report.files[0]?.path).toBe('src/a.ts');
    expect(report.lines).toEqual({ covered: 1, valid: 2, pct: 50 });
  });

  it('a record without LF/LH is counted from its distinct DA lines', async () => {
    const report = await parseText('SF:a.ts\nDA:1,0\nDA:1,2\nDA:2,0\nBRDA:1,0,0,1\nBRDA:1,0,1,-\nend_of_record\n');
    expect(report.lines).toEqual({ covered: 1, valid: 2, pct: 50 });
    expect(report.branches).toEqual({ covered: 1, valid: 2, pct: 50 });
  });

  it('Cobertura without root totals counts class-level lines once per file and line, ignoring <methods>', async () => {
    const xml = `<coverage line-rate="0.99"><packages><package name="p"><classes>
      <class name="A" filename="src\\a.cs"><methods><method name="m"><lines><line number="1" hits="0"/><line number="9" hits="0"/></lines></method></methods>
        <lines><line number="1" hits="3" branch="True" condition-coverage="50% (1/2)"/><line number="2" hits="0"/></lines></class>
      <class name="A+Nested" filename="src/a.cs"><lines><line number="2" hits="4"/><line number="3" hits="0"/></lines></class>
    </classes></package></packages></coverage>`;
    const report = await parseText(xml);
    expect(report.lines).toEqual({ covered: 2, valid: 3, pct: (2 * 100) / 3 });
    expect(report.branches).toEqual({ covered: 1, valid: 2, pct: 50 });
    expect(report.files).toHaveLength(1);
  });

  it('Go coverprofile: statements, duplicate blocks merged by max count', async () => {
    const profile = [
      'mode: count',
      'example.com/m/pkg/a.go:3.10,5.2 2 1',
      'example.com/m/pkg/a.go:7.10,9.2 3 0',
      'mode: count',
      'example.com/m/pkg/a.go:7.10,9.2 3 2',
      'example.com/m/pkg/b.go:1.1,1.20 1 0',
    ].join('\n');
    const report = await parseText(profile);
    expect(report.format).toBe('go');
    expect(report.lines).toEqual({ covered: 5, valid: 6, pct: (5 * 100) / 6 });
    expect(report.branches).toBeNull();
  });
});
