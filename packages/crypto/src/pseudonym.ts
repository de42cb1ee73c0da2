import { createHmac } from 'node:crypto';

/**
 * Keyed pseudonyms (HMAC-SHA256 with a service secret, `PSEUDONYM_SECRET`): the same person always gives the same
 * pseudonym, so a reporter's own list can be indexed and a command's issuer recognised, but without the secret the
 * pseudonym does not say who it is nor lets anyone test a guess (ADR 0016). `purpose` keeps uses apart.
 */
export class Pseudonyms {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the pseudonym secret must be at least 32 characters');
  }

  of(purpose: string, ...parts: string[]): string {
    return createHmac('sha256', this.secret)
      .update([purpose, ...parts].join('\u0000'))
      .digest('base64url');
  }

  /** A person as the log and the lists may name them: `p1.<hmac>`. */
  person(id: string): string {
    return `p1.${this.of('person', id).slice(0, 32)}`;
  }

  /** Whether `ref` names `id`: its pseudonym, or (an old record) the id itself. */
  names(ref: string | undefined, id: string): boolean {
    return ref === id || ref === this.person(id);
  }
}
