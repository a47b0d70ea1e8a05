export { DEFAULT_MAX_BODY_BYTES } from '../../lib/contracts/webhook-limits';
