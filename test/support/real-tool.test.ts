import { hasTool } from './real-tool';

describe('real-tool gate', () => {
  const saved = process.env.CI;
  afterEach(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  test('finds a tool on the PATH without needing a version flag', () => {
    expect(hasTool('sh')).toBe(true);
  });

  test('a missing tool means "skip" on a laptop', () => {
    process.env.CI = '';
    expect(hasTool('no-such-tool-for-this-test')).toBe(false);
  });

  test('a missing tool fails when CI=true, so CI can never pass by skipping', () => {
    process.env.CI = 'true';
    expect(() => hasTool('no-such-tool-for-this-test')).toThrow(/required when CI=true/);
  });
});
