import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** `sha256=<hex>` computed here independently of the code under test. */
export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A request exactly as API Gateway HTTP API (payload format 2.0) hands it to the function. */
export function httpApiEvent(opts: {
  body?: string;
  headers?: Record<string, string>;
  method?: string;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const method = opts.method ?? 'POST';
  const body = opts.body;
  return {
    version: '2.0',
    routeKey: `${method} /webhooks/github`,
    rawPath: '/webhooks/github',
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'user-agent': 'GitHub-Hookshot/5f1c2a3',
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'x-forwarded-for': '140.82.115.1',
      'x-forwarded-proto': 'https',
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
      ...opts.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: '/webhooks/github',
        protocol: 'HTTP/1.1',
        sourceIp: '140.82.115.1',
        userAgent: 'GitHub-Hookshot/5f1c2a3',
      },
      requestId: 'req-1',
      routeKey: `${method} /webhooks/github`,
      stage: '$default',
      time: '15/May/2019:15:20:41 +0000',
      timeEpoch: 1557933641000,
    },
    isBase64Encoded: opts.base64 === true,
    ...(body === undefined ? {} : { body: opts.base64 === true ? Buffer.from(body).toString('base64') : body }),
  };
}
