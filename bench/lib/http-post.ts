/**
 * POSTs over node:http with an explicit keep-alive Agent, so a case controls exactly how many
 * connections it uses (fetch pools connections on its own). Bodies are sent pre-serialised, so the
 * client's JSON work stays out of the timed window.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export interface Posted {
  status: number;
  location: string | undefined;
  body: Buffer;
}

/** A keep-alive client with at most `connections` sockets; `sockets` counts the distinct ones it used. */
export class KeepAliveClient {
  private readonly agent: http.Agent;
  private readonly seen = new Set<Socket>();

  constructor(
    private readonly origin: string,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  get sockets(): number {
    return this.seen.size;
  }

  /** POSTs `body` (FHIR JSON) to `path`; resolves when the whole response has arrived. */
  post(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Posted> {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const url = new URL(path, this.origin);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { accept: 'application/fhir+json', 'content-type': 'application/fhir+json', 'content-length': String(payload.length), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('error', reject);
          res.once('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks) }));
        },
      );
      req.once('socket', (socket: Socket) => this.seen.add(socket));
      req.once('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
