/**
 * Settings: API keys (created with scopes, the secret shown once, revoked), webhook
 * endpoints with their deliveries, the low-balance alert threshold and auto top-up.
 * Each section appears with the controls the person's role allows: keys and webhooks
 * need `admin`, changing alerts and auto top-up needs `billing`, reading them `read`.
 * A closed org keeps its lists readable but offers no form: the API refuses every change
 * to it (410 `org_closed`), except deleting a webhook endpoint, which stops deliveries.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, api, call, idempotencyKey, type Ok, type paths } from '../api/client';
import { ClosedNote } from '../components/closed-org';
import { Dialog } from '../components/dialog';
import { ErrorView } from '../components/error-view';
import { OrgLeaving } from '../components/org-leaving';
import { TableWrap } from '../components/table-wrap';
import '../components/forms.css';
import { useCatalog } from '../lib/catalog';
import { credits, date, dateTime, money } from '../lib/format';
import { allApiKeys, allWebhookEndpoints } from '../lib/org-lists';
import { useClosedAt } from '../lib/org-record';
import { webhookUrlProblem } from '../lib/webhook-url';
import { type Scope, useOrg } from '../session';
import './settings.css';

type ApiKey = Ok<'/v1/orgs/{org}/api_keys', 'get'>['data'][number];
type Endpoint = Ok<'/v1/orgs/{org}/webhook_endpoints', 'get'>['data'][number];
type EventType =
  paths['/v1/orgs/{org}/webhook_endpoints']['post']['requestBody']['content']['application/json']['events'][number];

const SCOPES: { id: Scope; what: string }[] = [
  { id: 'read', what: 'read balances, transactions and reports' },
  { id: 'usage', what: 'charge usage, hold credits, generate' },
  { id: 'billing', what: 'buy credits and change the plan' },
  { id: 'admin', what: 'manage the team, keys and webhooks' },
];

/**
 * The API's public event types. A record keyed by the schema's own union, so an event the
 * server adds (or drops) fails the typecheck here instead of going missing from the form.
 */
// '*' (every event) is the form's "All events" box, not a line of its own.
const EVENT_NAMES: Record<Exclude<EventType, '*'>, true> = {
  'credits.low_balance': true,
  'credits.granted': true,
  'credits.expired': true,
  'credits.forfeit_soon': true,
  'budget.threshold': true,
  'purchase.completed': true,
  'purchase.refunded': true,
  'purchase.failed': true,
  'subscription.renewed': true,
  'subscription.changed': true,
  'subscription.past_due': true,
  'subscription.paid': true,
  'auto_topup.succeeded': true,
  'auto_topup.failed': true,
};
const EVENTS = Object.keys(EVENT_NAMES) as Exclude<EventType, '*'>[];

export function SettingsPage() {
  const { can } = useOrg();
  return (
    <>
      <h1>Settings</h1>
      {can('admin') ? (
        <>
          <ApiKeys />
          <Webhooks />
        </>
      ) : (
        <p className="notice">API keys and webhooks are managed by the org's owners and admins.</p>
      )}
      <Alerts />
      <AutoTopup />
      <OrgLeaving />
    </>
  );
}

/** A secret the API shows once: visible, selectable, with a copy button. */
function ShownOnce({ label, secret, onDismiss }: { label: string; secret: string; onDismiss: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <div className="notice ok shown-once" role="status">
      <p>
        <strong>{label}</strong> Copy it now: it is shown only this once.
      </p>
      <div className="row">
        <label htmlFor={id} className="visually-hidden">
          {label}
        </label>
        <input id={id} className="secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(secret);
              setCopied('yes');
            } catch {
              setCopied('no');
            }
          }}
        >
          Copy
        </button>
        <button type="button" className="link-button" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
      {copied === 'yes' && <p>Copied to the clipboard.</p>}
      {copied === 'no' && <p>The browser did not allow copying: select the text and copy it by hand.</p>}
    </div>
  );
}

