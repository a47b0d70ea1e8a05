import { SaxesParser } from 'saxes';
import { CoverageReportInvalid } from './errors';
import { textChunks } from './report-stream';

/** Attributes of one element, as plain strings. */
export type XmlAttributes = Record<string, string>;

/** What a format's XML parser reacts to; `depth` is 0 for the root element. */
export interface XmlHandlers {
  open(name: string, attributes: XmlAttributes, depth: number): void;
  close?(name: string, depth: number): void;
}

/**
 * Streams XML through saxes, which never fetches an external DTD or entity. A DOCTYPE with an internal
 * subset (entity declarations, the billion-laughs shape) is refused outright, so no expansion can happen.
 */
export async function streamXml(input: AsyncIterable<Buffer | string>, format: string, handlers: XmlHandlers) {
  // Position tracking costs ~10% throughput; errors name the element instead of a line number.
  const parser = new SaxesParser({ xmlns: false, position: false });
  let failure: Error | undefined;
  let depth = 0;
  let sawRoot = false;
  parser.on('error', (err) => {
    failure ??= err;
  });
  parser.on('doctype', (doctype) => {
    if (doctype.includes('[') || /<!ENTITY/i.test(doctype)) {
      failure ??= new CoverageReportInvalid(
        `${format} report declares entities in its DOCTYPE; entity declarations are refused (XXE/expansion risk)`,
      );
    }
  });
  parser.on('opentag', (tag) => {
    if (failure !== undefined) return;
    sawRoot = true;
    try {
      handlers.open(tag.name, tag.attributes as XmlAttributes, depth);
    } catch (err) {
      failure = err as Error;
    }
    depth += 1;
  });
  parser.on('closetag', (tag) => {
    depth -= 1;
    if (failure !== undefined || handlers.close === undefined) return;
    try {
      handlers.close(tag.name, depth);
    } catch (err) {
      failure = err as Error;
    }
  });
  for await (const text of textChunks(input)) {
    parser.write(text);
    if (failure !== undefined) break;
  }
  if (failure === undefined) parser.close();
  if (failure !== undefined) {
    if (failure instanceof CoverageReportInvalid) throw failure;
    throw new CoverageReportInvalid(`${format} report is not well-formed XML: ${failure.message}`);
  }
  if (!sawRoot) throw new CoverageReportInvalid(`${format} report has no root element`);
}
