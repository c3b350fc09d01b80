/** `source` of every CloudEvent the api writes (SPEC A-1: `lcm/<service>`). */
export const API_EVENT_SOURCE = 'lcm/api';
