import { useBalance } from '../components/top-bar';
import { credits } from '../lib/format';
import { useOrg } from '../session';

export function CreditsPage() {
  const { orgId } = useOrg();
  const b = useBalance(orgId).data;
  return (
    <>
      <h1>Credits</h1>
      {b && <p>{credits(b.balance)} in all.</p>}
    </>
  );
}
