import type { CommandAccepted, CommandOutcome, MergeAccepted } from './types.ts';

/** What /config.json says: the APIs the browser calls itself. */
export interface ConsoleConfig {
  readonly intakeUrl: string;
  readonly projectionUrl: string;
  /** The notifier: the inbox and the bell's unread count. */
  readonly notifierUrl: string;
}

/** An answer of the APIs' one error shape ({error: {code, message}}), or a failure to reach them (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error's details, when the API gives them (e.g. an area file's problems by row and column). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The code and message of an error answer, whatever its body turned out to be. */
export async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `${res.status} ${res.statusText}`.trim();
  let details: Record<string, unknown> | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.details === 'object' && body.error.details !== null) details = body.error.details as Record<string, unknown>;
  } catch {
    // Not the APIs' shape (a proxy's page): the status says it.
  }
  return new ApiError(res.status, code, message, details);
}

export type Service = 'intake' | 'projection' | 'notifier';

/**
 * Calls the APIs with the signed-in user's bearer token. A 401 signs the user out (`onUnauthorized`,
 * with the API's message) before the error is thrown.
 */
export class ApiClient {
  constructor(
    readonly config: ConsoleConfig,
    readonly token: string,
    private readonly onUnauthorized: (message: string) => void,
  ) {}

  /** A 401 met elsewhere (the figures stream): signs out as the client's own calls do. */
  unauthorized(message: string): void {
    this.onUnauthorized(message);
  }

  url(service: Service, path: string): string {
    const base =
      service === 'intake' ? this.config.intakeUrl : service === 'notifier' ? this.config.notifierUrl : this.config.projectionUrl;
    return `${base}${path}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  async fetch(service: Service, path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url(service, path), { ...init, headers: this.headers(init.headers as Record<string, string> | undefined) });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
    }
    if (res.status === 401) {
      const error = await errorOf(res);
      this.onUnauthorized(error.message);
      throw error;
    }
    return res;
  }

  async get<T>(service: Service, path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.fetch(service, path, signal ? { signal } : {});
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  async post<T>(service: Service, path: string, body: unknown): Promise<T> {
    const res = await this.fetch(service, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  /**
   * Downloads a file the API answers (an export, a bulletin PDF) with the user's token: a link to it could not carry
   * the token. Saved under the name its Content-Disposition gives, else `fallbackName`.
   */
  async download(service: Service, path: string, fallbackName: string): Promise<void> {
    const res = await this.fetch(service, path);
    if (!res.ok) throw await errorOf(res);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    try {
      const link = document.createElement('a');
      link.href = url;
      link.download = fileNameOf(res.headers.get('content-disposition')) ?? fallbackName;
      document.body.append(link);
      link.click();
      link.remove();
    } finally {
      // After the click has handed the blob to the browser's download.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }
  }

  /** A command on a case: 202 {commandId}, then its outcome as the dispatch worker decided it. */
  async command(incidentId: string, action: string, body: unknown): Promise<CommandOutcome> {
    const accepted = await this.post<CommandAccepted & Partial<Pick<MergeAccepted, 'survivor'>>>(
      'intake',
      `/v1/incidents/${encodeURIComponent(incidentId)}/${action}`,
      body,
    );
    const outcome = await this.outcome(accepted.commandId);
    // A merge is two commands, one per case (ADR 0032): it is done when the surviving case has taken its half too.
    if (outcome.status === 'accepted' && accepted.survivor) return this.outcome(accepted.survivor.commandId);
    return outcome;
  }

  async outcome(commandId: string, waitMs = 5000): Promise<CommandOutcome> {
    const res = await this.fetch('intake', `/v1/commands/${encodeURIComponent(commandId)}?waitMs=${waitMs}`);
    if (res.status === 202) return { status: 'pending', commandId };
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as CommandOutcome;
  }
}

/** The file name of a Content-Disposition: its UTF-8 `filename*` when given, else `filename`. */
export function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // Malformed: the plain name below.
    }
  }
  return /filename="([^"]+)"/i.exec(disposition)?.[1];
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json: ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}
