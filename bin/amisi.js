#!/usr/bin/env node
// The `amisi` command (`npx amisi …`): loads the TypeScript sources through tsx, so the
// project runs from source with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
