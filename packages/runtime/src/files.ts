import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** A file named by the environment that cannot be read or is not JSON: the message says which and why. */
export class FileError extends Error {}

/** Reads a JSON file named by a setting (`what`, e.g. AREAS_FILE); its shape is the caller's to validate. */
export async function readJsonFile(file: string | URL, what: string): Promise<unknown> {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FileError(`${what}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FileError(`${what}: ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
