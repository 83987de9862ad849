import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app lives in web/ and is built into dist/web, which the API server serves at `/`.
// In development, `npm run dev:web` proxies the API to a server started with `npm start`.
export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
