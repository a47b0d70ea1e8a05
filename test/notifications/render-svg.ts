import { EMOJI_UNICODE } from '../../lambdas/shared/notifications/describe-event';
import type { SlackBlock, SlackMessage, SlackText } from '../../lambdas/shared/notifications/render-slack';

/**
 * Draws a Block Kit message (the output of `renderSlackMessage`) as an SVG picture for the docs: the
 * header, then the attachment's colour bar beside its blocks; mrkdwn bold, code, code blocks and links
 * styled; Slack's emoji short codes drawn as their Unicode characters. A plain approximation of how
 * Slack lays a message out (fixed line height, wrapping by character count), not a screenshot.
 */

const WIDTH = 720;
const PAD = 16;
const LINE = 20;
/** Characters per line of body text at 14 px (an average glyph width of 7.2 px). */
const BODY_CHARS = 84;

type Style = 'plain' | 'bold' | 'code' | 'link' | 'pre' | 'muted' | 'header';
interface Run {
  readonly text: string;
  readonly style: Style;
}
type Line = Run[];

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const emoji = (s: string) => s.replace(/:[a-z0-9_+-]+:/g, (code) => EMOJI_UNICODE[code] ?? code);

/** mrkdwn to styled lines: code blocks keep their lines, the rest is split into bold, code and link runs. */
function mrkdwnLines(text: string, base: Style): Line[] {
  const lines: Line[] = [];
  const parts = text.split(/```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      for (const l of part.split('\n')) lines.push([{ text: unescapeSlack(l.replace(/\u200b/g, '')), style: 'pre' }]);
      return;
    }
    const own = part.split('\n');
    own.forEach((l, j) => {
      // The line breaks around a code block are the block's own edges, not empty lines.
      if (l === '' && ((j === 0 && i > 0) || (j === own.length - 1 && i < parts.length - 1))) return;
      const runs: Run[] = [];
      const pattern = /\*([^*\n]+)\*|`([^`\n]+)`|<([^|>]+)\|([^>]*)>/g;
      let at = 0;
      for (const m of l.matchAll(pattern)) {
        if (m.index > at) runs.push({ text: emoji(unescapeSlack(l.slice(at, m.index))), style: base });
        if (m[1] !== undefined) runs.push({ text: emoji(unescapeSlack(m[1])), style: 'bold' });
        else if (m[2] !== undefined) runs.push({ text: unescapeSlack(m[2]), style: 'code' });
        else runs.push({ text: unescapeSlack(m[4] ?? ''), style: 'link' });
        at = m.index + m[0].length;
      }
      if (at < l.length) runs.push({ text: emoji(unescapeSlack(l.slice(at))), style: base });
      lines.push(runs);
    });
  });
  return lines;
}

/** Wraps a line of runs at `max` characters (breaking at spaces where it can). */
function wrap(line: Line, max: number): Line[] {
  const out: Line[] = [];
  let current: Run[] = [];
  let length = 0;
  for (const run of line) {
    let rest = run.text;
    while (length + [...rest].length > max) {
      const room = max - length;
      const chars = [...rest];
      let cut = chars.slice(0, room).join('').lastIndexOf(' ');
      if (cut <= 0 || run.style === 'pre') cut = chars.slice(0, room).join('').length;
      if (cut <= 0 && current.length > 0) {
        out.push(current);
        current = [];
        length = 0;
        continue;
      }
      current.push({ text: rest.slice(0, cut), style: run.style });
      out.push(current);
      current = [];
      length = 0;
      rest = rest.slice(cut).replace(/^ /, '');
    }
    if (rest !== '') {
      current.push({ text: rest, style: run.style });
      length += [...rest].length;
    }
  }
  out.push(current);
  return out;
}

const FONT: Readonly<Record<Style, string>> = {
  plain: 'font-size="14" fill="#1d1c1d"',
  bold: 'font-size="14" font-weight="700" fill="#1d1c1d"',
  code: 'font-size="13" font-family="Menlo, Consolas, monospace" fill="#e01e5a"',
  link: 'font-size="14" fill="#1264a3"',
  pre: 'font-size="12.5" font-family="Menlo, Consolas, monospace" fill="#1d1c1d"',
  muted: 'font-size="12.5" fill="#616061"',
  header: 'font-size="18" font-weight="900" fill="#1d1c1d"',
};

