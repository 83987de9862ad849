/**
 * Generate: prompts (one per line) at a chosen resolution, priced before anything runs.
 * The total and whether the org can afford it come from the API's quote (which also
 * checks budgets); an unaffordable batch is refused here, with the shortfall and the way
 * to buy. A batch is followed live through its event stream; the gallery shows each image
 * as it lands, failed ones say that nothing was charged, and a delivered draft can be
 * finalized at a higher resolution at that resolution's price.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { api, call, idempotencyKey, type Ok } from '../api/client';
import { ClosedNote } from '../components/closed-org';
import { ErrorView } from '../components/error-view';
import { useBalance } from '../components/top-bar';
import { type Catalog, useCatalog } from '../lib/catalog';
import { affordability, credits, resolutionLabel } from '../lib/format';
import { useClosedAt } from '../lib/org-record';
import { useOrg } from '../session';
import './generate.css';

type Batch = Ok<'/v1/orgs/{org}/generations/{id}', 'get'>;
type Image = Batch['images'][number];
export type Operation = Catalog['tools'][number]['operations'][number];

const TOOL = 'image.generate';
/** The API's own limit on prompts per batch (GET /v1/tools says the same). */
const MAX_PROMPTS = 50;

export function imageOperations(c: Catalog | undefined): Operation[] {
  return [...(c?.tools.find((t) => t.id === TOOL)?.operations ?? [])].sort((a, b) => a.credits - b.credits);
}

