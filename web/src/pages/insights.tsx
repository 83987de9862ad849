/**
 * Insights (SPEC §4): the forecast, the advice on packs versus a plan change with the money
 * behind it, the usage audit, past periods and workflow efficiency. Loaded lazily (routes.tsx),
 * so the charts' code is fetched only when someone opens this page.
 */
import { useState } from 'react';
import { ErrorView } from '../components/error-view';
import { AdviceView } from '../components/insights/advice';
import { useInsights } from '../components/insights/data';
import { Efficiency } from '../components/insights/efficiency';
import { Forecast } from '../components/insights/forecast';
import { Seasonal } from '../components/insights/seasonal';
import { UsageAudit } from '../components/insights/usage-audit';
import { dateTime } from '../lib/format';
import { useOrg } from '../session';
import '../components/insights/insights.css';

const PERIOD_CHOICES = [3, 6, 12, 24];

export function InsightsPage() {
  const { orgId } = useOrg();
  // A year of periods by default: the advice and the seasonal view look over the same ones.
  const [periods, setPeriods] = useState(12);
  const insights = useInsights(orgId, periods);
  const [now] = useState(() => Date.now());
  const i = insights.data;
  const serverNow = i ? Date.parse(i.generated_at) : now;
  return (
    <div className="insights">
      <div className="insights-head">
        <h1>Insights</h1>
        <label className="periods-choice">
          Look back over
          <select value={periods} onChange={(e) => setPeriods(Number(e.target.value))}>
            {PERIOD_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n} periods
              </option>
            ))}
          </select>
        </label>
      </div>
      {insights.isError ? (
        <ErrorView error={insights.error} retry={() => insights.refetch()} orgId={orgId} />
      ) : !i ? (
        <p className="loading" role="status">
          Loading insights…
        </p>
      ) : (
        <>
          <p className="help">As of {dateTime(i.generated_at)}.</p>
          <Forecast f={i.forecast} now={serverNow} />
          {/* The costs list the current tier first (docs/insights.md). */}
          <AdviceView a={i.advice} tier={i.advice.costs[0]?.tier ?? ''} />
        </>
      )}
      <UsageAudit org={orgId} now={now} />
      {i && (
        <>
          <Seasonal i={i} />
          <Efficiency e={i.efficiency} />
        </>
      )}
    </div>
  );
}

export default InsightsPage;
