/**
 * Checks a message against Block Kit's documented structure and limits (Slack developer docs,
 * https://docs.slack.dev/reference/block-kit/blocks and each block's page; the figures are those of
 * lambdas/shared/notifications/slack-limits.ts, restated here so the check does not trust the code it
 * checks): up to 50 blocks; header: plain_text, at most 150 characters; section: text (at most 3000)
 * and/or fields (at most 10, each at most 2000); context: 1-10 text elements; divider; block_id at
 * most 255. Also checks the mrkdwn is well formed: code fences closed, `<`/`>` only around links,
 * `&` only in the three entities. Returns the problems, one line each (empty: valid).
 */
export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (typeof message !== 'object' || message === null) return ['message: not an object'];
  const m = message as Record<string, unknown>;
  for (const key of Object.keys(m))
    if (!['text', 'blocks', 'attachments'].includes(key)) fail('message', `unknown key ${key}`);
  if (typeof m.text !== 'string' || m.text.length === 0) fail('message.text', 'a non-empty fallback text is required');
  const all: Array<[string, unknown]> = [];
  if (!Array.isArray(m.blocks)) fail('message.blocks', 'must be an array');
  else for (const [i, b] of m.blocks.entries()) all.push([`blocks[${i}]`, b]);
  if (m.attachments !== undefined) {
    if (!Array.isArray(m.attachments)) fail('message.attachments', 'must be an array');
    else
      m.attachments.forEach((a: Record<string, unknown>, i) => {
        if (typeof a.color !== 'string' || !/^#[0-9A-Fa-f]{6}$/.test(a.color))
          fail(`attachments[${i}].color`, 'must be #RRGGBB');
        if (!Array.isArray(a.blocks)) fail(`attachments[${i}].blocks`, 'must be an array');
        else for (const [j, b] of a.blocks.entries()) all.push([`attachments[${i}].blocks[${j}]`, b]);
      });
  }
  if (all.length > 50) fail('message', `${all.length} blocks, more than 50`);
  for (const [where, block] of all) checkBlock(where, block as Record<string, unknown>, fail);
  return problems;
}

type Fail = (where: string, what: string) => void;

function checkText(where: string, text: unknown, max: number, fail: Fail, plainOnly = false): void {
  if (typeof text !== 'object' || text === null) {
    fail(where, 'text object required');
    return;
  }
  const t = text as Record<string, unknown>;
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') fail(where, `type ${String(t.type)} is not plain_text or mrkdwn`);
  if (plainOnly && t.type !== 'plain_text') fail(where, 'must be plain_text');
  for (const key of Object.keys(t)) {
    if (!['type', 'text', 'emoji', 'verbatim'].includes(key)) fail(where, `unknown key ${key}`);
  }
  if (t.emoji !== undefined && t.type !== 'plain_text') fail(where, 'emoji is for plain_text only');
  if (typeof t.text !== 'string' || t.text.length === 0) {
    fail(where, 'text must be a non-empty string');
    return;
  }
  if (t.text.length > max) fail(where, `${t.text.length} characters, more than ${max}`);
  if (t.type === 'mrkdwn') checkMrkdwn(where, t.text, fail);
}

function checkMrkdwn(where: string, text: string, fail: Fail): void {
  if ((text.match(/```/g) ?? []).length % 2 !== 0) fail(where, 'unclosed code fence');
  const withoutLinks = text.replace(/<(https?:\/\/[^|<>\s]+)\|([^<>]*)>/g, '$2');
  if (/[<>]/.test(withoutLinks)) fail(where, 'unescaped < or > outside a link');
  if (/&(?!(amp|lt|gt);)/.test(withoutLinks)) fail(where, 'unescaped &');
}

function checkBlock(where: string, block: Record<string, unknown>, fail: Fail): void {
  if (block.block_id !== undefined && (typeof block.block_id !== 'string' || block.block_id.length > 255)) {
    fail(where, 'block_id longer than 255');
  }
  const keys = Object.keys(block).filter((k) => k !== 'type' && k !== 'block_id');
  switch (block.type) {
    case 'header':
      for (const k of keys) if (k !== 'text') fail(where, `unknown key ${k}`);
      checkText(`${where}.text`, block.text, 150, fail, true);
      return;
    case 'section': {
      for (const k of keys) if (!['text', 'fields'].includes(k)) fail(where, `unknown key ${k}`);
      if (block.text === undefined && block.fields === undefined) fail(where, 'needs text or fields');
      if (block.text !== undefined) checkText(`${where}.text`, block.text, 3000, fail);
      if (block.fields !== undefined) {
        const fields = block.fields as unknown[];
        if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10)
          fail(where, 'fields must hold 1-10 items');
        else for (const [i, f] of fields.entries()) checkText(`${where}.fields[${i}]`, f, 2000, fail);
      }
      return;
    }
    case 'context': {
      for (const k of keys) if (k !== 'elements') fail(where, `unknown key ${k}`);
      const elements = block.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
        fail(where, 'elements must hold 1-10 items');
      else for (const [i, e] of elements.entries()) checkText(`${where}.elements[${i}]`, e, 3000, fail);
      return;
    }
    case 'divider':
      for (const k of keys) fail(where, `unknown key ${k}`);
      return;
    default:
      fail(where, `block type ${String(block.type)} is not used by these messages`);
  }
}
