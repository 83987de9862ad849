import { Link } from 'wouter';
import { explain } from '../lib/problems';

/** A refusal or a failure, said plainly, with the next step; never a blank page. */
export function ErrorView({ error, retry, orgId }: { error: unknown; retry?: () => void; orgId?: string }) {
  const e = explain(error);
  return (
    <div className="notice error" role="alert">
      <strong>{e.title}.</strong> {e.detail}
      <div className="notice-actions">
        {e.next === 'retry' && retry && (
          <button type="button" onClick={retry}>
            Try again
          </button>
        )}
        {e.next === 'buy' && orgId && <Link href={`~/o/${orgId}/buy`}>Buy credits</Link>}
        {(e.next === 'buy' || e.next === 'upgrade') && orgId && (
          <Link href={`~/o/${orgId}/plan`}>Compare plans</Link>
        )}
        {e.next === 'sign_in' && <Link href="~/signin">Sign in</Link>}
      </div>
    </div>
  );
}
