/**
 * Team (Pro, Business, Enterprise): members and their roles, invitations, projects, and
 * per-member and per-project budgets with what is spent, held and left this period.
 * Admins and owners get the controls; a member sees the team and their own budget. Lower
 * tiers see what team access would give them, with the way to the Plan page. A closed org
 * shows its team as it was, without the forms the API would refuse (410 `org_closed`).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { api, call, idempotencyKey, type Ok } from '../api/client';
import { BudgetBar } from '../components/budget-bar';
import { BudgetForm, type BudgetInput } from '../components/budget-form';
import { ClosedNote } from '../components/closed-org';
import { ErrorView } from '../components/error-view';
import { InviteForm, type InviteRole, interpretInvite, inviteMessage } from '../components/invite-form';
import { TableWrap } from '../components/table-wrap';
import { useBalance } from '../components/top-bar';
import { tierName, useCatalog } from '../lib/catalog';
import { credits, date, money } from '../lib/format';
import { allBudgets, allInvitations, allMembers, allProjects } from '../lib/org-lists';
import { useClosedAt } from '../lib/org-record';
import { useOrg } from '../session';
import './team.css';

type Budget = Ok<'/v1/orgs/{org}/budgets', 'get'>['data'][number];
type Invitation = Ok<'/v1/orgs/{org}/invitations', 'get'>['data'][number];

const teamKey = (org: string, what: string) => ['team', org, what] as const;

export function TeamPage() {
  const { orgId } = useOrg();
  const balance = useBalance(orgId);
  const catalog = useCatalog();
  if (balance.isError) return <ErrorView error={balance.error} retry={() => balance.refetch()} />;
  if (catalog.isError) return <ErrorView error={catalog.error} retry={() => catalog.refetch()} />;
  if (!balance.data || !catalog.data)
    return (
      <>
        <h1>Team</h1>
        <p role="status">Loading…</p>
      </>
    );
  const tier = catalog.data.tiers.find((t) => t.id === balance.data.tier);
  if (!tier?.team) return <TeamUpsell tiers={catalog.data.tiers} current={balance.data.tier} />;
  return <Team />;
}

function TeamUpsell({ tiers, current }: { tiers: Ok<'/v1/catalog', 'get'>['tiers']; current: string }) {
  const teamTiers = tiers.filter((t) => t.team);
  return (
    <>
      <h1>Team</h1>
      <p>
        Team access comes with {teamTiers.map((t) => t.name).join(', ')}. On {tierName(tiers, current)} the
        org is just you. With team access you get:
      </p>
      <ul className="upsell-list">
        <li>
          Members with roles: owners and admins manage billing, the team and settings; members generate.
        </li>
        <li>Projects to charge work to, and to report usage by.</li>
        <li>
          Budgets per member and per project each billing period: hard (charges over the limit are refused) or
          soft (allowed, with alerts at 80% and 100%).
        </li>
        <li>One shared pool of credits, with usage by member and project in Insights.</li>
      </ul>
      <ul className="upsell-tiers" aria-label="Tiers with team access">
        {teamTiers.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>: {t.custom ? 'credits per contract' : `${t.allocation} credits a month`}
            {t.price && !t.custom && (
              <>
                , {money(t.price)} a month{t.price.example ? ' (example price)' : ''}
              </>
            )}
          </li>
        ))}
      </ul>
      <p>
        <Link href="/plan" className="button primary">
          Compare plans and upgrade
        </Link>
      </p>
    </>
  );
}

/** The org's invitations still waiting to be accepted (listing them needs `admin`). */
function useInvitations(org: string, enabled: boolean) {
  return useQuery({
    queryKey: teamKey(org, 'invitations'),
    enabled,
    queryFn: async (): Promise<Invitation[]> =>
      (await allInvitations(org)).filter((i) => i.status === 'pending'),
  });
}

