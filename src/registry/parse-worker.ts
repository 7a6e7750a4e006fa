// A worker thread of parseRegistryOffThread: parses and checks keys.yaml text, answers with the
// registry or the RegistryError's fields.
import { parentPort, workerData } from 'node:worker_threads';
import { parseRegistry } from './store.js';
import { RegistryError } from './errors.js';

const { text, file, perEntry } = workerData as { text: string; file: string; perEntry?: boolean };
try {
  parentPort!.postMessage({ ok: true, registry: parseRegistry(text, file, perEntry).registry });
} catch (err) {
  if (err instanceof RegistryError) {
    parentPort!.postMessage({ ok: false, error: { message: err.message, code: err.code, file: err.file, line: err.line, field: err.field } });
  } else {
    parentPort!.postMessage({ ok: false, error: { message: (err as Error).message ?? String(err), code: 'registry_malformed', file } });
  }
}
