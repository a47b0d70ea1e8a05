import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** The first bytes of a stream plus a stream that still yields everything, those bytes included. */
export interface PeekedStream {
  readonly head: Buffer;
  readonly stream: Readable;
}

/** Reads at least `bytes` bytes (or the whole input if shorter) without losing them for the parser. */
export async function peekStream(input: Readable, bytes = 1024): Promise<PeekedStream> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const taken: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    taken.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(taken);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** UTF-8 text chunks of a byte stream, multi-byte characters kept whole and a leading BOM dropped. */
export async function* textChunks(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
