import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, validateConfig } from '../../lib/config/load-config';

/** The embedded default with the first environment's `scan` replaced. */
function withScan(scan: unknown): unknown {
  const copy = structuredClone(DEFAULT_CONFIG) as any;
  copy.services[0].environments[0].scan = scan;
  return copy;
}

describe('environments[].scan in the pipeline configuration', () => {
  it('defaults to CRITICAL 0, HIGH 0, no exceptions, every unusable status blocking', () => {
    const config = validateConfig(structuredClone(DEFAULT_CONFIG));
    for (const env of config.services[0]?.environments ?? []) {
      expect(env.scan).toEqual({ maxCounts: {}, onlyFixable: false, exceptions: [] });
    }
  });

  it('takes a policy and names the field of a bad one', () => {
    const policy = {
      maxCounts: { HIGH: 2, MEDIUM: null },
      onlyFixable: true,
      exceptions: [{ id: 'CVE-2022-49043', reason: 'XInclude unused', expires: '2025-12-31' }],
      failOnStatus: ['FAILED', 'UNSUPPORTED_IMAGE'],
    };
    expect(validateConfig(withScan(policy)).services[0]?.environments[0]?.scan).toEqual(policy);
    try {
      validateConfig(
        withScan({ maxCounts: { HIGH: -1 }, exceptions: [{ id: 'CVE-1', reason: 'x', expires: '2025-13-01' }] }),
      );
      throw new Error('expected the configuration to be rejected');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      expect(err.problems).toEqual([
        'services[0].environments[0].scan.maxCounts.HIGH: must be 0 or more (null = unlimited)',
        'services[0].environments[0].scan.exceptions[0].expires: is not a calendar date',
      ]);
    }
  });
});
