/**
 * Largest webhook body accepted, in bytes: 5 MiB. A synchronous Lambda invocation carries at most
 * 6 MB of event (the body plus headers, JSON-escaped), an HTTP API request at most 10 MB, and GitHub
 * sends up to 25 MB, so bodies past this would fail further in anyway.
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
