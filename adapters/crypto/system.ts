// Random and Clock from the runtime.
import { randomBytes } from 'node:crypto';
import type { Clock, Random } from '../../core/ports.ts';

export const systemRandom: Random = {
  bytes: (n: number) => new Uint8Array(randomBytes(n)),
};

export const systemClock: Clock = {
  now: () => Date.now(),
};
