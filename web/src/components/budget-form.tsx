/**
 * Setting a budget: for a member or a project, a whole number of credits per billing
 * period, hard (charges over it are refused) or soft (allowed, with alerts at 80% and
 * 100%). The form checks what it can before asking the API, and says which field is wrong.
 */
import { type FormEvent, useId, useState } from 'react';
import './forms.css';

export interface BudgetTarget {
  id: string;
  label: string;
}

export interface BudgetInput {
  scope: 'member' | 'project';
  scope_id: string;
  limit: number;
  enforcement: 'hard' | 'soft';
}

export const MAX_BUDGET = 1_000_000_000;

/** The budget to send, or what is wrong with the form (by field). */
export function validateBudget(v: {
  scope: string;
  scope_id: string;
  limit: string;
  enforcement: string;
}): { ok: true; value: BudgetInput } | { ok: false; errors: Partial<Record<'scope_id' | 'limit', string>> } {
  const errors: Partial<Record<'scope_id' | 'limit', string>> = {};
  if (!v.scope_id) errors.scope_id = `Choose a ${v.scope === 'project' ? 'project' : 'member'}.`;
  const text = v.limit.trim();
  const n = Number(text);
  if (text === '') errors.limit = 'Enter a limit in credits.';
  else if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    errors.limit = 'The limit is a whole number of credits (0 or more).';
  else if (n > MAX_BUDGET)
    errors.limit = `The limit is at most ${MAX_BUDGET.toLocaleString('en-US')} credits.`;
  if (errors.scope_id || errors.limit) return { ok: false, errors };
  return {
    ok: true,
    value: {
      scope: v.scope === 'project' ? 'project' : 'member',
      scope_id: v.scope_id,
      limit: n,
      enforcement: v.enforcement === 'soft' ? 'soft' : 'hard',
    },
  };
}

export function BudgetForm({
  members,
  projects,
  onSubmit,
  busy = false,
}: {
  members: BudgetTarget[];
  projects: BudgetTarget[];
  onSubmit: (b: BudgetInput) => void;
  busy?: boolean;
}) {
  const uid = useId();
  const [scope, setScope] = useState<'member' | 'project'>('member');
  const [scopeId, setScopeId] = useState('');
  const [limit, setLimit] = useState('');
  const [enforcement, setEnforcement] = useState<'hard' | 'soft'>('hard');
  const [errors, setErrors] = useState<Partial<Record<'scope_id' | 'limit', string>>>({});
  const targets = scope === 'member' ? members : projects;

  function submit(e: FormEvent) {
    e.preventDefault();
    const r = validateBudget({ scope, scope_id: scopeId, limit, enforcement });
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    onSubmit(r.value);
  }

  return (
    <form className="stack budget-form" onSubmit={submit} noValidate aria-label="Set a budget">
      <fieldset className="row plain">
        <legend>Budget for</legend>
        {(['member', 'project'] as const).map((s) => (
          <label key={s} className="inline">
            <input
              type="radio"
              name={`${uid}-scope`}
              value={s}
              checked={scope === s}
              onChange={() => {
                setScope(s);
                setScopeId('');
              }}
            />
            {s === 'member' ? 'A member' : 'A project'}
          </label>
        ))}
      </fieldset>
      <label>
        {scope === 'member' ? 'Member' : 'Project'}
        <select
          value={scopeId}
          onChange={(e) => setScopeId(e.target.value)}
          aria-invalid={errors.scope_id ? true : undefined}
          aria-describedby={errors.scope_id ? `${uid}-who-error` : undefined}
        >
          <option value="">Choose…</option>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
        {errors.scope_id && (
          <span className="field-error" id={`${uid}-who-error`}>
            {errors.scope_id}
          </span>
        )}
      </label>
      <label>
        Limit (credits per billing period)
        <input
          inputMode="numeric"
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          aria-invalid={errors.limit ? true : undefined}
          aria-describedby={errors.limit ? `${uid}-limit-error` : undefined}
        />
        {errors.limit && (
          <span className="field-error" id={`${uid}-limit-error`}>
            {errors.limit}
          </span>
        )}
      </label>
      <fieldset className="stack plain">
        <legend>When the limit is reached</legend>
        <label className="inline">
          <input
            type="radio"
            name={`${uid}-enforcement`}
            value="hard"
            checked={enforcement === 'hard'}
            onChange={() => setEnforcement('hard')}
          />
          Hard: refuse charges over the limit
        </label>
        <label className="inline">
          <input
            type="radio"
            name={`${uid}-enforcement`}
            value="soft"
            checked={enforcement === 'soft'}
            onChange={() => setEnforcement('soft')}
          />
          Soft: allow them, and alert at 80% and 100%
        </label>
      </fieldset>
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save budget'}
        </button>
      </div>
    </form>
  );
}
