// The image's HEALTHCHECK (ADR 0029): asks the running service's own probe, GET /readyz (its dependencies answer;
// /healthz with --live: the process answers), and exits 0 when it says 200, 1 otherwise. The service is $SERVICE and its
// port the variable it listens on, with the same defaults as the services' configuration. No dependencies: the slim
// runtime has no curl, and node is there anyway.
//
//   node scripts/healthcheck.mjs [--live]
const PORTS = {
  'intake-api': { variable: 'PORT', fallback: 3000 },
  projection: { variable: 'PORT', fallback: 3001 },
  console: { variable: 'PORT', fallback: 3002 },
  'dispatch-worker': { variable: 'WORKER_PORT', fallback: 3003 },
  notifier: { variable: 'NOTIFIER_PORT', fallback: 8083 },
};
const TIMEOUT_MS = 4000;

function fail(message) {
  process.stderr.write(`healthcheck: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.some((a) => a !== '--live')) fail(`unknown argument ${args.find((a) => a !== '--live')}; usage: healthcheck.mjs [--live]`);
const service = process.env.SERVICE;
const port = PORTS[service ?? ''];
if (!port) fail(`SERVICE is ${JSON.stringify(service ?? null)}; one of ${Object.keys(PORTS).join(', ')} is expected`);
const text = process.env[port.variable];
const number = text === undefined || text === '' ? port.fallback : Number(text);
if (!Number.isInteger(number) || number < 1 || number > 65535) fail(`${port.variable} is ${JSON.stringify(text)}, not a port number`);
// A service listening on every address answers on loopback; one bound to an address is asked there.
const host = !process.env.HOST || ['0.0.0.0', '::', '[::]'].includes(process.env.HOST) ? '127.0.0.1' : process.env.HOST;
const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${number}/${args.includes('--live') ? 'healthz' : 'readyz'}`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = (await response.text()).slice(0, 300);
  if (response.status !== 200) fail(`${service}: ${url} answered ${response.status} ${body}`);
  process.stdout.write(`${service}: ${url} ${body}\n`);
} catch (err) {
  fail(`${service}: ${url} did not answer: ${err instanceof Error ? (err.cause?.message ?? err.message) : String(err)}`);
}
