/** Bench settings from the environment (see bench/README.md). */

export interface Settings {
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  connections: number;
  patients: number;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, integer: boolean): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name}=${raw}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return n;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  return {
    seconds: numberFrom(env, 'BENCH_SECONDS', 10, 1, false),
    rounds: numberFrom(env, 'BENCH_ROUNDS', 3, 1, true),
    warmupSeconds: numberFrom(env, 'BENCH_WARMUP_SECONDS', 2, 0, false),
    connections: numberFrom(env, 'BENCH_CONNECTIONS', 10, 1, true),
    patients: numberFrom(env, 'BENCH_PATIENTS', 1000, 1, true),
  };
}
