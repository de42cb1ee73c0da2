/**
 * `pnpm what-if --from 2026-01-01 --to 2026-06-30 --policy policy.json [--area 440705] [--json]`: replays the district's
 * history from grid.events under a proposed catalog or policy and prints, per area and month, 按期结案率, 超期数 and
 * 督办数 under the rules in force beside the proposal, and the cases whose outcome changes (ADR 0033). Writes nothing.
 */
import { parseArgs } from 'node:util';
import { EventVerifier } from '@gridgov/auth';
import { ConfigError, kafkaLogin, parseConfig } from '@gridgov/config';
import { loadBaseline } from '@gridgov/config-data';
import { topicsWithPrefix } from '@gridgov/contracts';
import { createKafka } from '@gridgov/kafka';
import { createLogger, FileError, limitHeapGrowth, Progress, readJsonFile, runCliWhenMain } from '@gridgov/runtime';
import {
  policyIssues,
  ProposalError,
  readConfigurationVersions,
  reportText,
  runWhatIf,
  WhatIfScopeInput,
  type WhatIfProgress,
} from '@gridgov/what-if';
import { RebuildConfig } from './config.ts';

const USAGE = `Usage: pnpm what-if --from <YYYY-MM-DD> --to <YYYY-MM-DD> --policy <policy.json> [--area <code>] [--json]

Replays grid.events through the decider under the rules in force and under the proposal in policy.json, and
prints per area and month 按期结案率 (on-time closure rate), 超期数 (overdue) and 督办数 (escalated) side by side,
and the cases whose outcome changes. People's actions are replayed at the times they happened: the replay
changes the rules, not the people. Nothing is written. Reads the projection's environment (KAFKA_BROKERS,
TOPIC_PREFIX, AREAS_FILE, EVENT_VERIFY_KEYS, …) and the configuration in force on grid.config (ADR 0024).

policy.json (every field optional; what it leaves out stays as in force):
  { "name": "道路不洁 8 小时",
    "handling": { "dirty_road": { "normal": { "unit": "working_hours", "amount": 8 } } },
    "escalationEvery": { "unit": "working_days", "amount": 2 },
    "warningFractions": [0.5, 0.8], "signFor": …, "dispatch": …, "verification": … }

  --from, --to         cases reported on these days (Asia/Shanghai), both included
  --area <code>        only cases in this area (district, town, community …), rows for it and below
  --json               the report as JSON on stdout
  --max-changed <n>    list at most n changed cases (default 200)
  -h, --help           this text
`;

/** A mistake in the arguments or the policy file: told as it is, exit code 2. */
class WhatIfUsage extends Error {}

async function cli(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      area: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-changed': { type: 'string', default: '200' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scope = WhatIfScopeInput.safeParse({ from: values.from, to: values.to, ...(values.area ? { area: values.area } : {}) });
  if (!scope.success)
    throw new WhatIfUsage(`${scope.error.issues.map((i) => `--${i.path.map(String).join('.')}: ${i.message}`).join('; ')}\n\n${USAGE}`);
  if (!values.policy) throw new WhatIfUsage(`--policy: the proposal's file is needed\n\n${USAGE}`);
  const maxChanged = Number(values['max-changed']);
  if (!Number.isSafeInteger(maxChanged) || maxChanged < 0)
    throw new WhatIfUsage(`--max-changed: a whole number, got ${values['max-changed']}`);
  const policy = policyIssues(await readJsonFile(values.policy, '--policy'));
  if (!policy.ok) throw new WhatIfUsage(`${values.policy} is not a valid proposal:\n  ${policy.issues.join('\n  ')}`);

  const config = parseConfig(RebuildConfig);
  // A fold of the whole log, as the service's replay: its heap grows the same way (docs/performance.md).
  limitHeapGrowth(config.PROJECTION_HEAP_GROWING_PERCENT);
  const progress = new Progress(process.stderr, { label: 'what-if', unit: 'events' });
  const logger = createLogger('what-if', config.LOG_LEVEL, { write: (line: string) => progress.log(line) });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'projection-what-if', sasl: kafkaLogin(config), logger });
  const topics = topicsWithPrefix(config.TOPIC_PREFIX);
  // Every version grid.config has held: each case is decided again under its own; the latest is in force.
  const versions = await readConfigurationVersions({ kafka, topic: topics.config, baseline: await loadBaseline(config), logger });
  const current = versions.get(Math.max(...versions.keys()))!;
  if (scope.data.area && !current.areas.has(scope.data.area)) throw new WhatIfUsage(`--area: ${scope.data.area} is not a known area`);
  const started = Date.now();
  let reading: WhatIfProgress = { phase: 'reading', done: 0, total: 0 };
  let deciding: WhatIfProgress | undefined;
  // The bar counts the events read; then the cases decided twice (current rules, proposal) are told beside it.
  progress.start(() => ({
    done: reading.done,
    total: reading.total,
    seconds: (Date.now() - started) / 1000,
    detail: deciding
      ? `deciding cases: ${deciding.done.toLocaleString('en-US')}/${deciding.total.toLocaleString('en-US')}`
      : 'reading grid.events',
  }));
  try {
    const report = await runWhatIf({
      kafka,
      topic: topics.events,
      verifier: new EventVerifier(config.EVENT_VERIFY_KEYS, config.EVENT_SIGNATURES_FROM),
      logger,
      groupPrefix: `${config.TOPIC_PREFIX}${config.PROJECTION_GROUP_ID}-what-if`,
      versions,
      policy: policy.policy,
      scope: scope.data,
      maxChanged,
      onProgress: (p) => {
        if (p.phase === 'reading') reading = p;
        else deciding = p;
      },
    });
    progress.stop();
    process.stdout.write(
      values.json ? `${JSON.stringify({ policy: policy.policy, ...report }, null, 2)}\n` : reportText(report, policy.policy.name),
    );
    return 0;
  } finally {
    progress.stop();
  }
}

runCliWhenMain(import.meta.url, cli, { what: 'what-if', usage: [ConfigError, WhatIfUsage, FileError], told: [ProposalError] });
