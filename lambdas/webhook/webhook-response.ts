import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON reply; GitHub shows status and body on the delivery's page. */
export function jsonResponse(
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
