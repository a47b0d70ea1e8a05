import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 request written by hand so a test can stop half-way through the body. */
export interface PartialRequest {
  /** Sends the rest of the body. */
  finish(): void;
  /** Resolves with the status code once the response arrives, or rejects if the connection drops first. */
  readonly response: Promise<{ status: number; raw: string }>;
  readonly socket: Socket;
}

/** Opens a connection, sends the headers and the first half of a JSON body, and waits. */
export async function startPartialPost(port: number, path: string, body: string): Promise<PartialRequest> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  const response = new Promise<{ status: number; raw: string }>((resolve, reject) => {
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      const match = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n/.exec(raw);
      if (match) resolve({ status: Number(match[1]), raw });
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed before a response (got ${JSON.stringify(raw)})`)));
  });
  response.catch(() => undefined);
  return { socket, response, finish: () => socket.write(body.slice(half)) };
}

/** Resolves with the connection error code, or undefined when a TCP connection could be opened. */
export async function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}
