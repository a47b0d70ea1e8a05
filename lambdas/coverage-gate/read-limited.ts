import type { Readable } from 'node:stream';

/**
 * The whole stream as bytes, or `undefined` as soon as it passes `maxBytes`: reading stops there and the
 * stream is destroyed, so an oversized object costs at most `maxBytes` of memory and transfer.
 */
export async function readAtMost(input: Readable, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
      size += buf.length;
      if (size > maxBytes) return undefined;
      chunks.push(buf);
    }
  } finally {
    input.destroy();
  }
  return Buffer.concat(chunks, size);
}

/** `64 MiB` for 64 * 1024 * 1024; limits here are whole KiB or MiB. */
export function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
