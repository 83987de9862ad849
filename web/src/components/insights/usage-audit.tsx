/**
 * The usage audit: credits by tool, resolution, member, project and day over a chosen range
 * of UTC days, each as a chart with its table.
 */
import { useId, useState } from 'react';
import { credits } from '../../lib/format';
import { Chart } from '../chart';
import { ErrorView } from '../error-view';
import { type Group, useNames, useUsageReport } from './data';
import { fillDays, lastDays, operationLabel, rangeDays, rangeQuery, sharePct } from './format';

const PRESETS = [7, 30, 90, 365];

export function UsageAudit({ org, now }: { org: string; now: number }) {
  const [range, setRange] = useState(() => lastDays(now, 30));
  const [draft, setDraft] = useState(range);
  const fromId = useId();
  const toId = useId();
  const valid = rangeDays(draft.from, draft.to) > 0;
  return (
    <section aria-labelledby="audit-h" className="insights-section">
      <h2 id="audit-h">Usage audit</h2>
      <form
        className="range-form"
        aria-label="Date range"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) setRange(draft);
        }}
      >
        <div className="row">
          <label htmlFor={fromId}>
            From
            <input
              id={fromId}
              type="date"
              value={draft.from}
              max={draft.to}
              required
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            />
          </label>
          <label htmlFor={toId}>
            To
            <input
              id={toId}
              type="date"
              value={draft.to}
              min={draft.from}
              required
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            />
          </label>
          <button type="submit" className="primary" disabled={!valid}>
            Show
          </button>
        </div>
        <div className="row presets">
          <span className="help">Or the last</span>
          {PRESETS.map((d) => (
            <button
              key={d}
              type="button"
              className="small"
              aria-pressed={rangeDays(range.from, range.to) === d && range.to === lastDays(now, d).to}
              onClick={() => {
                const r = lastDays(now, d);
                setDraft(r);
                setRange(r);
              }}
            >
              {d} days
            </button>
          ))}
        </div>
        {!valid && (
          <p className="help" role="alert">
            The start must be on or before the end.
          </p>
        )}
      </form>
      <p className="help">
        UTC days {range.from} to {range.to} ({rangeDays(range.from, range.to)} days).
      </p>
      <Daily org={org} range={range} />
      <div className="audit-grid">
        <Grouped org={org} range={range} group="operation" title="By resolution" heading="Resolution" />
        <Grouped org={org} range={range} group="tool" title="By tool" heading="Tool" />
        <Grouped org={org} range={range} group="member" title="By member" heading="Member" />
        <Grouped org={org} range={range} group="project" title="By project" heading="Project" />
      </div>
    </section>
  );
}

type Range = { from: string; to: string };

function Daily({ org, range }: { org: string; range: Range }) {
  const q = rangeQuery(range.from, range.to);
  const r = useUsageReport(org, 'day', q.from, q.to);
  return (
    <div className="card audit-card" data-testid="audit-day">
      <h3>By day</h3>
      {r.isError ? (
        <ErrorView error={r.error} retry={() => r.refetch()} />
      ) : !r.data ? (
        <p className="help">Loading…</p>
      ) : (
        <DailyChart rows={r.data.rows} total={r.data.total} count={r.data.count} range={range} />
      )}
    </div>
  );
}

function DailyChart({
  rows,
  total,
  count,
  range,
}: {
  rows: { key: string; credits: number; count: number }[];
  total: number;
  count: number;
  range: Range;
}) {
  const d = fillDays(rows, range.from, range.to);
  const used = rows.length;
  // Up to six weeks as one bar per day; longer as a line on a time axis.
  const line = d.days.length > 45;
  return (
    <>
      <p className="help">
        {credits(total)} in {count.toLocaleString('en-US')} charges, on {used} of {d.days.length} days.
      </p>
      <Chart
        label={`Credits used per day from ${range.from} to ${range.to}: ${credits(total)} in all`}
        categoryHeading="Day"
        categories={used === 0 ? [] : d.days}
        series={[{ label: 'Credits', values: d.credits }]}
        kind={line ? 'line' : 'bars'}
        time={line}
        axisLabel={shortDay}
        extraColumns={[{ heading: 'Charges', cell: (i) => d.counts[i] ?? 0 }]}
      />
    </>
  );
}

/** "Nov 28" for an axis under a bar. */
function shortDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

function Grouped({
  org,
  range,
  group,
  title,
  heading,
}: {
  org: string;
  range: Range;
  group: Exclude<Group, 'day'>;
  title: string;
  heading: string;
}) {
  const q = rangeQuery(range.from, range.to);
  const r = useUsageReport(org, group, q.from, q.to);
  const name = useNames(org);
  const label =
    group === 'operation'
      ? operationLabel
      : group === 'member' || group === 'project'
        ? name
        : (k: string) => k;
  return (
    <div className="card audit-card" data-testid={`audit-${group}`}>
      <h3>{title}</h3>
      {r.isError ? (
        <ErrorView error={r.error} retry={() => r.refetch()} />
      ) : !r.data ? (
        <p className="help">Loading…</p>
      ) : (
        <Chart
          label={`Credits by ${heading.toLowerCase()} from ${range.from} to ${range.to}: ${r.data.rows
            .slice(0, 5)
            .map((x) => `${label(x.key)} ${x.credits}`)
            .join(', ')}`}
          categoryHeading={heading}
          categories={r.data.rows.map((x) => x.key)}
          categoryLabel={label}
          axisLabel={group === 'operation' ? (k) => operationLabel(k).split(' · ')[0] ?? k : label}
          series={[{ label: 'Credits', values: r.data.rows.map((x) => x.credits) }]}
          kind="bars"
          height={200}
          tableOpen
          extraColumns={[
            { heading: 'Charges', cell: (i) => (r.data.rows[i]?.count ?? 0).toLocaleString('en-US') },
            { heading: 'Share', cell: (i) => sharePct(r.data.rows[i]?.credits ?? 0, r.data.total) },
          ]}
        />
      )}
    </div>
  );
}
