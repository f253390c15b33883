/**
 * The baseline: a bare Express 5 JSON endpoint, run as its own process by bench/run.ts.
 * GET /raw answers a Patient-sized JSON object; POST /raw parses a JSON body and answers 201 with it.
 * Prints "Raw Express listening on http://HOST:PORT" when ready; stops on SIGTERM/SIGINT.
 */
import express from 'express';
import { makePatient } from './lib/patient';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

// Shaped like what Relay's read returns (a stored Patient with id and meta).
const stored = {
  ...makePatient(42, '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'),
  meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00.000Z' },
};

const app = express();
app.disable('x-powered-by');
app.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '16mb' }));
app.get('/raw', (_req, res) => {
  res.json(stored);
});
app.post('/raw', (req, res) => {
  res.status(201).json(req.body);
});

const server = app.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Raw Express listening on http://${host}:${actual}`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
