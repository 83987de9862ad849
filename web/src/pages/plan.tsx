/**
 * Plan: the tiers side by side; upgrade now, or downgrade / cancel at the period end.
 * Every change shows the API's preview of what it does to the balance before it is
 * confirmed, and a scheduled change stays visible with a way to undo it. A closed org's
 * plan can no longer change (410 `org_closed`): the tiers are shown without actions.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call, idempotencyKey, type Ok } from '../api/client';
import { ClosedNote } from '../components/closed-org';
import { Dialog } from '../components/dialog';
import { ErrorView } from '../components/error-view';
import { PlanPreviewView } from '../components/plan-preview';
import { balanceKey, useBalance } from '../components/top-bar';
import { type Tier, tierName, useCatalog, useTierName } from '../lib/catalog';
import { credits, date, money } from '../lib/format';
import { useClosedAt } from '../lib/org-record';
import { useOrg } from '../session';
import './plan.css';

export type Subscription = Ok<'/v1/orgs/{org}/subscription', 'get'>;

export const subscriptionKey = (org: string) => ['subscription', org] as const;

export function useSubscription(org: string) {
  return useQuery({
    queryKey: subscriptionKey(org),
    queryFn: () => call(api.GET('/v1/orgs/{org}/subscription', { params: { path: { org } } })),
  });
}

/** A change a person asked for, waiting for their confirmation. */
export type PlanChange =
  | { kind: 'tier'; tier: string; title: string; confirm: string }
  | { kind: 'cancel'; title: string; confirm: string };

export function PlanPage() {
  const { orgId, can } = useOrg();
  const closed = useClosedAt() !== null;
  const catalog = useCatalog();
  const sub = useSubscription(orgId);
  const balance = useBalance(orgId);
  const [change, setChange] = useState<PlanChange | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (catalog.isError) return <ErrorView error={catalog.error} retry={() => catalog.refetch()} />;
  if (sub.isError) return <ErrorView error={sub.error} retry={() => sub.refetch()} />;
  if (!catalog.data || !sub.data)
    return (
      <>
        <h1>Plan</h1>
        <p role="status">Loading…</p>
      </>
    );
  const tiers = catalog.data.tiers;
  const s = sub.data;
  const rank = (id: string) => tiers.findIndex((t) => t.id === id);
  const current = rank(s.tier);
  const billing = can('billing') && !closed;
  const pendingTo = s.cancel_at_period_end ? 'free' : s.pending_tier;

  function actionFor(t: Tier): PlanChange | null {
    const r = rank(t.id);
    if (r === current || t.custom) return null;
    if (r > current)
      return { kind: 'tier', tier: t.id, title: `Upgrade to ${t.name}`, confirm: `Upgrade to ${t.name} now` };
    if (t.id === 'free')
      return { kind: 'cancel', title: 'Cancel your plan', confirm: 'Cancel at the period end' };
    return {
      kind: 'tier',
      tier: t.id,
      title: `Downgrade to ${t.name}`,
      confirm: `Downgrade to ${t.name} at the period end`,
    };
  }

  return (
    <>
      <h1>Plan</h1>
      <p>
        You are on <strong>{tierName(tiers, s.tier)}</strong>
        {s.period_end && <> · the current period ends {date(s.period_end)}</>}
        {balance.data && <> · {credits(balance.data.balance)} in the org</>}.
      </p>
      {done && (
        <p className="notice ok" role="status">
          {done}
        </p>
      )}
      {pendingTo && s.period_end && (
        <div className="notice warn pending-change" data-testid="pending-change">
          <p>
            <strong>Scheduled:</strong>{' '}
            {s.cancel_at_period_end
              ? `your ${tierName(tiers, s.tier)} plan is cancelled on ${date(s.period_end)}; the org returns to ${tierName(tiers, 'free')} then.`
              : `your plan changes from ${tierName(tiers, s.tier)} to ${tierName(tiers, pendingTo)} on ${date(s.period_end)}.`}
          </p>
          {billing && (
            <button
              type="button"
              onClick={() =>
                setChange({
                  kind: 'tier',
                  tier: s.tier,
                  title: `Keep ${tierName(tiers, s.tier)}`,
                  confirm: `Keep ${tierName(tiers, s.tier)}`,
                })
              }
            >
              {s.cancel_at_period_end ? 'Undo the cancellation' : 'Undo the downgrade'}
            </button>
          )}
        </div>
      )}
      {closed ? (
        <ClosedNote>The org is closed: its plan can no longer change.</ClosedNote>
      ) : (
        !billing && (
          <p className="notice">
            Only an owner or admin of this org can change its plan. You can compare the tiers here.
          </p>
        )
      )}
      <ul className="tier-grid" aria-label="Tiers">
        {tiers.map((t) => {
          const action = billing ? actionFor(t) : null;
          const isCurrent = t.id === s.tier;
          return (
            <li
              key={t.id}
              className={`tier-card${isCurrent ? ' current' : ''}`}
              aria-current={isCurrent || undefined}
            >
              <h2>{t.name}</h2>
              {isCurrent && <p className="tier-tag">Current plan</p>}
              {pendingTo === t.id && !isCurrent && (
                <p className="tier-tag pending">From {date(s.period_end!)}</p>
              )}
              <p className="tier-price">
                {t.price ? (
                  <>
                    {money(t.price)} <span className="help">per month</span>
                    {t.price.example && <span className="example-tag">example price</span>}
                  </>
                ) : (
                  'No charge'
                )}
              </p>
              <dl className="tier-facts">
                <div>
                  <dt>Credits</dt>
                  <dd>
                    {t.custom
                      ? 'Per contract'
                      : t.recurring
                        ? `${t.allocation} every month`
                        : `${t.allocation} once`}
                  </dd>
                </div>
                <div>
                  <dt>Rollover cap</dt>
                  <dd>
                    {t.custom ? 'Per contract' : t.rollover_cap > 0 ? credits(t.rollover_cap) : 'No rollover'}
                  </dd>
                </div>
                <div>
                  <dt>Team access</dt>
                  <dd>{t.team ? 'Members, projects and budgets' : 'Just you'}</dd>
                </div>
              </dl>
              {action && (
                <button
                  type="button"
                  className={rank(t.id) > current ? 'primary' : undefined}
                  onClick={() => {
                    setDone(null);
                    setChange(action);
                  }}
                >
                  {action.title}
                </button>
              )}
              {billing && t.custom && !isCurrent && <p className="help">Set up by contract: contact us.</p>}
            </li>
          );
        })}
      </ul>
      {change && (
        <ConfirmPlanChange
          change={change}
          onClose={() => setChange(null)}
          onDone={(message) => {
            setChange(null);
            setDone(message);
          }}
        />
      )}
    </>
  );
}

