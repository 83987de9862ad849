/** Writes src/client/openapi.ts (see client-types.ts): `npm run gen:client`. */
import { writeFileSync } from 'node:fs';
import { CLIENT_TYPES_FILE, clientTypesSource } from './client-types.ts';

writeFileSync(CLIENT_TYPES_FILE, await clientTypesSource());
console.log(`wrote ${CLIENT_TYPES_FILE.pathname}`);
