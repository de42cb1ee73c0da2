/** A mistake in the command line or the mapping file: told as it is, exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}
