import { DEFAULT_PROTECTED_TYPES } from '../../lib/contracts/plan-guard-policy';

export { DEFAULT_PROTECTED_TYPES };

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/**
 * The protected types: `PROTECTED_RESOURCE_TYPES` (comma list) when set, else the defaults, plus
 * any types the event adds. An event can add protection but never remove it.
 */
export function resolveProtectedTypes(envValue: string | undefined, fromEvent: readonly string[] = []): string[] {
  const base = envValue !== undefined && envValue.trim() !== '' ? splitList(envValue) : DEFAULT_PROTECTED_TYPES;
  return [...new Set([...base, ...fromEvent.map((t) => t.trim()).filter((t) => t !== '')])].sort();
}