/** The confirmation: the preview first, then one idempotency key for this confirmation. */
function ConfirmPlanChange({
  change,
  onClose,
  onDone,
}: {
  change: PlanChange;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { orgId } = useOrg();
  const qc = useQueryClient();
  const tierOf = useTierName();
  const [key] = useState(idempotencyKey);
  const body = change.kind === 'cancel' ? { cancel: true as const } : { tier: change.tier as 'pro' };
  const preview = useQuery({
    queryKey: ['plan-preview', orgId, body],
    queryFn: () =>
      call(api.POST('/v1/orgs/{org}/subscription/preview', { params: { path: { org: orgId } }, body })),
    staleTime: 0,
    gcTime: 0,
  });
  const confirm = useMutation({
    mutationFn: async () => {
      const params = { path: { org: orgId }, header: { 'idempotency-key': key } };
      if (change.kind === 'cancel')
        return call(api.POST('/v1/orgs/{org}/subscription/cancel', { params, body: {} }));
      return call(api.POST('/v1/orgs/{org}/subscription', { params, body: { tier: change.tier as 'pro' } }));
    },
    onSuccess: async (sub) => {
      if (sub.checkout_url) {
        window.location.assign(sub.checkout_url);
        return;
      }
      await Promise.all([
        qc.invalidateQueries({ queryKey: subscriptionKey(orgId) }),
        qc.invalidateQueries({ queryKey: balanceKey(orgId) }),
        qc.invalidateQueries({ queryKey: ['org', orgId] }),
      ]);
      onDone(`Done: ${change.confirm.charAt(0).toLowerCase()}${change.confirm.slice(1)}.`);
    },
  });
  const previewId = 'plan-change-preview';
  return (
    <Dialog title={change.title} onClose={onClose} describedBy={previewId}>
      {preview.isPending && <p role="status">Working out what this does to your balance…</p>}
      {preview.isError && <ErrorView error={preview.error} retry={() => preview.refetch()} orgId={orgId} />}
      {preview.data && <PlanPreviewView preview={preview.data} name={tierOf} id={previewId} />}
      {confirm.isError && <ErrorView error={confirm.error} orgId={orgId} />}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus>
          Go back
        </button>
        <button
          type="button"
          className="primary"
          disabled={!preview.data || confirm.isPending}
          onClick={() => confirm.mutate()}
        >
          {confirm.isPending ? 'Working…' : change.confirm}
        </button>
      </div>
    </Dialog>
  );
}
