import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { settings } from '../src/config';

/**
 * The README's configuration table, generated from `settings` so that it cannot drift (a unit test compares
 * them). `npx tsx scripts/configTable.ts --write` rewrites the README block; without `--write` it prints it.
 */

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

interface Documented {
  default?: string;
  description: string;
  secret?: boolean;
}

/** A Markdown table laid out exactly as Prettier lays it out, so `prettier --write` leaves it alone. */
export function renderConfigTable(): string {
  const rows = Object.entries(settings as Record<string, Documented>).map(([name, s]) => [
    code(name),
    // A secret setting's default is no secret (e.g. a local MongoDB); the value the environment gives it is.
    s.default === undefined ? '' : code(s.default),
    cell(s.secret ? `${s.description} Its value is secret: never logged.` : s.description),
  ]);
  const header = ['Variable', 'Default', 'Description'];
  const widths = header.map((_, i) => Math.max(3, ...[header, ...rows].map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (text: string) => `\`${cell(text)}\``;

export const configBlock = (table: string) => `${START}\n\n${table}\n\n${END}`;

/** The block between the markers, markers included; undefined when the README has none. */
export function readConfigBlock(readme: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END, start);
  return start === -1 || end === -1 ? undefined : readme.slice(start, end + END.length);
}

/** The README with its block replaced, or a `## Configuration` section holding it appended at the end. */
export function withConfigTable(readme: string, table: string): string {
  const block = configBlock(table);
  const current = readConfigBlock(readme);
  if (current !== undefined) return readme.replace(current, () => block);
  const intro =
    'Every setting is an environment variable, validated once at start-up; an empty value counts as unset.\n' +
    'This table is generated from `src/config.ts` by `npx tsx scripts/configTable.ts --write`.';
  const before = readme.trimEnd();
  return `${before}${before ? '\n\n' : ''}## Configuration\n\n${intro}\n\n${block}\n`;
}

function main(argv: string[]): void {
  const table = renderConfigTable();
  if (!argv.includes('--write')) {
    console.log(table);
    return;
  }
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
  const updated = withConfigTable(readme, table);
  if (updated !== readme) writeFileSync(README, updated);
  console.log(updated === readme ? 'README.md: configuration table already current' : 'README.md: table updated');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
