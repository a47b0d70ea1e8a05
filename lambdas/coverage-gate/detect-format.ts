import type { CoverageFormat } from './coverage-types';

/**
 * Names the format of a report from its first bytes (about 1 KB), or `undefined` when it is none the
 * gate reads. XML reports are told apart by their root element and its first children.
 */
export function detectFormat(head: Buffer | string): CoverageFormat | undefined {
  let text = typeof head === 'string' ? head : head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trimStart();
  if (text === '') return undefined;
  if (/^mode:\s*(set|count|atomic)\s*$/m.test(text.split('\n', 1)[0] ?? '')) return 'go';
  if (text.startsWith('<')) return detectXml(text);
  const first = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (/^(TN|SF|VER):/.test(first)) return 'lcov';
  return undefined;
}

function detectXml(text: string): CoverageFormat | undefined {
  // Skip the declaration, comments, processing instructions and the DOCTYPE to reach the root element.
  const body = text
    .replace(/<\?[\s\S]*?\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/i, '')
    .trimStart();
  const root = /^<([A-Za-z_][\w.-]*)([^>]*)>?/.exec(body);
  if (root === null) return undefined;
  const [, name, attributes = ''] = root;
  if (name === 'report') return 'jacoco';
  if (name !== 'coverage') return undefined;
  if (/\bclover\s*=/.test(attributes) || /<project[\s>]/.test(body)) return 'clover';
  if (/\b(line-rate|lines-valid|lines-covered)\s*=/.test(attributes) || /<(sources|packages)[\s>]/.test(body)) {
    return 'cobertura';
  }
  return undefined;
}
