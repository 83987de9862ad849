// @vitest-environment jsdom
/** The scrolling region around wide tables: one component, named and reachable by keyboard. */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { TableWrap } from './table-wrap';

afterEach(cleanup);

// Every source file of the app, as text (Vite reads them; the tests' own files left out).
const SOURCES = import.meta.glob<string>(['../**/*.{ts,tsx}', '!../**/*.test.{ts,tsx}'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

describe('<TableWrap>', () => {
  it('is a region named by its label that a keyboard can reach', () => {
    render(
      <TableWrap label="Transactions">
        <table />
      </TableWrap>,
    );
    const region = screen.getByRole('region', { name: 'Transactions' });
    expect(region.getAttribute('tabindex')).toBe('0');
    expect(region.className).toBe('table-wrap');
  });

  it('is the only component that draws the scrolling table region', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    const drawing = Object.entries(SOURCES).filter(([, text]) => text.includes('className="table-wrap"'));
    expect(drawing.map(([file]) => file)).toEqual(['./table-wrap.tsx']);
  });
});
