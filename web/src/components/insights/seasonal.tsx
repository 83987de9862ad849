/** Past periods side by side (used, forfeited) and the same period a year ago. */

import { credits, date } from '../../lib/format';
import { Chart } from '../chart';
import type { Insights } from './data';
import { periodLabel } from './format';

export function Seasonal({ i }: { i: Insights }) {
  const periods = i.advice.periods;
  const ly = i.forecast.last_year;
  const labels = periods.map((p) => periodLabel(p.start, p.end));
  return (
    <section aria-labelledby="seasonal-h" className="insights-section">
      <h2 id="seasonal-h">Past periods</h2>
      {ly ? (
        <p data-testid="last-year">
          The same period last year ({date(ly.from)} – {date(new Date(Date.parse(ly.to) - 1).toISOString())})
          used <strong>{credits(ly.used)}</strong>.
        </p>
      ) : (
        <p className="help">A year of history will show the same period last year here.</p>
      )}
      {periods.length === 0 ? (
        <p className="help">No complete billing period yet.</p>
      ) : (
        <Chart
          label={`Credits used and forfeited in each of the last ${periods.length} complete periods`}
          categoryHeading="Period"
          categories={periods.map((p) => p.start)}
          categoryLabel={(start) => labels[periods.findIndex((p) => p.start === start)] ?? start}
          axisLabel={(start) =>
            new Date(start).toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' })
          }
          series={[
            { label: 'Used', values: periods.map((p) => p.used) },
            { label: 'Forfeited', values: periods.map((p) => p.forfeited), color: '#c2410c' },
          ]}
          kind="bars"
        />
      )}
    </section>
  );
}
