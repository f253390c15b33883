/** Plain fetch helpers for set-up and sanity checks (the load itself goes through autocannon). */
import { makePatient } from './patient';

export const FHIR = 'application/fhir+json';

export interface Answer {
  status: number;
  json: Record<string, unknown> | undefined;
}

export async function request(method: string, url: string, body?: unknown, contentType = FHIR): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? { accept: FHIR } : { accept: FHIR, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  } catch {
    return { status: res.status, json: undefined };
  }
}

/** Creates Patients 0..count-1 through the API (8 in flight) and returns their ids. */
export async function seed(relayUrl: string, count: number): Promise<string[]> {
  const ids = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let seq = next++; seq < count; seq = next++) {
      const { status, json } = await request('POST', `${relayUrl}/fhir/Patient`, makePatient(seq));
      if (status !== 201 || typeof json?.id !== 'string') throw new Error(`seeding Patient ${seq}: HTTP ${status} ${JSON.stringify(json)?.slice(0, 300)}`);
      ids[seq] = json.id;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}
