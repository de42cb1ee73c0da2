import { EVENT_SIGNATURE_HEADER } from '@gridgov/auth';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { DurableProducer, partitionerFor, topicWatermarks, type KafkaClient } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import { caseIdOf } from './ids.ts';
import type { Mapping } from './mapping.ts';
import { RowMapper, type RowProblem } from './rows.ts';
import { SigningPool, type RecordToSign } from './signing-pool.ts';
import { readSource, type SourceFormat } from './sources.ts';

/** Where the events go; absent for a dry run. */
export interface ImportTarget {
  readonly kafka: KafkaClient;
  /** grid.events, prefixed. */
  readonly topic: string;
  /** The importer's own private key (IMPORT_SIGNING_KEY): readers believe it for IncidentImported events alone (ADR 0030). */
  readonly signingKey: string;
  /** Signing threads (one per core unless given). */
  readonly signingThreads?: number;
}

export interface ImportOptions {
  readonly file: string;
  readonly format: SourceFormat;
  readonly mapping: Mapping;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  /** Undefined: a dry run (validate and count, write nothing). */
  readonly target?: ImportTarget | undefined;
  readonly logger: Logger;
  /** Records per produce request. */
  readonly batchSize?: number;
  /** Produce requests in flight at once. */
  readonly inFlight?: number;
  /** At most this many refused rows are listed (all are counted): the list stays small whatever the file. */
  readonly listProblems?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  readonly bytes: number;
  readonly rows: number;
  readonly imported: number;
  readonly refused: number;
}

export interface ImportSummary {
  readonly file: string;
  readonly source: string;
  readonly dryRun: boolean;
  /** Data rows read (the header not counted). */
  readonly rows: number;
  /** Rows that mapped to a case: written to grid.events (or, in a dry run, that would be). */
  readonly imported: number;
  /** Rows refused, each for one or more problems. */
  readonly refused: number;
  /** The first `listProblems` problems, in file order. */
  readonly problems: readonly RowProblem[];
  /** Problems counted but not listed. */
  readonly problemsLeftOut: number;
  readonly seconds: number;
}

/**
 * Streams a legacy file into IncidentImported events on grid.events (ADR 0030): each row mapped and checked, the good
 * ones signed with the importer's key, keyed by the case's id (as the worker keys events, so a case's events share a
 * partition) and produced in batches with acks=all, a few requests in flight; the refused ones listed with line,
 * column and reason. Memory stays bounded: rows are never held beyond a batch, problems beyond `listProblems`.
 */
export async function importCases(options: ImportOptions): Promise<ImportSummary> {
  const began = performance.now();
  const { mapping, target, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const inFlight = options.inFlight ?? 4;
  const listProblems = options.listProblems ?? 1_000;
  const mapper = new RowMapper(mapping, { areas: options.areas, catalog: options.catalog, idOf: caseIdOf });
  const problems: RowProblem[] = [];
  let problemsLeftOut = 0;
  let bytes = 0;
  let rows = 0;
  let imported = 0;
  let refused = 0;
  const note = (found: readonly RowProblem[]) => {
    refused++;
    for (const p of found) {
      if (problems.length < listProblems) problems.push(p);
      else problemsLeftOut++;
    }
  };

  const producer = target ? new DurableProducer(target.kafka) : undefined;
  const partitions = target ? (await topicWatermarks(target.kafka, target.topic)).length : 0;
  if (target && partitions === 0) throw new Error(`${target.topic} has no partitions: is it created?`);
  const place = target ? partitionerFor(partitions) : undefined;
  const pool = target ? new SigningPool(target.signingKey, target.signingThreads) : undefined;
  await producer?.connect();
  const sending = new Set<Promise<void>>();
  let failed: Error | undefined;
  /** Signs a batch on a signing thread, then produces it (acks=all); `inFlight` batches at once, in any order. */
  const send = async (records: RecordToSign[]) => {
    if (!producer || !target || !pool) return;
    while (sending.size >= inFlight) await Promise.race(sending);
    if (failed !== undefined) throw failed;
    const request: Promise<void> = pool
      .sign(target.topic, records)
      .then((signatures) =>
        producer.send(
          target.topic,
          records.map((r, i) => ({ key: r.key, value: r.value, headers: { [EVENT_SIGNATURE_HEADER]: signatures[i]! } })),
        ),
      )
      .then(
        () => void sending.delete(request),
        (err: unknown) => {
          sending.delete(request);
          failed ??= err instanceof Error ? err : new Error(String(err));
        },
      );
    sending.add(request);
  };

  let batch: RecordToSign[] = [];
  try {
    const source = readSource({
      file: options.file,
      format: options.format,
      delimiter: mapping.delimiter,
      sheet: mapping.sheet,
      columns: mapper.requiredColumns(),
      dateFormat: mapping.dates.formats[0]!,
      onBytes: (n) => (bytes = n),
    });
    for await (const item of source) {
      rows++;
      if (item.kind === 'unreadable') {
        note([{ line: item.row.line, column: '(row)', reason: `unreadable: ${item.row.reason}` }]);
        continue;
      }
      const mapped = mapper.map(item.row.line, item.row.record);
      if (!mapped.ok) {
        note(mapped.problems);
        continue;
      }
      imported++;
      if (place) {
        const key = mapped.event.metadata.incidentId;
        batch.push({ key, value: JSON.stringify(mapped.event), partition: place(key) });
        if (batch.length >= batchSize) {
          await send(batch);
          batch = [];
        }
      }
      if (rows % 1_000 === 0) options.onProgress?.({ bytes, rows, imported, refused });
    }
    if (batch.length > 0) await send(batch);
    await Promise.all(sending);
    if (failed !== undefined) throw failed;
  } finally {
    await Promise.allSettled(sending);
    await pool?.close();
    await producer?.disconnect();
  }
  options.onProgress?.({ bytes, rows, imported, refused });
  const summary: ImportSummary = {
    file: options.file,
    source: mapping.source,
    dryRun: !target,
    rows,
    imported,
    refused,
    problems,
    problemsLeftOut,
    seconds: (performance.now() - began) / 1000,
  };
  logger.info(
    { file: options.file, source: mapping.source, dryRun: !target, rows, imported, refused },
    target ? 'import: legacy cases written to grid.events' : 'import: dry run, nothing written',
  );
  return summary;
}
