import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError, readJsonFile } from './files.ts';

describe('readJsonFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridgov-files-'));

  it('reads a JSON file', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, '{"areas":[]}');
    expect(await readJsonFile(path, 'AREAS_FILE')).toEqual({ areas: [] });
  });

  it('names the setting and the file when the file is missing or not JSON', async () => {
    await expect(readJsonFile(join(dir, 'missing.json'), 'AREAS_FILE')).rejects.toThrow(/^AREAS_FILE: cannot read .*missing\.json: ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"areas": [');
    await expect(readJsonFile(bad, 'AREAS_FILE')).rejects.toSatisfy(
      (err) => err instanceof FileError && /bad\.json is not JSON/.test(err.message),
    );
  });
});
