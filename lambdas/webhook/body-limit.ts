/**
 * Largest webhook body accepted, in bytes of the raw body as GitHub sent it (a base64-encoded body is
 * measured decoded; multi-byte text counts its UTF-8 bytes): 5 MiB. The limits around it:
 * - GitHub: "Payloads are capped at 25 MB. If an event generates a larger payload, GitHub will not
 *   deliver a payload for that webhook event" (docs.github.com, "Webhook events and payloads").
 * - Lambda `Invoke`: "For synchronous invocations, the maximum payload size is 6 MB" (the whole event:
 *   headers, JSON escaping, and a third more for a base64-encoded body).
 * - API Gateway HTTP APIs: 10 MB of request payload.
 * So bodies past this would fail further in anyway, and larger ones never reach the function.
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
