// The image's HEALTHCHECK: GET /healthz on the port the app really listens on. Each app reads its own
// variable first (API_PORT, SCHEDULER_PORT, CONTROLLER_PORT, AUDIT_SINK_PORT), then PORT.
const own = `${(process.env.LCM_APP || '').toUpperCase().replace(/-/g, '_')}_PORT`;
const port = process.env[own] || process.env.PORT || '3000';
fetch(`http://127.0.0.1:${port}/healthz`, {
  signal: AbortSignal.timeout(2500),
}).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
