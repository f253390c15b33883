/** A small seeded PRNG (mulberry32) with the picking helpers the search tests use, so a run can be replayed. */
import { mulberry32 } from './prng';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `n` distinct-position picks (items may repeat). */
  some<T>(items: readonly T[], min: number, max: number): T[];
}

/** A PRNG seeded with `seed`. */
export function seeded(seed: number): Random {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    some: (items, min, max) => Array.from({ length: int(min, max) }, () => pick(items)),
  };
}
