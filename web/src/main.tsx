import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, setCsrfToken } from './api/client';
import { App } from './app';
import { ME_KEY } from './session';
import './styles.css';

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
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change by asking again; a network loss may.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
