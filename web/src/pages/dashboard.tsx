import { Link } from 'wouter';
import { useBalance } from '../components/top-bar';
import { useTierName } from '../lib/catalog';
import { credits, date } from '../lib/format';
import { useOrg } from '../session';

export function DashboardPage() {
  const { orgId } = useOrg();
  const balance = useBalance(orgId);
  const tierOf = useTierName();
  const b = balance.data;
  return (
    <>
      <h1>Dashboard</h1>
      {b && (
        <section className="cards" aria-label="Balance">
          <div className="card">
            <h2>Available</h2>
            <p className="big">{credits(b.available)}</p>
            {b.held > 0 && <p>{credits(b.held)} held for work in progress</p>}
          </div>
          <div className="card">
            <h2>Plan</h2>
            <p className="big">{tierOf(b.tier)}</p>
            {b.period_end && <p>Renews {date(b.period_end)}</p>}
          </div>
        </section>
      )}
      <p>
        <Link href="/credits">See your credits and transactions</Link>
      </p>
    </>
  );
}
