/**
 * The end of an org's settings: leave it, hand it to another member (owners), close it
 * (owners). Closing offers the transaction log's export first (CSV, and JSON gathered page
 * by page to the end), because a closed org can still be read but nothing in it changes
 * again; once closed, the export stays offered.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation } from 'wouter';
import { api, call } from '../api/client';
import { allMembers } from '../lib/org-lists';
import { useOrgRecord } from '../lib/org-record';
import { ME_KEY, useOrg } from '../session';
import { ErrorView } from './error-view';
import { TransactionsExport } from './transactions-export';
import './forms.css';

export function OrgLeaving() {
  const { orgId, membership } = useOrg();
  const org = useOrgRecord(orgId);
  const closed = org.data?.closed_at ?? null;
  // Kept here, not in the form: the transfer makes this person an admin, and the owner-only
  // form unmounts as soon as their membership is refetched, taking its message with it.
  const [transferred, setTransferred] = useState<string | null>(null);
  return (
    <section aria-labelledby="leaving-h" className="settings-section">
      <h2 id="leaving-h">Leaving and closing</h2>
      {/* The page's banner (closed-org.tsx) says it was closed; its log stays exportable here. */}
      {closed && <p className="help">Its transaction log stays readable: export it at any time.</p>}
      {closed && <TransactionsExport orgId={orgId} />}
      {transferred && (
        <p className="notice ok" role="status">
          {transferred}
        </p>
      )}
      <Leave closed={closed !== null} />
      {membership.role === 'owner' && !closed && <TransferOwnership onTransferred={setTransferred} />}
      {membership.role === 'owner' && !closed && org.data && <CloseOrg name={org.data.name} />}
    </section>
  );
}

function useAfterLeaving() {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return async () => {
    await qc.invalidateQueries({ queryKey: ME_KEY });
    navigate('~/');
  };
}

function Leave({ closed }: { closed: boolean }) {
  const { orgId, membership } = useOrg();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const done = useAfterLeaving();
  async function leave() {
    setError(null);
    try {
      await call(api.POST('/v1/orgs/{org}/leave', { params: { path: { org: orgId } }, body: {} }));
      await done();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div className="stack">
      <h3>Leave this org</h3>
      <p className="help">
        You stop reaching this org at once.
        {membership.role === 'owner' &&
          !closed &&
          ' As its owner, transfer ownership to another member first.'}
      </p>
      <div className="row">
        {!asking ? (
          <button type="button" onClick={() => setAsking(true)}>
            Leave org
          </button>
        ) : (
          <>
            <button type="button" className="danger" onClick={leave}>
              Yes, leave this org
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Stay
            </button>
          </>
        )}
      </div>
      {error !== null && <ErrorView error={error} />}
    </div>
  );
}

function TransferOwnership({ onTransferred }: { onTransferred: (message: string) => void }) {
  const { orgId, membership } = useOrg();
  const qc = useQueryClient();
  const [to, setTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const members = useQuery({
    queryKey: ['members', orgId, 'all'],
    // Every member, however many: ownership may pass to any of them.
    queryFn: () => allMembers(orgId),
  });
  const others = (members.data ?? []).filter((m) => m.id !== membership.member_id);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const r = await call(
        api.POST('/v1/orgs/{org}/transfer_ownership', {
          params: { path: { org: orgId } },
          body: { member_id: to },
        }),
      );
      onTransferred(`${r.owner.email} now owns this org; you are an admin.`);
      await qc.invalidateQueries({ queryKey: ME_KEY });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="stack" onSubmit={submit} aria-label="Transfer ownership">
      <h3>Transfer ownership</h3>
      <p className="help">The new owner takes over the plan, billing and people; you become an admin.</p>
      {others.length === 0 ? (
        <p>Invite someone to the team first: ownership passes to a member.</p>
      ) : (
        <>
          <label>
            New owner
            <select value={to} onChange={(e) => setTo(e.target.value)} required>
              <option value="">Choose a member</option>
              {others.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.email} ({m.role})
                </option>
              ))}
            </select>
          </label>
          <div>
            <button type="submit" disabled={to === ''}>
              Transfer ownership
            </button>
          </div>
        </>
      )}
      {error !== null && <ErrorView error={error} />}
    </form>
  );
}

function CloseOrg({ name }: { name: string }) {
  const { orgId } = useOrg();
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST('/v1/orgs/{org}/close', { params: { path: { org: orgId } }, body: { confirm: typed } }),
      );
      await qc.invalidateQueries();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" onSubmit={submit} aria-label="Close this org">
      <h3>Close this org</h3>
      <p className="help">
        The plan is cancelled, API keys are revoked and nothing can be charged or changed again. The
        transaction log is kept. Export it first:
      </p>
      <TransactionsExport orgId={orgId} />
      <label>
        Type the org's name, <strong>{name}</strong>, to confirm
        <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
      </label>
      <div>
        <button type="submit" className="danger" disabled={busy || typed.trim() !== name.trim()}>
          Close org
        </button>
      </div>
      {error !== null && <ErrorView error={error} />}
    </form>
  );
}
