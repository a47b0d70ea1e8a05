import { join } from 'node:path';
import { loadConfig } from '../../lib/config/load-config';

test('the documented example configuration is valid', () => {
  const config = loadConfig(join(__dirname, '..', '..', 'docs', 'configuration.example.json'));
  expect(config.services.map((s) => s.name)).toEqual(['orders', 'billing']);
  expect(config.services[1]?.appPath).toBe('app');
});
