/**
 * The settings table in `src/config/README.md` is what operators read: a default it states
 * must be the default `loadConfig` applies, in production and outside it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PASSWORD_HASH_COST } from '../../src/app/passwords.ts';
import { loadConfig } from '../../src/config/config.ts';

const README = readFileSync(new URL('../../src/config/README.md', import.meta.url), 'utf8');

/** The default column of the table row for an env var. */
function documentedDefault(envVar: string): string {
  const row = README.split('\n').find((l) => l.startsWith(`| \`${envVar}\` |`));
  if (!row) throw new Error(`${envVar} has no row in src/config/README.md`);
  return row.split('|')[3]!.trim();
}

/** "`true` outside production, `false` in production" → the value stated for one mode. */
function statedFor(text: string, mode: 'outside production' | 'in production'): boolean | undefined {
  const m = new RegExp(`\`(true|false)\` ${mode}`).exec(text);
  return m ? m[1] === 'true' : undefined;
}

const development = () => loadConfig({ env: {} });
const production = () => loadConfig({ env: { NODE_ENV: 'production', AMISI_PAYMENTS: 'disabled' } });

describe('documented defaults', () => {
  it('states the AMISI_WEBHOOKS_ALLOW_PRIVATE default of each mode as loadConfig applies it', () => {
    const text = documentedDefault('AMISI_WEBHOOKS_ALLOW_PRIVATE');
    expect(statedFor(text, 'outside production')).toBe(development().notifications.webhooks_allow_private);
    expect(statedFor(text, 'in production')).toBe(production().notifications.webhooks_allow_private);
  });

  it('states the AMISI_PASSWORD_HASH_COST default as loadConfig applies it and passwords hash at it', () => {
    const stated = Number(/^`(\d+)`$/.exec(documentedDefault('AMISI_PASSWORD_HASH_COST'))?.[1]);
    expect(stated).toBe(PASSWORD_HASH_COST);
    expect(development().password_hash_cost).toBe(stated);
    expect(production().password_hash_cost).toBe(stated);
  });
});
