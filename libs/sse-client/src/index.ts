export * from './sse-parser';
export * from './follow-event-stream';
