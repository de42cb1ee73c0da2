/**
 * Mints HS256 bearer tokens for local use and tests, from JWT_SECRET or the local stack's secret in
 * .local/secrets.env (written by scripts/up).
 *
 *   pnpm mint-token --role dispatcher --areas 440705 [--department sanitation] [--sub id] [--ttl 8h] [--iss issuer] [--aud audience]
 *   pnpm mint-token --examples [--ttl 12h]     # the five ready tokens scripts/up prints, as sourceable NAME=token lines
 */
import { parseArgs } from 'node:util';
import { PersonRole } from '@gridgov/contracts';
import { readDevSecrets } from '../dev-secrets.ts';
import { mintToken, parseTtl, type TokenRequest } from '../tokens.ts';

/** The ready tokens of the local stack: one of each role, in the 新会区 fixture. */
const EXAMPLE_TOKENS: readonly (Omit<TokenRequest, 'ttlSeconds'> & { name: string; who: string })[] = [
  {
    name: 'STAFF_TOKEN',
    who: '网格员 grid staff of 会城街道 同德社区 grid 1',
    sub: 'staff-001',
    role: 'grid_staff',
    areas: ['440705001001001'],
  },
  {
    name: 'HANDLER_TOKEN',
    who: '环境卫生所 sanitation handler in 新会区',
    sub: 'handler-sanitation-01',
    role: 'handler',
    areas: ['440705'],
    department: 'sanitation',
  },
  { name: 'DISPATCHER_TOKEN', who: '派遣员 dispatcher of 新会区', sub: 'dispatcher-01', role: 'dispatcher', areas: ['440705'] },
  { name: 'LEADER_TOKEN', who: '领导 leader of 会城街道', sub: 'leader-huicheng', role: 'leader', areas: ['440705001'] },
  { name: 'ADMIN_TOKEN', who: 'admin of 江门市', sub: 'admin-01', role: 'admin', areas: ['440700'] },
];

function main(argv: readonly string[]): void {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      role: { type: 'string' },
      areas: { type: 'string', multiple: true },
      department: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string' },
      iss: { type: 'string' },
      aud: { type: 'string' },
      examples: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: pnpm mint-token --role <grid_staff|handler|dispatcher|leader|admin> --areas <code[,code]> [--department d] [--sub id] [--ttl 8h] [--iss issuer] [--aud audience]',
    );
    console.log('       pnpm mint-token --examples [--ttl 12h]');
    return;
  }
  const secret = process.env['JWT_SECRET'] || readDevSecrets()['JWT_SECRET'];
  if (!secret) throw new Error('no JWT_SECRET: set it, or run `bash scripts/up` once (it writes .local/secrets.env)');
  const issuer = values.iss ?? process.env['JWT_ISSUER'];
  const audience = values.aud ?? process.env['JWT_AUDIENCE'];
  if (values.examples) {
    const ttlSeconds = parseTtl(values.ttl ?? '12h');
    for (const example of EXAMPLE_TOKENS) {
      const { name, who, ...request } = example;
      console.log(
        `# ${who}: ${request.role} ${request.sub}, areas ${request.areas.join(',')}${request.department ? `, ${request.department}` : ''}`,
      );
      console.log(`${name}=${mintToken({ ...request, ttlSeconds, issuer, audience }, secret)}`);
    }
    return;
  }
  const role = PersonRole.safeParse(values.role);
  if (!role.success) throw new Error(`--role is one of ${PersonRole.options.join(', ')}`);
  const areas = (values.areas ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (areas.length === 0) throw new Error('--areas names at least one area code, e.g. --areas 440705001');
  const token = mintToken(
    {
      sub: values.sub ?? `${role.data}-local`,
      role: role.data,
      areas,
      department: values.department,
      ttlSeconds: parseTtl(values.ttl ?? '8h'),
      issuer,
      audience,
    },
    secret,
  );
  console.log(token);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`mint-token: ${err instanceof Error ? err.message.replace(/\n\s*/g, ' ') : String(err)}`);
  process.exit(1);
}