function ApiKeys() {
  const { orgId, can } = useOrg();
  const closed = useClosedAt();
  const qc = useQueryClient();
  const listKey = ['api_keys', orgId];
  const keys = useQuery({
    queryKey: listKey,
    queryFn: () => allApiKeys(orgId),
  });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read', 'usage']);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; scopes: Scope[] }) =>
      call(
        api.POST('/v1/orgs/{org}/api_keys', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body,
        }),
      ),
    onSuccess: async (k) => {
      setSecret(k.secret ?? null);
      setName('');
      await qc.invalidateQueries({ queryKey: listKey });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Give the key a name, like "render server".');
    if (scopes.length === 0) return setError('Choose at least one scope.');
    setError(null);
    setSecret(null);
    create.mutate({ name: name.trim(), scopes });
  }
  const allowed = SCOPES.filter((s) => can(s.id));
  return (
    <section aria-labelledby="keys-h" className="settings-section">
      <h2 id="keys-h">API keys</h2>
      <p className="help">
        Servers use API keys to call the API for this org. Give each key only the scopes it needs.
      </p>
      {secret && <ShownOnce label="Your new API key." secret={secret} onDismiss={() => setSecret(null)} />}
      {closed ? (
        <ClosedNote>The org is closed: its keys were revoked and no new key can be created.</ClosedNote>
      ) : (
        <form className="stack key-form" onSubmit={submit} noValidate aria-label="Create an API key">
          <label>
            Key name
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              aria-invalid={error?.includes('name') ? true : undefined}
            />
          </label>
          <fieldset className="plain">
            <legend>Scopes</legend>
            {allowed.map((s) => (
              <label key={s.id} className="inline">
                <input
                  type="checkbox"
                  checked={scopes.includes(s.id)}
                  onChange={(e) =>
                    setScopes((cur) => (e.target.checked ? [...cur, s.id] : cur.filter((x) => x !== s.id)))
                  }
                />
                <span>
                  <code>{s.id}</code>: {s.what}
                </span>
              </label>
            ))}
          </fieldset>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div>
            <button type="submit" className="primary" disabled={create.isPending}>
              Create key
            </button>
          </div>
        </form>
      )}
      {create.isError && <ErrorView error={create.error} orgId={orgId} />}
      {keys.isError && <ErrorView error={keys.error} retry={() => keys.refetch()} />}
      {keys.data && keys.data.length > 0 && (
        <TableWrap label="API keys">
          <table>
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>{date(k.created_at)}</td>
                  <td>
                    {k.revoked_at ? (
                      `Revoked ${date(k.revoked_at)}`
                    ) : (
                      <button
                        type="button"
                        className="danger small"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() => setRevoking(k)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {revoking && <RevokeKey apiKey={revoking} onClose={() => setRevoking(null)} />}
    </section>
  );
}

function RevokeKey({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const { orgId } = useOrg();
  const qc = useQueryClient();
  const [key] = useState(idempotencyKey);
  const revoke = useMutation({
    mutationFn: () =>
      call(
        api.DELETE('/v1/orgs/{org}/api_keys/{id}', {
          params: { path: { org: orgId, id: apiKey.id }, header: { 'idempotency-key': key } },
        }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['api_keys', orgId] });
      onClose();
    },
  });
  return (
    <Dialog title={`Revoke ${apiKey.name}?`} onClose={onClose} describedBy="revoke-what">
      <p id="revoke-what">
        Requests with the key starting <code>{apiKey.prefix}</code> are refused from now on. This cannot be
        undone; create a new key if you need one.
      </p>
      {revoke.isError && <ErrorView error={revoke.error} orgId={orgId} />}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus>
          Keep the key
        </button>
        <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
          Revoke key
        </button>
      </div>
    </Dialog>
  );
}

export function Webhooks() {
  const { orgId } = useOrg();
  const closed = useClosedAt();
  const qc = useQueryClient();
  const listKey = ['webhook_endpoints', orgId];
  const endpoints = useQuery({
    queryKey: listKey,
    queryFn: () => allWebhookEndpoints(orgId),
  });
  const [url, setUrl] = useState('');
  const [all, setAll] = useState(true);
  const [events, setEvents] = useState<EventType[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Endpoint | null>(null);
  const create = useMutation({
    mutationFn: (body: { url: string; events: EventType[] }) =>
      call(
        api.POST('/v1/orgs/{org}/webhook_endpoints', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body,
        }),
      ),
    onSuccess: async (e) => {
      setSecret(e.secret ?? null);
      setUrl('');
      await qc.invalidateQueries({ queryKey: listKey });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      call(
        // Deleting is idempotent by nature: a second delete of the same endpoint changes nothing.
        api.DELETE('/v1/orgs/{org}/webhook_endpoints/{id}', { params: { path: { org: orgId, id } } }),
      ),
    onSuccess: async () => {
      setRemoving(null);
      await qc.invalidateQueries({ queryKey: listKey });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const urlProblem = webhookUrlProblem(url);
    if (urlProblem) return setError(urlProblem);
    if (!all && events.length === 0) return setError('Choose at least one event, or all events.');
    setError(null);
    setSecret(null);
    create.mutate({ url: url.trim(), events: all ? ['*'] : events });
  }
  return (
    <section aria-labelledby="hooks-h" className="settings-section">
      <h2 id="hooks-h">Webhook endpoints</h2>
      <p className="help">
        Amisi posts signed events (Standard Webhooks) to these URLs: low balance, purchases, renewals and
        more.
      </p>
      {secret && (
        <ShownOnce label="The endpoint's signing secret." secret={secret} onDismiss={() => setSecret(null)} />
      )}
      {closed ? (
        <ClosedNote>
          The org is closed: no endpoint can be added. Deleting one stops its deliveries.
        </ClosedNote>
      ) : (
        <form className="stack key-form" onSubmit={submit} noValidate aria-label="Add a webhook endpoint">
          <label>
            Endpoint URL
            <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://" />
          </label>
          <fieldset className="plain">
            <legend>Events</legend>
            <label className="inline">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
              All events
            </label>
            {!all && (
              <div className="event-grid">
                {EVENTS.map((ev) => (
                  <label key={ev} className="inline">
                    <input
                      type="checkbox"
                      checked={events.includes(ev)}
                      onChange={(e) =>
                        setEvents((cur) => (e.target.checked ? [...cur, ev] : cur.filter((x) => x !== ev)))
                      }
                    />
                    <code>{ev}</code>
                  </label>
                ))}
              </div>
            )}
          </fieldset>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div>
            <button type="submit" className="primary" disabled={create.isPending}>
              Add endpoint
            </button>
          </div>
        </form>
      )}
      {create.isError && <ErrorView error={create.error} orgId={orgId} />}
      {endpoints.isError && <ErrorView error={endpoints.error} retry={() => endpoints.refetch()} />}
      <ul className="endpoint-list">
        {endpoints.data?.map((e) => (
          <li key={e.id} className="endpoint">
            <div className="row">
              <code className="endpoint-url">{e.url}</code>
              <span className={`status-tag ${e.status}`}>{e.status}</span>
              <span className="help">{e.events.join(', ')}</span>
              <span className="spacer" />
              <button
                type="button"
                className="small"
                aria-expanded={open === e.id}
                onClick={() => setOpen(open === e.id ? null : e.id)}
              >
                {open === e.id ? 'Hide deliveries' : 'Show deliveries'}
              </button>
              <button
                type="button"
                className="small danger"
                aria-label={`Delete ${e.url}`}
                onClick={() => setRemoving(e)}
              >
                Delete
              </button>
            </div>
            {e.disabled_reason && <p className="help">Disabled: {e.disabled_reason}</p>}
            {open === e.id && <Deliveries endpoint={e.id} />}
          </li>
        ))}
      </ul>
      {removing && (
        <Dialog title="Delete this endpoint?" onClose={() => setRemoving(null)} describedBy="remove-what">
          <p id="remove-what">
            <code>{removing.url}</code> gets no more events; deliveries still pending are cancelled.
          </p>
          {remove.isError && <ErrorView error={remove.error} orgId={orgId} />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setRemoving(null)} data-autofocus>
              Keep it
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate(removing.id)}
            >
              Delete endpoint
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function Deliveries({ endpoint }: { endpoint: string }) {
  const { orgId } = useOrg();
  const list = useQuery({
    queryKey: ['deliveries', orgId, endpoint],
    queryFn: () =>
      call(
        api.GET('/v1/orgs/{org}/webhook_endpoints/{id}/deliveries', {
          params: { path: { org: orgId, id: endpoint }, query: { limit: 50 } },
        }),
      ),
  });
  if (list.isError) return <ErrorView error={list.error} retry={() => list.refetch()} />;
  if (!list.data) return <p role="status">Loading deliveries…</p>;
  if (list.data.data.length === 0) return <p className="help">No deliveries yet.</p>;
  return (
    <TableWrap label="Deliveries">
      <table>
        <caption className="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Last answer</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {list.data.data.map((d) => (
            <tr key={d.id}>
              <td>
                <code>{d.event_type ?? '—'}</code>
              </td>
              <td>
                {d.status}
                {d.next_attempt_at && d.status === 'pending' && (
                  <span className="help"> · next try {dateTime(d.next_attempt_at)}</span>
                )}
              </td>
              <td className="num">{d.attempts}</td>
              <td>{d.last_status !== null ? `HTTP ${d.last_status}` : (d.last_error ?? '—')}</td>
              <td>{dateTime(d.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Alerts() {
  const { orgId, can } = useOrg();
  const closed = useClosedAt();
  const qc = useQueryClient();
  const key = ['alerts', orgId];
  const alerts = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET('/v1/orgs/{org}/alerts', { params: { path: { org: orgId } } })),
  });
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (low_balance_threshold: number | null) =>
      call(
        api.PUT('/v1/orgs/{org}/alerts', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body: { low_balance_threshold },
        }),
      ),
    onSuccess: async (a) => {
      qc.setQueryData(key, a);
      setValue(null);
      setSaved(true);
    },
  });
  const a = alerts.data;
  const shown = value ?? (a?.low_balance_threshold == null ? '' : String(a.low_balance_threshold));
  function submit(e: FormEvent) {
    e.preventDefault();
    const t = shown.trim();
    if (t !== '' && !/^\d+$/.test(t)) return setError('Enter a whole number of credits, or leave it empty.');
    setError(null);
    setSaved(false);
    save.mutate(t === '' ? null : Number(t));
  }
  return (
    <section aria-labelledby="alerts-h" className="settings-section">
      <h2 id="alerts-h">Low-balance alert</h2>
      {alerts.isError && <ErrorView error={alerts.error} retry={() => alerts.refetch()} />}
      {a && (
        <p>
          You are alerted when available credits drop below <strong>{credits(a.effective_threshold)}</strong>
          {a.low_balance_threshold === null ? ' (the default: 20% of the allocation, at least 1)' : ''}.
        </p>
      )}
      {closed ? (
        <ClosedNote>The org is closed: its alert can no longer change.</ClosedNote>
      ) : can('billing') ? (
        <form className="row narrow-form" onSubmit={submit} noValidate aria-label="Low-balance alert">
          <label>
            Alert below (credits)
            <input
              inputMode="numeric"
              value={shown}
              placeholder="default"
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby="alert-help"
            />
            <span className="help" id="alert-help">
              {error ?? 'Leave empty for the default.'}
            </span>
          </label>
          <button type="submit" disabled={save.isPending}>
            Save alert
          </button>
        </form>
      ) : (
        <p className="help">Owners and admins can change it.</p>
      )}
      {saved && (
        <p className="notice ok" role="status">
          Alert saved.
        </p>
      )}
      {save.isError && <ErrorView error={save.error} orgId={orgId} />}
    </section>
  );
}

function AutoTopup() {
  const { orgId, can } = useOrg();
  const closed = useClosedAt();
  const qc = useQueryClient();
  const catalog = useCatalog();
  const key = ['auto_topup', orgId];
  const current = useQuery({
    queryKey: key,
    queryFn: async () => {
      try {
        return await call(api.GET('/v1/orgs/{org}/auto_topup', { params: { path: { org: orgId } } }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null; // never set
        throw err;
      }
    },
  });
  const [form, setForm] = useState<{
    enabled: boolean;
    threshold: string;
    pack: string;
    monthly_max: string;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: { enabled: boolean; threshold: number; pack: string; monthly_max: number }) =>
      call(
        api.PUT('/v1/orgs/{org}/auto_topup', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body,
        }),
      ),
    onSuccess: (a) => {
      qc.setQueryData(key, a);
      setForm(null);
      setSaved(true);
    },
  });
  const c = current.data;
  const packs = catalog.data?.packs ?? [];
  const f = form ?? {
    enabled: c?.enabled ?? false,
    threshold: String(c?.threshold ?? 10),
    pack: c?.pack ?? packs[0]?.id ?? 'pack_20',
    monthly_max: String(c?.monthly_max ?? 2),
  };
  const set = (patch: Partial<typeof f>) => setForm({ ...f, ...patch });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^\d+$/.test(f.threshold.trim()) || Number(f.threshold) < 1)
      return setError('The threshold is a whole number of credits, 1 or more.');
    if (!/^\d+$/.test(f.monthly_max.trim()) || Number(f.monthly_max) < 1)
      return setError('Allow at least 1 top-up per period.');
    setError(null);
    setSaved(false);
    save.mutate({
      enabled: f.enabled,
      threshold: Number(f.threshold),
      pack: f.pack,
      monthly_max: Number(f.monthly_max),
    });
  }
  const packLabel = (id: string) => {
    const p = packs.find((x) => x.id === id);
    return p ? `${p.credits} credits for ${money(p.price)}` : id;
  };
  return (
    <section aria-labelledby="topup-h" className="settings-section">
      <h2 id="topup-h">Auto top-up</h2>
      {current.isError && <ErrorView error={current.error} retry={() => current.refetch()} />}
      {current.isSuccess && (
        <p>
          {c?.enabled
            ? `On: when available credits drop below ${c.threshold}, buy ${packLabel(c.pack)}, at most ${c.monthly_max} times per period (${c.used_this_period} used).`
            : 'Off: nothing is bought automatically.'}
        </p>
      )}
      {closed ? (
        <ClosedNote>The org is closed: auto top-up is off and can no longer change.</ClosedNote>
      ) : can('billing') ? (
        <form className="stack key-form" onSubmit={submit} noValidate aria-label="Auto top-up">
          <label className="inline">
            <input type="checkbox" checked={f.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
            Buy credits automatically when the balance runs low
          </label>
          <div className="row">
            <label>
              When available drops below (credits)
              <input
                inputMode="numeric"
                value={f.threshold}
                onChange={(e) => set({ threshold: e.target.value })}
              />
            </label>
            <label>
              Buy
              <select value={f.pack} onChange={(e) => set({ pack: e.target.value })}>
                {packs.map((p) => (
                  <option key={p.id} value={p.id}>
                    {packLabel(p.id)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              At most (times per period)
              <input
                inputMode="numeric"
                value={f.monthly_max}
                onChange={(e) => set({ monthly_max: e.target.value })}
              />
            </label>
          </div>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div>
            <button type="submit" disabled={save.isPending}>
              Save auto top-up
            </button>
          </div>
        </form>
      ) : (
        <p className="help">Owners and admins can change it.</p>
      )}
      {saved && (
        <p className="notice ok" role="status">
          Auto top-up saved.
        </p>
      )}
      {save.isError && <ErrorView error={save.error} orgId={orgId} />}
    </section>
  );
}
