import { bearer, createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, areas, GRID, HUICHENG, insideGrid, intakeHarness, seedCase, type IntakeHarness } from '../test-harness.ts';

type Person = Omit<Parameters<typeof bearer>[0], 'sub'> & { readonly id: string };
const as = (actor: Person) => bearer({ sub: actor.id, ...actor });

describe('intake-api geo routes (GET /v1/grids/locate, GET /v1/areas/:code/boundaries) and the outside-grid flag', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });
  const get = (url: string, actor?: Person) => intake.app.inject({ method: 'GET', url, ...(actor ? { headers: as(actor) } : {}) });

  it('places a position in its grid, answering the grid and its path from the city down', async () => {
    const { lat, lng } = insideGrid(GRID);
    const res = await get(`/v1/grids/locate?lat=${lat}&lng=${lng}`, ACTORS.staff);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ code: string; name: string; path: { code: string; level: string }[] }>();
    expect(body.code).toBe(GRID);
    expect(body.name).toBe(areas.get(GRID).name);
    expect(body.path.map((p) => p.code)).toEqual([...areas.lineage(GRID)].reverse());
    expect(body.path.map((p) => p.level)).toEqual(['city', 'district', 'town', 'community', 'grid']);
  });

  it('answers 404 outside every grid, 400 naming a bad or missing coordinate, 401 without a token', async () => {
    const far = await get('/v1/grids/locate?lat=31.7&lng=116.5', ACTORS.staff);
    expect(far.statusCode).toBe(404);
    expect(far.json()).toMatchObject({ error: { code: 'NO_GRID_HERE' } });
    const bad = await get('/v1/grids/locate?lat=95&lng=113', ACTORS.staff);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/lat/);
    const missing = await get('/v1/grids/locate?lat=22.5', ACTORS.staff);
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toMatch(/lng/);
    expect((await get('/v1/grids/locate?lat=22.5&lng=', ACTORS.staff)).statusCode).toBe(400);
    expect((await get('/v1/grids/locate?lat=22.5&lng=113')).statusCode).toBe(401);
  });

  it('serves the boundaries under an area as a GeoJSON FeatureCollection: its children, or every grid', async () => {
    const res = await get(`/v1/areas/${HUICHENG.code}/boundaries`, ACTORS.leader);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    const body = res.json<{ type: string; features: { id: string; properties: { level: string }; geometry: { type: string } }[] }>();
    expect(body.type).toBe('FeatureCollection');
    expect(body.features.map((f) => f.id)).toEqual(areas.children(HUICHENG.code).map((c) => c.code));
    expect(body.features.every((f) => f.properties.level === 'community' && f.geometry.type === 'Polygon')).toBe(true);
    const grids = (await get(`/v1/areas/${HUICHENG.code}/boundaries?level=grid`, ACTORS.leader)).json<{ features: { id: string }[] }>();
    const expected = areas.ofLevel('grid').filter((g) => areas.isWithin(g.code, HUICHENG.code));
    expect(grids.features.map((f) => f.id).sort()).toEqual(expected.map((g) => g.code).sort());
  });

  it('refuses the boundaries of an area outside the caller’s, an unknown area, and a level not below the area', async () => {
    expect((await get(`/v1/areas/${HUICHENG.code}/boundaries`, ACTORS.dazeLeader)).json()).toMatchObject({
      error: { code: 'OUT_OF_JURISDICTION' },
    });
    expect((await get('/v1/areas/440799/boundaries', ACTORS.leader)).statusCode).toBe(404);
    const above = await get(`/v1/areas/${HUICHENG.code}/boundaries?level=district`, ACTORS.leader);
    expect(above.statusCode).toBe(400);
    expect(above.json<{ error: { message: string } }>().error.message).toMatch(/level/);
  });

  it('shows on the case that its report lay outside its grid, and not on a case reported inside', async () => {
    const outside = await seedCase(infra, { location: { lat: 22.3, lng: 113.15 } });
    const inside = await seedCase(infra);
    const view = (id: string) => get(`/v1/incidents/${id}`, ACTORS.dispatcher).then((r) => r.json<{ incident: Record<string, unknown> }>());
    const flagged = await view(outside.incidentId);
    expect(JSON.stringify(flagged)).toContain('"locationOutsideGrid":true');
    expect(JSON.stringify(await view(inside.incidentId))).not.toContain('locationOutsideGrid');
  });
});
