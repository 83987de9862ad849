/** A fresh seed for a request that gave none; stored with the image so it can be re-rendered. */
import { randomInt } from 'node:crypto';
import { MAX_SEED } from './limits.ts';

export const randomSeed = (): number => randomInt(0, MAX_SEED + 1);
