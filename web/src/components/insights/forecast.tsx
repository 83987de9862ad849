/** The forecast: burn rate, when the balance runs out against the renewal, what renewal brings. */
import { credits, date } from '../../lib/format';
import type { Insights } from './data';
import { daysUntil, perDay, relativeDays } from './format';

export function Forecast({ f, now }: { f: Insights['forecast']; now: number }) {
  const renewal = f.period_end ? Date.parse(f.period_end) : null;
  const runsOut = f.runs_out_at ? Date.parse(f.runs_out_at) : null;
  return (
    <section aria-labelledby="forecast-h" className="insights-section">
      <h2 id="forecast-h">Forecast</h2>
      <div className="cards" data-testid="forecast">
        <div className="card">
          <h3>Burn rate</h3>
          <p className="big">{perDay(f.burn_per_day)}</p>
          <p className="help">
            {credits(f.used_in_window)} used over the last {f.window_days.toLocaleString('en-US')} days
          </p>
        </div>
        <div className={`card${f.runs_out_before_renewal ? ' card-warn' : ''}`}>
          <h3>Balance runs out</h3>
          <p className="big">{runsOut ? date(f.runs_out_at as string) : 'Not at this rate'}</p>
          <p className="help">
            {runsOut ? `${relativeDays(daysUntil(now, runsOut))}, ` : ''}
            {credits(f.available)} available now
            {renewal
              ? f.runs_out_before_renewal
                ? ` — before the renewal on ${date(f.period_end as string)}`
                : ` — lasts until the renewal on ${date(f.period_end as string)}`
              : ' — no renewal on this plan'}
          </p>
        </div>
        <div className={`card${f.shortfall > 0 ? ' card-warn' : ''}`}>
          <h3>Shortfall before renewal</h3>
          <p className="big">{credits(f.shortfall)}</p>
          <p className="help">
            {credits(f.projected_use_until_renewal)} projected use until{' '}
            {renewal ? date(f.period_end as string) : 'a renewal'}
          </p>
        </div>
        <div className="card">
          <h3>At renewal</h3>
          <p className="big">+{credits(f.arriving_at_renewal)}</p>
          <p className="help">
            {f.forfeit_at_renewal > 0 || f.projected_forfeit_at_renewal > 0
              ? `${credits(f.forfeit_at_renewal)} over the rollover cap would be forfeited if nothing more were used (${credits(f.projected_forfeit_at_renewal)} at this rate)`
              : 'Nothing will be forfeited over the rollover cap'}
          </p>
        </div>
      </div>
    </section>
  );
}
