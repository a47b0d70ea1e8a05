/**
 * Largest webhook body accepted, in bytes: 5 MiB. A synchronous Lambda invocation carries at most
 * 6 MB of event (the body plus headers, JSON-escaped), an HTTP API request at most 10 MB, and GitHub
 * sends up to 25 MB, so bodies past this would fail further in anyway. Read by the PushTrigger
 * construct (its `MAX_BODY_BYTES` default) and by the webhook handler.
 *
 * Sources: Lambda `Invoke` ("For synchronous invocations, the maximum payload size is 6 MB",
 * https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html); HTTP API quotas ("Payload size
 * 10 MB", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html);
 * GitHub ("Payloads are capped at 25 MB",
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads).
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
