import { caseQueues } from '@gridgov/domain';
import type { IncidentView } from '@gridgov/read-model';
import { bearer, createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, areas, GRID, HUICHENG, intakeHarness, seedCase, type IntakeHarness } from './test-harness.ts';

/**
 * 举报人保护 in the case routes (issue 20, finding 7): a grid is one staff member's, so a confidential lead's grid code
 * points at its reporter. It is shown only to those who may see the reporter (the area's dispatchers, the reporter);
 * everyone else sees the grid's community, and cannot find the case by asking for its grid either.
 */
type Person = Omit<Parameters<typeof bearer>[0], 'sub'> & { readonly id: string };
const as = (actor: Person) => bearer({ sub: actor.id, ...actor });
const COMMUNITY = areas.get(GRID).parent!;

describe('a confidential lead’s grid, over HTTP on the real Redis', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  const whistle = { id: 'whistle-grid-0001', role: 'grid_staff' as const, areas: [GRID] };
  let incidentId: string;
  let queue: string;

  const get = async (url: string, actor: Person) => {
    const res = await intake.app.inject({ method: 'GET', url, headers: as(actor) });
    return { status: res.statusCode, text: res.body, json: res.json<Record<string, unknown>>() };
  };
  const listed = async (url: string, actor: Person) => {
    const res = await get(url, actor);
    expect(res.status).toBe(200);
    return { text: res.text, items: (res.json['items'] as IncidentView[]).filter((i) => i.incidentId === incidentId) };
  };

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
    ({ incidentId } = await seedCase(infra, { category: 'gang_crime_lead', reporter: whistle }));
    const view = (await get(`/v1/incidents/${incidentId}`, ACTORS.dispatcher)).json['incident'] as IncidentView;
    queue = caseQueues(view)[0]!;
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  it('shows the grid to the dispatchers of the area and the reporter; the handler and the leader see the community', async () => {
    for (const actor of [ACTORS.dispatcher, whistle]) {
      const res = await get(`/v1/incidents/${incidentId}`, actor);
      expect(res.status).toBe(200);
      expect((res.json['incident'] as IncidentView).gridCode).toBe(GRID);
    }
    for (const actor of [ACTORS.police, ACTORS.leader]) {
      const res = await get(`/v1/incidents/${incidentId}`, actor);
      expect(res.status).toBe(200);
      expect((res.json['incident'] as IncidentView).gridCode).toBe(COMMUNITY);
      // Nowhere in the answer: not in the view, not in the history's report.
      expect(res.text).not.toContain(GRID);
    }
  });

  it('lists it by its community for a leader, and does not find it by its grid', async () => {
    const town = await listed(`/v1/incidents?area=${HUICHENG.code}&queue=${queue}&limit=200`, ACTORS.leader);
    expect(town.items.map((i) => i.gridCode)).toEqual([COMMUNITY]);
    expect(town.text).not.toContain(GRID);
    expect((await listed(`/v1/incidents?area=${HUICHENG.code}&queue=${queue}&subArea=${COMMUNITY}`, ACTORS.leader)).items).toHaveLength(1);
    // Asking for the grid would tell which grid it is in.
    expect((await listed(`/v1/incidents?area=${GRID}&queue=${queue}`, ACTORS.leader)).items).toHaveLength(0);
    expect((await listed(`/v1/incidents?area=${HUICHENG.code}&queue=${queue}&subArea=${GRID}`, ACTORS.leader)).items).toHaveLength(0);
    // The area's dispatchers find it by its grid, and see it.
    const dispatcher = await listed(`/v1/incidents?area=${GRID}&queue=${queue}`, ACTORS.dispatcher);
    expect(dispatcher.items.map((i) => i.gridCode)).toEqual([GRID]);
    // The reporter's own list shows it whole.
    expect((await listed('/v1/incidents?mine=true', whistle)).items.map((i) => i.gridCode)).toEqual([GRID]);
  });
});
