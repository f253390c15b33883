/**
 * Creates a bundle's resources one POST /fhir/[type] at a time, the way a client without transactions
 * would: each urn:uuid reference is replaced by the `Type/id` the server returned for the entry it
 * names. With several connections, a resource goes out as soon as every resource it references exists.
 */
import type { KeepAliveClient } from './http-post';
import type { SingleCreate } from './tx-data';

interface Deferred {
  promise: Promise<string>;
  resolve: (target: string) => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (target: string) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const LOCATION = /\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/[^/]+$/;

/** Runs the creates over `client` with `concurrency` requests in flight; resolves to each one's `Type/id`. */
export async function runSingleCreates(client: KeepAliveClient, creates: readonly SingleCreate[], concurrency: number): Promise<string[]> {
  const done = creates.map(() => deferred());
  const targets = new Array<string>(creates.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < creates.length && !failed; i = next++) {
      const create = creates[i];
      try {
        let body = create.template;
        for (const dep of create.dependsOn) body = body.replaceAll(`"${dep.fullUrl}"`, JSON.stringify(await done[dep.index].promise));
        if (body.includes('"urn:uuid:')) throw new Error(`create ${i} (${create.type}) still holds a urn:uuid reference`);
        const res = await client.post(`/fhir/${create.type}`, body);
        const m = res.status === 201 ? LOCATION.exec(res.location ?? '') : null;
        if (!m || m[1] !== create.type) throw new Error(`POST /fhir/${create.type} (create ${i}) answered ${res.status} ${res.location ?? ''} ${res.body.toString('utf8').slice(0, 400)}`);
        targets[i] = `${m[1]}/${m[2]}`;
        done[i].resolve(targets[i]);
      } catch (err) {
        failed = true;
        done[i].reject(err);
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return targets;
}
