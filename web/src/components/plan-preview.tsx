/**
 * What a plan change does to the balance, in words, from the API's preview
 * (POST /v1/orgs/{org}/subscription/preview): when, credits carried and forfeited, the
 * new allocation, and the balance before and after.
 */
import type { Ok } from '../api/client';
import { credits, date, dateTime, money } from '../lib/format';

export type PlanPreviewData = Ok<'/v1/orgs/{org}/subscription/preview', 'post'>;

/** A tier's name from its id: `tierName` over the catalog (lib/catalog.ts). */
export type TierNamer = (id: string) => string;

/** The one-sentence summary: what happens and when. */
export function previewHeadline(p: PlanPreviewData, name: TierNamer): string {
  const from = name(p.from_tier);
  const to = name(p.to_tier);
  switch (p.action) {
    case 'upgrade':
      return `${to} starts now: your ${from} period ends today and a new ${to} period begins${
        p.period_end_after ? `, renewing ${date(p.period_end_after)}` : ''
      }.`;
    case 'downgrade':
      return `Your plan changes from ${from} to ${to} at the end of this period, on ${date(p.effective_at)}. Until then nothing changes.`;
    case 'cancel':
      return `Your ${from} plan ends on ${date(p.effective_at)} and the org returns to ${name('free')}. Until then nothing changes.`;
    case 'resume':
      return `Your ${to} plan continues: the scheduled change is dropped and the plan renews on ${date(p.effective_at)}.`;
    default:
      return p.immediate
        ? 'Nothing changes.'
        : `Nothing changes: your ${to} plan renews on ${date(p.effective_at)}.`;
  }
}

export function PlanPreviewView({
  preview: p,
  name,
  id,
}: {
  preview: PlanPreviewData;
  name: TierNamer;
  id?: string;
}) {
  const when = p.immediate ? 'now' : `on ${date(p.effective_at)}`;
  return (
    <div className="plan-preview" id={id} data-testid="plan-preview">
      <p>{previewHeadline(p, name)}</p>
      <dl className="preview-figures">
        <div>
          <dt>Credits carried {when}</dt>
          <dd>
            {credits(p.carried)}
            {p.to_tier !== 'free' && <span className="help"> (rollover cap {p.rollover_cap})</span>}
          </dd>
        </div>
        <div>
          <dt>Credits forfeited {when}</dt>
          <dd className={p.forfeited > 0 ? 'negative' : undefined}>{credits(p.forfeited)}</dd>
        </div>
        <div>
          <dt>New allocation {when}</dt>
          <dd>{credits(p.new_allocation)}</dd>
        </div>
        <div>
          <dt>Balance</dt>
          <dd>
            {credits(p.balance_before)} now → {credits(p.balance_after)} {p.immediate ? 'after' : when}
          </dd>
        </div>
        {p.price && p.action === 'upgrade' && (
          <div>
            <dt>Price</dt>
            <dd>
              {money(p.price)} per month{p.price.example && <span className="help"> (example price)</span>}
            </dd>
          </div>
        )}
      </dl>
      {!p.immediate && p.action !== 'none' && (
        <p className="help">
          Figures assume nothing else is spent or bought before {dateTime(p.effective_at)}; purchased and free
          credits are never forfeited.
        </p>
      )}
    </div>
  );
}
