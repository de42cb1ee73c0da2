import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** `vite` (dev) answers /config.json as the console service does, from the same variables. */
const devConfigJson = (): Plugin => ({
  name: 'console-config-json',
  configureServer(server) {
    server.middlewares.use('/config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          intakeUrl: process.env['INTAKE_URL'] ?? 'http://127.0.0.1:3000',
          projectionUrl: process.env['PROJECTION_URL'] ?? 'http://127.0.0.1:3001',
        }),
      );
    });
  },
});

export default defineConfig({
  root: 'web',
  plugins: [react(), devConfigJson()],
  // The repository's data (the holiday notices the case detail's working-time countdowns count with), bundled as text.
  resolve: { alias: { '@gridgov-data': fileURLToPath(new URL('../../data', import.meta.url)) } },
  build: {
    outDir: '../dist/static',
    emptyOutDir: true,
    // Under 2 cores, maps double the build time and are served to nobody.
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  // On 127.0.0.1, as the APIs' CORS_ORIGINS name it.
  server: { host: '127.0.0.1', port: 5173 },
});
