import { readFileSync } from 'node:fs';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { settings } from '../../src/config';
import { README, configBlock, readConfigBlock, renderConfigTable, withConfigTable } from '../../scripts/configTable';

const FIX = 'Run `npx tsx scripts/configTable.ts --write` to regenerate it.';

describe("the README's configuration table", () => {
  it('is exactly the table generated from src/config.ts', () => {
    const block = readConfigBlock(readFileSync(README, 'utf8'));
    expect(block, `README.md has no configuration table. ${FIX}`).toBeDefined();
    expect(block, `README.md's configuration table is out of date. ${FIX}`).toBe(configBlock(renderConfigTable()));
  });
});

describe('renderConfigTable', () => {
  const table = renderConfigTable();
  const rows = table.split('\n').slice(2);

  it('has one row per setting, in the order of src/config.ts', () => {
    expect(rows.map((row) => /^\| `(\w+)`/.exec(row)?.[1])).toEqual(Object.keys(settings));
  });

  it('shows defaults and descriptions', () => {
    expect(table).toMatch(/^\| Variable +\| Default +\| Description +\|$/m);
    expect(rows.find((row) => row.startsWith('| `WEBHOOK_PORT`'))).toMatch(
      /\| `3000` +\| Port of the webhook server\./,
    );
  });

  it("shows every default, a secret setting's too, and marks secret settings (review O2)", () => {
    // The default of a secret setting is no secret (mongodb://127.0.0.1:27017); the value it is given is.
    for (const [name, setting] of Object.entries(settings) as [string, { default?: string; secret?: boolean }][]) {
      const row = rows.find((r) => r.startsWith(`| \`${name}\``)) ?? '';
      if (setting.default !== undefined) expect(row, name).toContain(`| \`${setting.default}\``);
      expect(row.includes('Its value is secret'), name).toBe(setting.secret === true);
    }
    expect(rows.find((row) => row.startsWith('| `MONGODB_URI`'))).toContain('`mongodb://127.0.0.1:27017`');
  });

  it("is already in Prettier's layout, so formatting the README never makes it drift", async () => {
    expect(await format(table, { parser: 'markdown', printWidth: 120 })).toBe(`${table}\n`);
  });
});

describe('withConfigTable', () => {
  it('replaces only the block between the markers', () => {
    const readme = `# Title\n\nIntro.\n\n${configBlock('| old |')}\n\n## After\n\nText $& and $1.\n`;
    expect(withConfigTable(readme, '| new |')).toBe(readme.replace('| old |', '| new |'));
  });

  it('without markers, appends a Configuration section holding the block', () => {
    const updated = withConfigTable('# Title\n\nIntro.\n', '| t |');
    expect(updated.startsWith('# Title\n\nIntro.\n\n## Configuration\n')).toBe(true);
    expect(updated.endsWith(`${configBlock('| t |')}\n`)).toBe(true);
  });

  it('is idempotent', () => {
    const once = withConfigTable('# Title\n', renderConfigTable());
    expect(withConfigTable(once, renderConfigTable())).toBe(once);
  });
});