/** The prompts of the textarea: one per non-empty line, trimmed. */
export function promptsOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function GeneratePage() {
  const { orgId } = useOrg();
  const closed = useClosedAt() !== null;
  const catalog = useCatalog();
  const ops = imageOperations(catalog.data);
  const [text, setText] = useState('');
  const [operation, setOperation] = useState('720p');
  const [batches, setBatches] = useState<Batch[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const qc = useQueryClient();
  const prompts = promptsOf(text);
  const ids = { prompts: useId(), help: useId(), total: useId() };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy || prompts.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      // One key per submit: a retried request (double click, flaky network) starts one batch.
      const key = idempotencyKey();
      const batch = await call(
        api.POST('/v1/orgs/{org}/generations', {
          params: { path: { org: orgId }, header: { 'idempotency-key': key } },
          body: { prompts, operation },
        }),
      );
      setBatches((bs) => [batch, ...bs.filter((b) => b.id !== batch.id)]);
      void qc.invalidateQueries({ queryKey: ['balance', orgId] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const finalized = useCallback(
    (b: Batch) => setBatches((bs) => [b, ...bs.filter((x) => x.id !== b.id)]),
    [],
  );
  const update = useCallback(
    (id: string, next: (b: Batch) => Batch) => setBatches((bs) => bs.map((x) => (x.id === id ? next(x) : x))),
    [],
  );

  return (
    <>
      <h1>Generate images</h1>
      {catalog.isError && <ErrorView error={catalog.error} retry={() => catalog.refetch()} orgId={orgId} />}
      {closed ? (
        // Every charge to a closed org is refused (410 org_closed): no form that can only fail.
        <ClosedNote>The org is closed: nothing can be generated or charged to it.</ClosedNote>
      ) : (
        <form className="generate-form stack" onSubmit={submit}>
          <label htmlFor={ids.prompts}>
            Prompts
            <textarea
              id={ids.prompts}
              rows={4}
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-describedby={ids.help}
              maxLength={50_000}
            />
          </label>
          <p id={ids.help} className="help">
            One prompt per line: each line is one image. Draft at 720p, then finalize the ones you like at a
            higher resolution.
          </p>
          <fieldset className="resolutions">
            <legend>Resolution</legend>
            {ops.map((o) => (
              <label key={o.id} className={`resolution ${operation === o.id ? 'chosen' : ''}`}>
                <input
                  type="radio"
                  name="operation"
                  value={o.id}
                  checked={operation === o.id}
                  onChange={() => setOperation(o.id)}
                />
                <span className="res-name">{resolutionLabel(o.id)}</span>
                <span className="res-price">{credits(o.credits)}</span>
                {o.params.width !== undefined && (
                  <span className="help">
                    {o.params.width}×{o.params.height}
                  </span>
                )}
              </label>
            ))}
          </fieldset>
          <QuoteSummary
            org={orgId}
            operation={operation}
            count={Math.min(prompts.length, MAX_PROMPTS)}
            tooMany={prompts.length > MAX_PROMPTS}
            busy={busy}
            totalId={ids.total}
          />
          {error !== null && <ErrorView error={error} orgId={orgId} />}
        </form>
      )}
      {(!closed || batches.length > 0) && (
        <section aria-labelledby="results-h" className="results">
          <h2 id="results-h">Results</h2>
          {batches.length === 0 ? (
            <p className="help">Your images appear here as they are made.</p>
          ) : (
            batches.map((b) => (
              <BatchView key={b.id} batch={b} ops={ops} onUpdate={update} onFinalize={finalized} />
            ))
          )}
        </section>
      )}
    </>
  );
}

/**
 * The batch's price and whether it can run now, from POST /quotes (which checks the
 * balance and the budgets), with the Generate button. An unaffordable batch cannot be
 * started: the shortfall is shown with the ways to get credits.
 */
export function QuoteSummary({
  org,
  operation,
  count,
  tooMany,
  busy,
  totalId,
}: {
  org: string;
  operation: string;
  count: number;
  tooMany: boolean;
  busy: boolean;
  totalId: string;
}) {
  const { can } = useOrg();
  const available = useBalance(org).data?.available;
  const quote = useQuery({
    queryKey: ['quote', org, operation, count, available],
    queryFn: () =>
      call(
        api.POST('/v1/orgs/{org}/quotes', {
          params: { path: { org } },
          body: { items: [{ tool: TOOL, operation, quantity: count }] },
        }),
      ),
    enabled: count > 0,
    placeholderData: (prev) => prev,
  });
  const q = count > 0 ? quote.data : undefined;
  const fresh = q && q.items[0]?.operation === operation && q.items[0]?.quantity === count;
  const verdict = q ? affordability(q.total, q.available) : null;
  const blocked = !fresh || !verdict?.affordable || q?.budget_ok === false || tooMany;
  return (
    <div className="quote" aria-live="polite">
      {count === 0 ? (
        <p id={totalId} className="help">
          Write at least one prompt to see the price.
        </p>
      ) : quote.isError ? (
        <ErrorView error={quote.error} retry={() => quote.refetch()} orgId={org} />
      ) : !q ? (
        <p id={totalId} role="status">
          Pricing…
        </p>
      ) : (
        <>
          <p id={totalId} className="quote-total" data-testid="quote-total">
            <strong>
              {count} {count === 1 ? 'image' : 'images'} at {resolutionLabel(operation)}: {credits(q.total)}
            </strong>{' '}
            · {credits(q.available)} available
          </p>
          {verdict && !verdict.affordable ? (
            <div className="notice error" role="alert" data-testid="shortfall">
              <strong>Not enough credits.</strong> This batch costs {credits(q.total)} and you have{' '}
              {q.available} available: <strong>{verdict.short} short</strong>. Nothing will run until you have
              enough.
              <div className="notice-actions">
                {can('billing') ? (
                  <>
                    <Link href={`~/o/${org}/buy`}>Buy a credit pack</Link>
                    <Link href={`~/o/${org}/plan`}>Compare plans</Link>
                  </>
                ) : (
                  <span>Ask an owner or admin of the org to buy credits.</span>
                )}
              </div>
            </div>
          ) : q.budget_ok === false ? (
            <div className="notice error" role="alert">
              <strong>Over budget.</strong> This batch would go over a hard budget of yours or of the project.
              Ask an admin of the org to raise it, or make fewer images.
            </div>
          ) : (
            <p className="notice ok">
              You can afford this batch: {credits(q.available - q.total)} will be left.
            </p>
          )}
        </>
      )}
      {tooMany && (
        <p className="notice warn" role="alert">
          At most {MAX_PROMPTS} prompts per batch: split the rest into another one.
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || count === 0 || blocked}>
        {busy
          ? 'Starting…'
          : count === 0
            ? 'Generate'
            : `Generate ${count} ${count === 1 ? 'image' : 'images'}${q && fresh ? ` · ${credits(q.total)}` : ''}`}
      </button>
    </div>
  );
}

/** One batch: live progress from its event stream (polling if the stream fails), then the gallery. */
function BatchView({
  batch,
  ops,
  onUpdate,
  onFinalize,
}: {
  batch: Batch;
  ops: Operation[];
  onUpdate: (id: string, next: (b: Batch) => Batch) => void;
  onFinalize: (b: Batch) => void;
}) {
  const { orgId } = useOrg();
  const qc = useQueryClient();
  const running = batch.status === 'running';
  useEffect(() => {
    if (!running) return;
    let closed = false;
    let poll: ReturnType<typeof setInterval> | null = null;
    const refresh = async () => {
      try {
        const b = await call(
          api.GET('/v1/orgs/{org}/generations/{id}', { params: { path: { org: orgId, id: batch.id } } }),
        );
        if (!closed) onUpdate(b.id, () => b);
        if (b.status !== 'running') stop();
      } catch {
        // keep polling: the next attempt may reach the server
      }
    };
    const es = typeof EventSource === 'undefined' ? null : new EventSource(batch.events_url);
    const stop = () => {
      closed = true;
      es?.close();
      if (poll) clearInterval(poll);
      void qc.invalidateQueries({ queryKey: ['balance', orgId] });
    };
    if (es) {
      es.addEventListener('progress', (ev) => {
        const d = JSON.parse((ev as MessageEvent<string>).data) as { image: Image };
        onUpdate(batch.id, (b) => ({
          ...b,
          images: b.images.map((im) => (im.id === d.image.id ? d.image : im)),
        }));
      });
      es.addEventListener('done', (ev) => {
        const done = JSON.parse((ev as MessageEvent<string>).data) as Batch;
        onUpdate(batch.id, () => done);
        stop();
      });
      es.addEventListener('error', () => {
        es.close();
        if (!closed && !poll) poll = setInterval(refresh, 1_000);
      });
    } else poll = setInterval(refresh, 1_000);
    return () => {
      closed = true;
      es?.close();
      if (poll) clearInterval(poll);
    };
  }, [running, batch.id, batch.events_url, orgId, onUpdate, qc]);

  const done = batch.images.filter((i) => i.status === 'succeeded' || i.status === 'failed').length;
  return (
    <article
      className="batch"
      aria-label={`Batch of ${batch.images.length} at ${resolutionLabel(batch.operation)}`}
    >
      <header className="batch-head">
        <h3>
          {batch.finalize_of ? 'Final' : 'Batch'} · {batch.images.length}{' '}
          {batch.images.length === 1 ? 'image' : 'images'} at {resolutionLabel(batch.operation)}
        </h3>
        {running ? (
          <p className="batch-progress">
            <progress max={batch.images.length} value={done} aria-label="Images done" /> {done} of{' '}
            {batch.images.length} done · {credits(batch.credits.held)} held
          </p>
        ) : (
          <p className="batch-summary" data-testid="batch-summary">
            {batch.summary ?? batch.status}
          </p>
        )}
        {batch.error && <p className="notice error">{batch.error.message}</p>}
        {batch.backend.kind === 'preview' && (
          <p className="help">Rendered by {batch.backend.name}: a preview renderer, not an AI model.</p>
        )}
      </header>
      <ul className="gallery">
        {batch.images.map((im) => (
          <li key={im.id} className={`tile ${im.status}`}>
            <ImageTile batch={batch} image={im} ops={ops} onFinalize={onFinalize} />
          </li>
        ))}
      </ul>
    </article>
  );
}

function ImageTile({
  batch,
  image,
  ops,
  onFinalize,
}: {
  batch: Batch;
  image: Image;
  ops: Operation[];
  onFinalize: (b: Batch) => void;
}) {
  const { orgId, can } = useOrg();
  const current = ops.find((o) => o.id === batch.operation);
  const higher = ops.filter((o) => current && o.credits > current.credits);
  const [target, setTarget] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const chosen = higher.find((o) => o.id === target) ?? higher[higher.length - 1];
  const selectId = useId();

  const finalize = async () => {
    if (!chosen || busy) return;
    setBusy(true);
    setError(null);
    try {
      const b = await call(
        api.POST('/v1/orgs/{org}/generations/{id}/images/{image}/finalize', {
          params: {
            path: { org: orgId, id: batch.id, image: image.id },
            header: { 'idempotency-key': idempotencyKey() },
          },
          body: { operation: chosen.id },
        }),
      );
      onFinalize(b);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <figure>
      {image.status === 'succeeded' && image.url ? (
        <a href={image.url} target="_blank" rel="noreferrer">
          <img
            src={image.url}
            alt={`Generated: ${image.prompt}`}
            loading="lazy"
            width={320}
            height={Math.round((320 * image.height) / image.width)}
          />
        </a>
      ) : (
        <div className="placeholder" aria-hidden="true" />
      )}
      <figcaption>
        <span className="prompt">{image.prompt}</span>
        <span className={`status ${image.status}`} data-testid="image-status">
          {image.status === 'succeeded'
            ? `Done · ${credits(image.credits)} charged`
            : image.status === 'failed'
              ? `Failed · nothing charged${image.error ? ` (${image.error.message})` : ''}`
              : image.status === 'rendered'
                ? 'Rendered · delivering…'
                : 'Rendering…'}
        </span>
      </figcaption>
      {image.status === 'succeeded' && higher.length > 0 && can('usage') && (
        <div className="finalize">
          <label htmlFor={selectId} className="inline-label">
            Finalize at
            <select id={selectId} value={chosen?.id} onChange={(e) => setTarget(e.target.value)}>
              {higher.map((o) => (
                <option key={o.id} value={o.id}>
                  {resolutionLabel(o.id)} · {credits(o.credits)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={finalize} disabled={busy}>
            {busy ? 'Starting…' : `Finalize · ${credits(chosen?.credits ?? 0)}`}
          </button>
        </div>
      )}
      {error !== null && <ErrorView error={error} orgId={orgId} />}
    </figure>
  );
}
