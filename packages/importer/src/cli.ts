/**
 * `pnpm import-cases FILE [--mapping mapping.json] [--dry-run] [--format csv|xlsx]`: a legacy system's cases into
 * grid.events as IncidentImported events (ADR 0030). Progress on stderr, the summary on stdout; exit code 0 when every
 * row went in, 3 when some were refused (the good ones went in), 2 for a usage error, 1 for a failure.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, kafkaLogin, parseConfig } from '@gridgov/config';
import { ConfigFollower, loadBaseline } from '@gridgov/config-data';
import { topicsWithPrefix } from '@gridgov/contracts';
import { createKafka, type KafkaClient } from '@gridgov/kafka';
import { createLogger, FileError, Progress, readJsonFile, runCliWhenMain } from '@gridgov/runtime';
import { DryRunConfig, ImportConfig } from './config.ts';
import { importCases, type ImportProgress } from './import.ts';
import { Mapping } from './mapping.ts';
import { formatOf, sizeOf, SourceError, type SourceFormat } from './sources.ts';
import { UsageError } from './errors.ts';
import { summaryText } from './summary.ts';

const USAGE = `Usage: pnpm import-cases FILE [--mapping mapping.json] [--dry-run] [--format csv|xlsx]

Imports a legacy system's cases (CSV or XLSX) into grid.events as IncidentImported events (ADR 0030).
The mapping file says which column is which and how values read (docs/operations.md); without
--mapping, FILE's name with .mapping.json in place of its extension.
Environment: KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD, TOPIC_PREFIX, AREAS_FILE, IMPORT_SIGNING_KEY, LOG_LEVEL.
Rows are checked against the areas and catalog in force on grid.config (an admin's changes included, ADR 0024);
without a broker (a dry run without KAFKA_BROKERS), against the deployment's files (version 0).

  --mapping <file>   the mapping file (JSON)
  --dry-run          read and check every row, count, write nothing
  --format csv|xlsx  the file's format (default: from its extension)
  --list <n>         list at most n refused rows' problems (default 1000; all are counted)
  -h, --help         this text

Exit code: 0 every row imported, 3 some rows refused (the others imported), 2 usage, 1 failure.
`;

async function cli(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      mapping: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      format: { type: 'string' },
      list: { type: 'string', default: '1000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`one FILE to import, got ${positionals.length}\n\n${USAGE}`);
  const file = positionals[0]!;
  const format = (values.format ?? formatOf(file)) as SourceFormat | undefined;
  if (format !== 'csv' && format !== 'xlsx') {
    throw new UsageError(
      `--format: csv or xlsx${values.format === undefined ? ` (${basename(file)} has neither extension)` : `, got ${values.format}`}`,
    );
  }
  const list = Number(values.list);
  if (!Number.isSafeInteger(list) || list < 0) throw new UsageError(`--list: a count of rows, got ${values.list}`);
  const mappingFile = values.mapping ?? file.replace(/\.(csv|xlsx)$/i, '') + '.mapping.json';
  const parsed = Mapping.safeParse(await readJsonFile(mappingFile, '--mapping'));
  if (!parsed.success) {
    throw new UsageError(`${mappingFile}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const dryRun = values['dry-run'];
  const config = dryRun ? parseConfig(DryRunConfig) : parseConfig(ImportConfig);
  if (!dryRun && !config.IMPORT_SIGNING_KEY) {
    throw new ConfigError(['IMPORT_SIGNING_KEY: required unless --dry-run (the importer signs the events it writes, ADR 0030)']);
  }

  const total = sizeOf(file);
  const progress = new Progress(process.stderr, { label: dryRun ? 'import (dry run)' : 'import', unit: 'bytes' });
  const logger = createLogger('import-cases', config.LOG_LEVEL, { write: (line: string) => progress.log(line) });
  let seen: ImportProgress = { bytes: 0, rows: 0, imported: 0, refused: 0 };
  const started = performance.now();
  progress.start(() => ({
    done: seen.bytes,
    total,
    seconds: (performance.now() - started) / 1000,
    detail: `${seen.rows.toLocaleString('en-US')} rows, ${seen.refused.toLocaleString('en-US')} refused`,
  }));
  const kafka: KafkaClient | undefined = config.KAFKA_BROKERS
    ? createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'import-cases', sasl: kafkaLogin(config), logger })
    : undefined;
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  // The areas and catalog in force: the deployment's files as version 0, then every admin's change on grid.config.
  const baseline = await loadBaseline(config);
  const configuration = kafka ? new ConfigFollower({ kafka, topic: topics.config, baseline, logger }) : undefined;
  await configuration?.start();
  const inForce = configuration?.current ?? baseline;
  logger.info({ configVersion: inForce.version }, 'rows are checked against this configuration version');
  try {
    const summary = await importCases({
      file,
      format,
      mapping: parsed.data,
      areas: inForce.areas,
      catalog: inForce.catalog,
      target:
        dryRun || !kafka
          ? undefined
          : {
              kafka,
              topic: topics.events,
              signingKey: config.IMPORT_SIGNING_KEY!,
            },
      logger,
      listProblems: list,
      onProgress: (p) => (seen = p),
    });
    progress.stop();
    // maxRSS is in KiB: the most memory this process held, the figure that shows a file of any size streams.
    process.stdout.write(summaryText(summary, process.resourceUsage().maxRSS * 1024));
    return summary.refused > 0 ? 3 : 0;
  } finally {
    progress.stop();
    await configuration?.stop();
  }
}

runCliWhenMain(import.meta.url, cli, { what: 'import-cases', usage: [UsageError, ConfigError, FileError, SourceError] });
