import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { areaFileText, AreaFixtures, type AreaFixtureName } from './areas.ts';

/** Where the 新会区 tree the services load by default is kept (AREAS_FILE's default). */
export const XINHUI_AREAS_FILE = fileURLToPath(new URL('../../../data/areas/xinhui.json', import.meta.url));
/** Where the 六安-like second district (金安区) is kept: AREAS_FILE=data/areas/luan.json runs the stack on it. */
export const LUAN_AREAS_FILE = fileURLToPath(new URL('../../../data/areas/luan.json', import.meta.url));
const COMMITTED: Partial<Record<AreaFixtureName, string>> = { xinhui: XINHUI_AREAS_FILE, luan: LUAN_AREAS_FILE };

const USAGE = `Writes a generated area tree as an areas file (what AREAS_FILE names).

  pnpm --filter @gridgov/simulator write-areas [xinhui|luan|city10k|province100k] [file]

Default: xinhui into data/areas/xinhui.json, luan into data/areas/luan.json (both committed; a test fails when
either differs from its generator).
For a larger stack: write-areas city10k "$PWD/.local/areas-city10k.json", then AREAS_FILE=.local/areas-city10k.json.`;

function main(argv: readonly string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const [name = 'xinhui', file = COMMITTED[name as AreaFixtureName]] = argv;
  if (!(name in AreaFixtures) || !file) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const tree = AreaFixtures[name as AreaFixtureName]();
  writeFileSync(file, areaFileText(tree));
  console.log(`${name}: ${tree.size} areas written to ${file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
