/**
 * The app's one QueryClient and what it does with failures every page shares: a session
 * that is gone, an org that was closed elsewhere.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, setCsrfToken } from './api/client';
import { ORG_RECORDS } from './lib/org-record';
import { ME_KEY } from './session';

export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      // A 401 means the session is gone: signed out from another device, a password reset or
      // change elsewhere, expiry. Forget who was signed in, and the frames send the person to
      // sign in instead of showing every page's data as an error.
      onError: (err, query) => {
        if (!(err instanceof ApiError) || err.status !== 401 || query.queryKey[0] === ME_KEY[0]) return;
        setCsrfToken(null);
        queryClient.setQueryData(ME_KEY, null);
      },
    }),
    mutationCache: new MutationCache({
      // The org was closed elsewhere (another tab, another owner): read it again, so its
      // pages take away the controls the API now refuses and say why.
      onError: (err) => {
        if (err instanceof ApiError && err.code === 'org_closed')
          void queryClient.invalidateQueries({ queryKey: ORG_RECORDS });
      },
    }),
    defaultOptions: {
      queries: {
        // A refusal (4xx) will not change by asking again; a network loss may.
        retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
  return queryClient;
}
