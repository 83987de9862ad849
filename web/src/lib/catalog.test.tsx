// @vitest-environment jsdom
/** Tier names: the catalog's own, from one function, wherever the app shows a tier. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { tierName, useTierName } from './catalog';

afterEach(cleanup);

// Every source file of the app, as text (Vite reads them; the tests' own files left out).
const SOURCES = import.meta.glob<string>(['../**/*.{ts,tsx}', '!../**/*.test.{ts,tsx}'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

const TIERS = [
  { id: 'free', name: 'Free' },
  { id: 'pro', name: 'Pro Studio' },
];

function Badge({ tier }: { tier: string }) {
  return <span data-testid="tier">{useTierName()(tier)}</span>;
}

describe('tierName', () => {
  it("uses the catalog's name for the tier", () => {
    expect(tierName(TIERS, 'pro')).toBe('Pro Studio');
    expect(tierName(TIERS, 'free')).toBe('Free');
  });

  it('falls back to the id with a capital while the catalog loads or for a tier it does not list', () => {
    expect(tierName(undefined, 'business')).toBe('Business');
    expect(tierName(TIERS, 'legacy')).toBe('Legacy');
  });

  it('is bound to the shared catalog query by useTierName', async () => {
    const qc = new QueryClient();
    qc.setQueryData(['catalog'], { tiers: TIERS, packs: [], tools: [] });
    render(
      <QueryClientProvider client={qc}>
        <Badge tier="pro" />
      </QueryClientProvider>,
    );
    expect(screen.getByTestId('tier').textContent).toBe('Pro Studio');
  });
});

describe('tiers are named in one place', () => {
  it('no file shows a raw tier id or keeps its own table or capitaliser of tier names', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    const offenders = Object.entries(SOURCES)
      .filter(([file]) => file !== './catalog.ts')
      .filter(
        ([, text]) =>
          /(?<![$=])\{\s*[\w.]*\.tier\s*\}/.test(text) || // a tier id rendered as it is: {b.tier}
          /TIER_NAMES|tierName\s*=\s*\(|charAt\(0\)\.toUpperCase\(\)/.test(text) || // a table or capitaliser of its own
          /<span className="capitalize">\{current\}/.test(text),
      )
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });
});