function textRows(lines: Line[], x: number, y: number): { svg: string; height: number } {
  const rows = lines.map((line, i) => {
    const spans = line
      .map(
        (r) =>
          `<tspan ${FONT[r.style]}${r.style === 'link' ? ' text-decoration="underline"' : ''}>${xml(r.text)}</tspan>`,
      )
      .join('');
    return `<text x="${x}" y="${y + LINE * (i + 1) - 5}" xml:space="preserve">${spans}</text>`;
  });
  const preBoxes = lines
    .map((line, i) => (line[0]?.style === 'pre' ? i : -1))
    .filter((i) => i >= 0)
    .map((i) => `<rect x="${x - 6}" y="${y + LINE * i}" width="${WIDTH - x - PAD}" height="${LINE}" fill="#f8f8f8"/>`);
  return { svg: [...preBoxes, ...rows].join('\n'), height: lines.length * LINE };
}

function blockLines(block: SlackBlock, chars: number): Line[][] {
  const textLines = (t: SlackText | undefined, base: Style) =>
    t === undefined ? [] : mrkdwnLines(t.text, base).flatMap((l) => wrap(l, chars));
  switch (block.type) {
    case 'header':
      // 18 px black headline text: about 60 characters a line.
      return [wrap([{ text: emoji(block.text.text), style: 'header' }], 60)];
    case 'section': {
      const groups: Line[][] = [];
      if (block.text) groups.push(textLines(block.text, 'plain'));
      // Fields sit in two columns; drawn here as pairs of rows.
      const fields = block.fields ?? [];
      for (let i = 0; i < fields.length; i += 2) {
        const left = textLines(fields[i], 'plain').flatMap((l) => wrap(l, chars / 2 - 2));
        const right = textLines(fields[i + 1], 'plain').flatMap((l) => wrap(l, chars / 2 - 2));
        const rows = Math.max(left.length, right.length);
        const pairs: Line[] = [];
        for (let r = 0; r < rows; r++)
          pairs.push([...(left[r] ?? []), { text: '\u0000', style: 'plain' }, ...(right[r] ?? [])]);
        groups.push(pairs);
      }
      return groups;
    }
    case 'context':
      return [block.elements.flatMap((e) => textLines(e, 'muted'))];
    case 'divider':
      return [[[{ text: '\u0001', style: 'plain' }]]];
  }
}

/** Draws lines, putting the part after a `\u0000` run in the right-hand column. */
function drawGroup(lines: Line[], x: number, y: number): { svg: string; height: number } {
  const left: Line[] = [];
  const right: Line[] = [];
  let columns = false;
  for (const line of lines) {
    const split = line.findIndex((r) => r.text === '\u0000');
    if (split === -1) {
      left.push(line);
      right.push([]);
    } else {
      columns = true;
      left.push(line.slice(0, split));
      right.push(line.slice(split + 1));
    }
  }
  if (lines.length === 1 && lines[0]?.[0]?.text === '\u0001') {
    return { svg: `<line x1="${x}" y1="${y + 8}" x2="${WIDTH - PAD}" y2="${y + 8}" stroke="#dddddd"/>`, height: 16 };
  }
  const a = textRows(left, x, y);
  const b = columns ? textRows(right, x + (WIDTH - x) / 2, y) : { svg: '', height: 0 };
  return { svg: `${a.svg}\n${b.svg}`, height: Math.max(a.height, b.height) };
}

/** The SVG picture of a Slack message. */
export function renderSvg(message: SlackMessage, caption: string): string {
  const parts: string[] = [];
  let y = PAD;
  parts.push(`<text x="${PAD}" y="${y + 14}" font-size="15" font-weight="900" fill="#1d1c1d">Deploy pipeline</text>`);
  parts.push(`<text x="${PAD + 150}" y="${y + 14}" font-size="12" fill="#616061">incoming webhook</text>`);
  y += LINE + 6;
  for (const block of message.blocks) {
    for (const group of blockLines(block, BODY_CHARS)) {
      const drawn = drawGroup(group, PAD, y);
      parts.push(drawn.svg);
      y += drawn.height + 6;
    }
  }
  for (const attachment of message.attachments) {
    const top = y;
    for (const block of attachment.blocks) {
      for (const group of blockLines(block, BODY_CHARS - 3)) {
        const drawn = drawGroup(group, PAD + 16, y);
        parts.push(drawn.svg);
        y += drawn.height + 8;
      }
    }
    parts.push(`<rect x="${PAD}" y="${top}" width="4" height="${y - top - 4}" rx="2" fill="${attachment.color}"/>`);
  }
  y += 4;
  for (const line of wrap([{ text: caption, style: 'plain' }], 110)) {
    parts.push(`<text x="${PAD}" y="${y + 12}" font-size="11" fill="#8d8d8d">${xml(line[0]?.text ?? '')}</text>`);
    y += 15;
  }
  const height = y + PAD;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Lato, 'Helvetica Neue', Arial, sans-serif">`,
    `<title>${xml(message.text)}</title>`,
    `<rect width="${WIDTH}" height="${height}" rx="8" fill="#ffffff" stroke="#e0e0e0"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
