// @vitest-environment jsdom
/**
 * The chart wrapper's table: the data a canvas cannot say, always rendered, folded or open;
 * where no canvas can be drawn (jsdom has none), the table still carries everything.
 */
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Chart, dayToSeconds } from './chart';

afterEach(cleanup);

describe('Chart', () => {
  const props = {
    label: 'Credits by resolution',
    categoryHeading: 'Resolution',
    categories: ['image.generate/720p', 'image.generate/4k'],
    series: [{ label: 'Credits', values: [1200, 36] }],
  };

  it('renders its data as a table folded in a <details>, with the label as caption', () => {
    const { container } = render(<Chart {...props} />);
    const details = container.querySelector('details');
    expect(details).not.toBeNull();
    expect(details?.querySelector('summary')?.textContent).toBe('Data table (2 rows)');
    const table = within(details as HTMLElement).getByRole('table', { hidden: true });
    expect(table.querySelector('caption')?.textContent).toBe('Credits by resolution');
    const rows = within(table).getAllByRole('row', { hidden: true });
    expect(rows.map((r) => r.textContent)).toEqual([
      'ResolutionCredits',
      'image.generate/720p1,200',
      'image.generate/4k36',
    ]);
  });

  it('shows the table open, with category labels, a value format and extra columns', () => {
    render(
      <Chart
        {...props}
        tableOpen
        categoryLabel={(c) => c.split('/')[1] ?? c}
        format={(v) => `${v} cr`}
        extraColumns={[{ heading: 'Share', cell: (i) => (i === 0 ? '97.1%' : '2.9%') }]}
      />,
    );
    const table = screen.getByRole('table');
    expect(table.closest('details')).toBeNull();
    // The scrollable wrapper is a labelled region a keyboard can reach.
    const region = screen.getByRole('region', { name: 'Table: Credits by resolution' });
    expect(region.tabIndex).toBe(0);
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Resolution', 'Credits', 'Share']);
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((h) => h.textContent),
    ).toEqual(['720p', '4k']);
    expect(
      within(table)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['1200 cr', '97.1%', '36 cr', '2.9%']);
  });

  it('puts several series side by side in the table', () => {
    render(
      <Chart
        label="Used and forfeited per period"
        categoryHeading="Period"
        categories={['Jan', 'Feb']}
        series={[
          { label: 'Used', values: [20, 31] },
          { label: 'Forfeited', values: [4, 0] },
        ]}
        tableOpen
      />,
    );
    const rows = screen.getAllByRole('row').map((r) => r.textContent);
    expect(rows).toEqual(['PeriodUsedForfeited', 'Jan204', 'Feb310']);
  });

  it('says there is no usage instead of drawing an empty chart', () => {
    render(<Chart {...props} categories={[]} series={[{ label: 'Credits', values: [] }]} tableOpen />);
    expect(screen.getByText('No usage in this range.')).toBeTruthy();
    expect(screen.getByRole('cell').textContent).toBe('No rows');
    expect(screen.queryByTestId('chart-canvas')).toBeNull();
  });

  it('keeps the table when the canvas cannot be drawn', async () => {
    render(<Chart {...props} tableOpen />);
    const box = screen.getByTestId('chart-canvas');
    // jsdom has no canvas (and no matchMedia): uPlot fails to load or draw; the table stays.
    await waitFor(() => expect(box.dataset.failed).toBe('true'));
    expect(screen.getAllByRole('row')).toHaveLength(3);
  });

  it('places days on a UTC time axis', () => {
    expect(dayToSeconds('2026-03-01')).toBe(Date.UTC(2026, 2, 1) / 1000);
  });
});
