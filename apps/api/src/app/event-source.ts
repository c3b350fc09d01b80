/** `source` of every CloudEvent the api writes (docs/events.md#envelope: `lcm/<service>`). */
export const API_EVENT_SOURCE = 'lcm/api';
