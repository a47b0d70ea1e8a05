/**
 * Largest webhook body accepted, in bytes of the raw body as GitHub sent it (a base64-encoded body is
 * measured decoded; multi-byte text counts its UTF-8 bytes): 5 MiB. Read by the PushTrigger
 * construct (its `MAX_BODY_BYTES` default) and by the webhook handler. The limits around it:
 * - GitHub: "Payloads are capped at 25 MB. If an event generates a larger payload, GitHub will not
 *   deliver a payload for that webhook event"
 *   (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
 * - Lambda `Invoke`: "For synchronous invocations, the maximum payload size is 6 MB" (the whole event:
 *   headers, JSON escaping, and a third more for a base64-encoded body;
 *   https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html).
 * - API Gateway HTTP APIs: "Payload size 10 MB"
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 * So bodies past this would fail further in anyway, and larger ones never reach the function.
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
