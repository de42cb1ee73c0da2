import {
  createTestInfra,
  freePort,
  startService,
  XINHUI_AREAS_FILE,
  type RunningService,
  type TestInfra,
  type TestInfraOptions,
} from '@gridgov/testing';

/** The three services, the notifier and the console, started for a browser test against its own topics and keys. */
export interface ConsoleStack {
  readonly infra: TestInfra;
  /** The services' environment (the intake is restarted with it, on `intakePort`, by tests that stop it). */
  readonly env: Record<string, string>;
  readonly intakePort: number;
  intake: RunningService;
  readonly others: readonly RunningService[];
  readonly intakeUrl: string;
  readonly projectionUrl: string;
  /** The notifier (inbox, bell), delivering to the people of data/directory/xinhui.json unless env says DIRECTORY_FILE. */
  readonly notifierUrl: string;
  readonly consoleUrl: string;
  /** SIGKILLs every service and removes the topics and keys. */
  stop(): Promise<void>;
}

/**
 * Starts intake-api, the dispatch worker, the projection, the notifier (the 新会区 areas; `env` added to theirs) and the
 * console, whose origin the APIs allow (the browser calls them straight from its pages).
 */
export async function startConsoleStack(
  options: { readonly infra?: TestInfraOptions; readonly env?: Record<string, string> } = {},
): Promise<ConsoleStack> {
  const infra = await createTestInfra(options.infra);
  const [consolePort, intakePort] = [await freePort(), await freePort()];
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const env = { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE, CORS_ORIGINS: consoleUrl, ...options.env };
  const [intake, worker, projection, notifier] = await Promise.all([
    startService('intake-api', { ...env, PORT: String(intakePort) }),
    startService('dispatch-worker', env),
    startService('projection', env),
    startService('notifier', env),
  ]);
  const intakeUrl = intake.url!;
  const projectionUrl = projection.url!;
  const notifierUrl = notifier.url!;
  const console = await startService('console', {
    PORT: String(consolePort),
    INTAKE_URL: intakeUrl,
    PROJECTION_URL: projectionUrl,
    NOTIFIER_URL: notifierUrl,
  });
  const stack: ConsoleStack = {
    infra,
    env,
    intakePort,
    intake,
    others: [worker, projection, notifier, console],
    intakeUrl,
    projectionUrl,
    notifierUrl,
    consoleUrl,
    async stop() {
      await Promise.all([stack.intake, ...stack.others].map((s) => s.stop('SIGKILL')));
      await infra.cleanup();
    },
  };
  return stack;
}
