import { executionName, MAX_EXECUTION_NAME } from '../../lambdas/shared/execution-name';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const name = (service: string, environment: string, deliveryId = 'delivery-1') =>
  executionName({ service, environment, commit: COMMIT, deliveryId });

describe('execution names', () => {
  test('read <service>-<environment>-<sha7>-<id>', () => {
    expect(name('orders', 'prod')).toMatch(/^orders-prod-0123456-[0-9a-f]{12}$/);
  });

  test('the same delivery always maps to the same name; another delivery does not', () => {
    expect(name('orders', 'prod')).toBe(name('orders', 'prod'));
    expect(name('orders', 'prod', 'delivery-2')).not.toBe(name('orders', 'prod'));
  });

  test('one push gives every service and environment its own name', () => {
    expect(new Set([name('orders', 'dev'), name('orders', 'prod'), name('billing', 'dev')]).size).toBe(3);
  });

  test('stay within 80 characters of [A-Za-z0-9_-] and distinct even when long names are shortened', () => {
    const environment = 'production-eu-central-1-primary';
    const a = name('customer-notifications-api-v2', environment);
    const b = name('customer-notifications-api-v3', environment);
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
      expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(a).not.toBe(b);
  });

  test('characters Step Functions does not allow are replaced', () => {
    expect(name('svc.with dots', 'env/1')).toMatch(/^svc-with-dots-env-1-0123456-[0-9a-f]{12}$/);
  });
});
