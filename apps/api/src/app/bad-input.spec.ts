import fc from 'fast-check';
import {
  ApiHarness,
  snapshotCounts,
  startTestApi,
} from '../../test/api-harness';
import {
  buildBadInputCases,
  Caller,
  credentials,
  FIXTURE_MARKERS,
  Fixtures,
  prepareFixtures,
  resolveCase,
} from '../../test/bad-input-cases';
import { expectProblem, runBadInputCase } from '../../test/bad-input-runner';

const CASES = buildBadInputCases(FIXTURE_MARKERS);

/**
 * Bad input of every kind gets the right 4xx problem+json and changes nothing: the state store
 * revision and the document counts (definitions, templates, audit events) are the same after.
 */
describe('bad input (memory stores)', () => {
  let h: ApiHarness;
  let fx: Fixtures;
  let callers: Record<Caller, string | undefined>;
  let baseline: Awaited<ReturnType<typeof snapshotCounts>>;

  beforeAll(async () => {
    h = await startTestApi();
    fx = await prepareFixtures(h);
    callers = await credentials(h);
    baseline = await snapshotCounts(h);
  });
  afterAll(() => h.close());

  it('has at least 200 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
  });

  it.each(CASES.map((c, i) => [i + 1, c.name, c.status, c] as const))(
    '#%i %s -> %i',
    async (_i, _name, _status, c) => {
      const resolved = resolveCase(c, fx);
      const reply = await runBadInputCase(h, resolved, callers);
      expectProblem(resolved, reply);
      expect({ case: c.name, counts: await snapshotCounts(h) }).toEqual({
        case: c.name,
        counts: baseline,
      });
    },
  );

  it('answers random JSON bodies on every write route with a 4xx problem, never a 5xx, and changes nothing', async () => {
    const routes = [
      '/api/v1/definitions',
      '/api/v1/instances',
      '/api/v1/templates',
      '/api/v1/workers',
      'PUT template',
    ];
    const token = await h.token('admin');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(
            fc.constantFrom(
              'name',
              'definitionId',
              'timeslotStart',
              'timeslotEnd',
              'labYaml',
              'capacity',
              'templateName',
              'ownerId',
              'maxNodes',
              'portTemplate',
            ),
            fc.jsonValue(),
          ),
        ),
        async (route, body) => {
          const put = route === 'PUT template';
          // A generated object could be a valid template patch: an unknown field keeps it invalid.
          const probe =
            put &&
            typeof body === 'object' &&
            body !== null &&
            !Array.isArray(body)
              ? { ...body, isSeeded: 1 }
              : body;
          const reply = await h.call(
            put ? 'PUT' : 'POST',
            put ? `/api/v1/templates/${fx.templateId}` : route,
            { token, body: probe },
          );
          expect(reply.status).toBeGreaterThanOrEqual(400);
          expect(reply.status).toBeLessThan(500);
          expect(reply.headers.get('content-type')).toContain(
            'application/problem+json',
          );
          expect(await snapshotCounts(h)).toEqual(baseline);
        },
      ),
      { numRuns: 150, seed: 20261123 },
    );
  });
});
