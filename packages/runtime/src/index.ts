import { pino, type Logger } from 'pino';

export type { Logger };

/** Never written to a log, whatever a line carries: bearer tokens and the signing key's work. */
const REDACTED = ['req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'signature', '*.signature'];

/**
 * A service's or a command's logger: JSON lines with its name and pid, secrets redacted; to stdout, or to
 * `destination` (a command's progress bar keeps its log lines above the bar on stderr).
 */
export function createLogger(service: string, level: string, destination?: { write(line: string): void }): Logger {
  const options = { name: service, level, base: { service, pid: process.pid }, redact: { paths: REDACTED, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it finished in time, 1 otherwise.
 * A second signal exits at once.
 */
export function shutdownOnSignals(logger: Logger, stop: () => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Logs a fatal start-up error (bad configuration, unreachable broker) and exits non-zero. */
export function exitOnStartupError(logger: Logger, err: unknown): never {
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
}

export * from './probes.ts';

/**
 * What to do when a Kafka consumer is dead for good (kafkajs gave up on it and will not restart it): log it and
 * end the process non-zero, so that its supervisor starts a fresh one instead of leaving it alive and idle.
 */
export function exitOnDeadConsumer(logger: Logger, consumer: string): (err: Error) => void {
  return (err) => {
    logger.fatal(
      { err, consumer },
      `the ${consumer} consumer crashed and will not be restarted: exiting so that a supervisor restarts this process`,
    );
    process.exit(1);
  };
}
export * from './cli.ts';
export * from './files.ts';
export * from './progress.ts';
export * from './http-timeouts.ts';
export * from './deadline.ts';
export * from './heap-growth.ts';
