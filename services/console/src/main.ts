import { fileURLToPath } from 'node:url';
import { httpTimeoutsFrom, parseConfig } from '@gridgov/config';
import { createLogger, exitOnStartupError, shutdownOnSignals } from '@gridgov/runtime';
import { ConsoleConfig } from './config.ts';
import { createConsoleServer } from './server.ts';
import { loadSite } from './site.ts';

const bootLogger = createLogger('console', process.env['LOG_LEVEL'] ?? 'info');

async function main(): Promise<void> {
  const config = parseConfig(ConsoleConfig);
  const logger = createLogger('console', config.LOG_LEVEL);
  const dir = config.STATIC_DIR ?? fileURLToPath(new URL('../dist/static', import.meta.url));
  const site = await loadSite(dir);
  const server = createConsoleServer({
    site,
    browser: { intakeUrl: config.INTAKE_URL, projectionUrl: config.PROJECTION_URL, notifierUrl: config.NOTIFIER_URL },
    logger,
    timeouts: httpTimeoutsFrom(config),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info(
    {
      address: `http://${config.HOST}:${port}`,
      files: site.size,
      intake: config.INTAKE_URL,
      projection: config.PROJECTION_URL,
      notifier: config.NOTIFIER_URL,
    },
    'console listening',
  );
  shutdownOnSignals(logger, async () => {
    const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeIdleConnections();
    await closed;
  });
}

main().catch((err: unknown) => exitOnStartupError(bootLogger, err));