function Team() {
  const { orgId, can, membership } = useOrg();
  const closed = useClosedAt() !== null;
  const admin = can('admin');
  // No form a closed org would refuse.
  const manage = admin && !closed;
  const qc = useQueryClient();
  // Every page of each: budgets name members and projects, and the forms offer them all.
  const members = useQuery({ queryKey: teamKey(orgId, 'members'), queryFn: () => allMembers(orgId) });
  const projects = useQuery({ queryKey: teamKey(orgId, 'projects'), queryFn: () => allProjects(orgId) });
  const budgets = useQuery({ queryKey: teamKey(orgId, 'budgets'), queryFn: () => allBudgets(orgId) });
  const invitations = useInvitations(orgId, admin);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = (what: string) => qc.invalidateQueries({ queryKey: teamKey(orgId, what) });

  const invite = useMutation({
    mutationFn: async (v: { email: string; role: InviteRole }) => {
      const answer = await call(
        api.POST('/v1/orgs/{org}/members', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body: v,
        }),
      );
      return interpretInvite(answer);
    },
    onSuccess: async (o) => {
      setNotice(inviteMessage(o));
      await Promise.all([refresh('members'), refresh('invitations')]);
    },
  });
  const setBudget = useMutation({
    mutationFn: (b: BudgetInput) =>
      call(
        api.PUT('/v1/orgs/{org}/budgets', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body: b,
        }),
      ),
    onSuccess: async (b) => {
      setNotice(`Budget saved: ${b.limit} credits per period, ${b.enforcement}.`);
      await refresh('budgets');
    },
  });

  const memberList = members.data ?? [];
  const projectList = projects.data ?? [];
  const budgetList = budgets.data ?? [];
  const who = (b: Budget) =>
    b.scope === 'member'
      ? (memberList.find((m) => m.id === b.scope_id)?.email ?? b.scope_id)
      : (projectList.find((p) => p.id === b.scope_id)?.name ?? b.scope_id);
  const mine = budgetList.find((b) => b.scope === 'member' && b.scope_id === membership.member_id);

  return (
    <>
      <h1>Team</h1>
      {notice && (
        <p className="notice ok" role="status">
          {notice}
        </p>
      )}

      {mine && <MyBudget budget={mine} />}

      <section aria-labelledby="members-h">
        <h2 id="members-h">Members</h2>
        {closed && (
          <ClosedNote>The org is closed: no one can be invited and budgets can no longer change.</ClosedNote>
        )}
        {manage && (
          <>
            <InviteForm
              canMakeOwners={membership.role === 'owner'}
              busy={invite.isPending}
              onSubmit={(v) => {
                setNotice(null);
                return invite.mutateAsync(v);
              }}
            />
            {invite.isError && <ErrorView error={invite.error} orgId={orgId} />}
          </>
        )}
        {members.isError ? (
          <ErrorView error={members.error} retry={() => members.refetch()} />
        ) : (
          <TableWrap label="Members">
            <table>
              <caption className="visually-hidden">Members of this org</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                </tr>
              </thead>
              <tbody>
                {memberList.map((m) => (
                  <tr key={m.id}>
                    <td className="member-email">
                      {m.email}
                      {m.id === membership.member_id && <span className="help"> (you)</span>}
                    </td>
                    <td className="capitalize">{m.role}</td>
                    <td>{date(m.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {admin && invitations.isError && (
          <ErrorView error={invitations.error} retry={() => invitations.refetch()} />
        )}
        {admin && invitations.data && invitations.data.length > 0 && (
          <>
            <h3>Pending invitations</h3>
            <ul className="plain-list" aria-label="Pending invitations">
              {invitations.data.map((i) => (
                <li key={i.id}>
                  {i.email} · {i.role}
                  <span className="help"> · expires {date(i.expires_at)}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="projects-h">
        <h2 id="projects-h">Projects</h2>
        {manage && <AddProject onAdded={(name) => setNotice(`Project ${name} added.`)} />}
        {projectList.length === 0 ? (
          <p className="help">No projects yet.</p>
        ) : (
          <ul className="plain-list">
            {projectList.map((p) => (
              <li key={p.id}>{p.name}</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="budgets-h">
        <h2 id="budgets-h">Budgets this period</h2>
        {budgets.isError && <ErrorView error={budgets.error} retry={() => budgets.refetch()} />}
        {budgetList.length === 0 ? (
          <p className="help">No budgets: everyone spends from the org's pool without a limit.</p>
        ) : (
          <ul className="budget-list" aria-label="Budgets">
            {budgetList.map((b) => (
              <li key={b.id} className="budget-item">
                <div className="budget-head">
                  <strong>{who(b)}</strong>
                  <span className="help">
                    {b.scope === 'member' ? 'member' : 'project'} · {b.enforcement} limit of{' '}
                    {credits(b.limit)} · since {date(b.period_start)}
                  </span>
                </div>
                <BudgetBar label={`Budget of ${who(b)}`} budget={b} />
              </li>
            ))}
          </ul>
        )}
        {manage && (
          <>
            <h3>Set a budget</h3>
            <BudgetForm
              members={memberList.map((m) => ({ id: m.id, label: `${m.email} (${m.role})` }))}
              projects={projectList.map((p) => ({ id: p.id, label: p.name }))}
              busy={setBudget.isPending}
              onSubmit={(b) => {
                setNotice(null);
                setBudget.mutate(b);
              }}
            />
            {setBudget.isError && <ErrorView error={setBudget.error} orgId={orgId} />}
          </>
        )}
      </section>
    </>
  );
}

/** The signed-in person's own budget, and what happens when it is used up. */
function MyBudget({ budget: b }: { budget: Budget }) {
  const used = b.remaining <= 0;
  return (
    <section className="card my-budget" aria-labelledby="my-budget-h">
      <h2 id="my-budget-h">Your budget</h2>
      <BudgetBar label="Your budget" budget={b} />
      {used && b.enforcement === 'hard' ? (
        <p className="notice error" data-testid="my-budget-reached">
          <strong>Budget reached.</strong> Your hard budget of {credits(b.limit)} this period is used up
          (budget {b.id}): further charges are refused until the next period, or until an admin raises it.
        </p>
      ) : used ? (
        <p className="notice warn">
          Your soft budget of {credits(b.limit)} is used up: charges still go through, and admins are alerted.
        </p>
      ) : (
        <p className="help">
          {credits(b.remaining)} left of your {b.enforcement} budget this period.
        </p>
      )}
    </section>
  );
}

function AddProject({ onAdded }: { onAdded: (name: string) => void }) {
  const { orgId } = useOrg();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (n: string) =>
      call(
        api.POST('/v1/orgs/{org}/projects', {
          params: { path: { org: orgId }, header: { 'idempotency-key': idempotencyKey() } },
          body: { name: n },
        }),
      ),
    onSuccess: async (p) => {
      setName('');
      onAdded(p.name);
      await qc.invalidateQueries({ queryKey: teamKey(orgId, 'projects') });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (!n || n.length > 100) {
      setError('Give the project a name of 1 to 100 characters.');
      return;
    }
    setError(null);
    add.mutate(n);
  }
  return (
    <>
      <form className="row" onSubmit={submit} noValidate aria-label="Add a project">
        <label>
          Project name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'project-name-error' : undefined}
          />
          {error && (
            <span className="field-error" id="project-name-error">
              {error}
            </span>
          )}
        </label>
        <button type="submit" disabled={add.isPending}>
          Add project
        </button>
      </form>
      {add.isError && <ErrorView error={add.error} orgId={orgId} />}
    </>
  );
}
