import Table from 'cli-table3';
import type { Paint } from './output-style';

/**
 * A text table through cli-table3. Headings are bold only when `paint` paints (cli-table3's own
 * default colours are turned off, so a pipe or `NO_COLOR` never gets escape codes).
 */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], paint: Paint): string {
  const table = new Table({
    head: head.map((h) => paint('bold', h)),
    style: { head: [], border: [], compact: true, 'padding-left': 1, 'padding-right': 1 },
    wordWrap: false,
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}
