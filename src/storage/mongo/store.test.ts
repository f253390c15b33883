import { StoreUnavailableError } from '../errors';
import { openMongoStore } from './store';
import { parseMongoUri, redact } from './uri';

describe('MongoDB connection string', () => {
  it('finds hosts, database name (default relay) and password', () => {
    expect(parseMongoUri('mongodb://localhost')).toEqual({ hosts: ['localhost'], dbName: 'relay', password: undefined });
    expect(parseMongoUri('mongodb://u:p%40ss@h1:27017,h2:27018/fhir?replicaSet=rs0')).toEqual({ hosts: ['h1:27017', 'h2:27018'], dbName: 'fhir', password: 'p@ss' });
    expect(parseMongoUri('mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true')).toEqual({ hosts: ['cluster0.example.net'], dbName: 'relay', password: 'pw' });
    expect(parseMongoUri('mongodb://h/?authSource=admin').dbName).toBe('relay');
  });

  it('keeps passwords out of messages, raw or percent-encoded', () => {
    expect(redact('failed for mongodb://u:p%40ss@h and p@ss', 'p@ss')).toBe('failed for mongodb://u:****@h and ****');
  });
});

describe('MongoDB engine start-up', () => {
  it('reports an unreachable server with its hosts and what was tried, never the password', async () => {
    const started = Date.now();
    const err = await openMongoStore({ uri: 'mongodb://relay:s3cret@127.0.0.1:1/relay', serverSelectionTimeoutMS: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(/^MongoDB is unavailable at 127\.0\.0\.1:1: tried to connect and run "hello" with a 300 ms server selection timeout: /);
    expect(message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a malformed connection string', async () => {
    await expect(openMongoStore({ uri: 'postgres://nope' })).rejects.toThrow(/MONGODB_URI is not a valid connection string/);
  });
});
