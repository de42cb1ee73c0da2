// Writes each workspace package's tsconfig.json (project references follow package.json
// dependencies) and the root solution tsconfig. Run after adding a package or a dependency.
//
// A package with a browser part (a `web/` folder holding an index.html, built by Vite) gets a second
// project, `web/tsconfig.json`: DOM types, JSX, bundler resolution and no Node types; the package's own
// project (its Node code: the server, the Vite config) leaves `web/` out.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dirs = ['packages', 'services']
  .flatMap((d) => readdirSync(d).map((n) => join(d, n)))
  .concat(['test', 'bench'])
  .filter((d) => existsSync(join(d, 'package.json')));
const byName = new Map(dirs.map((d) => [JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name, d]));
const hasWeb = (dir) => existsSync(join(dir, 'web', 'index.html'));
const write = (file, config) => writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
const projects = [];
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => byName.has(n));
  const depth = dir.split('/').length;
  const up = '../'.repeat(depth);
  write(join(dir, 'tsconfig.json'), {
    extends: `${up}tsconfig.base.json`,
    compilerOptions: { outDir: 'dist', rootDir: '.', tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: dir === 'test' ? ['**/*.ts'] : ['src/**/*.ts', '*.ts'],
    exclude: ['dist', 'node_modules', ...(hasWeb(dir) ? ['web'] : [])],
    references: deps.map((n) => ({ path: `${up}${byName.get(n)}` })),
  });
  projects.push(dir);
  if (hasWeb(dir)) {
    const webUp = `${up}../`;
    write(join(dir, 'web', 'tsconfig.json'), {
      extends: `${webUp}tsconfig.base.json`,
      compilerOptions: {
        outDir: 'dist',
        rootDir: '.',
        tsBuildInfoFile: 'dist/.tsbuildinfo',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        types: [],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: 'react-jsx',
      },
      include: ['src/**/*.ts', 'src/**/*.tsx'],
      exclude: ['dist', 'node_modules'],
      references: deps.map((n) => ({ path: `${webUp}${byName.get(n)}` })),
    });
    projects.push(join(dir, 'web'));
  }
}
write('tsconfig.json', { files: [], references: projects.map((d) => ({ path: `./${d}` })) });
