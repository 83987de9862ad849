/**
 * The typed TypeScript client of Amisi Credits: `import { AmisiClient } from 'amisi/client'`.
 * No runtime dependencies (Node ≥ 20's fetch), and nothing imported from the rest of
 * src/: this folder ships on its own. Usage: docs/client.md.
 */
export { AmisiClient } from './client.ts';
export { AmisiConnectionError, AmisiError, type ErrorCode, isAmisiError } from './errors.ts';
export { Paginator } from './pagination.ts';
export type { ClientOptions, RequestOptions, ResponseInfo } from './transport.ts';
export type * from './types.ts';
