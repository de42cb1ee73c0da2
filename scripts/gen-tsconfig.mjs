// Writes each workspace package's tsconfig.json (project references follow package.json
// dependencies) and the root solution tsconfig. Run after adding a package or a dependency.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dirs = ['packages', 'services']
  .flatMap((d) => readdirSync(d).map((n) => join(d, n)))
  .concat(['test', 'bench'])
  .filter((d) => existsSync(join(d, 'package.json')));
const byName = new Map(dirs.map((d) => [JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name, d]));
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => byName.has(n));
  const depth = dir.split('/').length;
  const up = '../'.repeat(depth);
  const config = {
    extends: `${up}tsconfig.base.json`,
    compilerOptions: { outDir: 'dist', rootDir: '.', tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: dir === 'test' ? ['**/*.ts'] : ['src/**/*.ts', '*.ts'],
    exclude: ['dist', 'node_modules'],
    references: deps.map((n) => ({ path: `${up}${byName.get(n)}` })),
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2) + '\n');
}
writeFileSync('tsconfig.json', JSON.stringify({ files: [], references: dirs.map((d) => ({ path: `./${d}` })) }, null, 2) + '\n');
