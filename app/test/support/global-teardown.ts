import type { PostgresServer } from './postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __postgres__?: PostgresServer }).__postgres__?.stop();
}
