export * from './primitives.ts';
export * from './commands.ts';
export * from './events.ts';
export * from './outcomes.ts';
export * from './topics.ts';
export * from './notifications.ts';
export * from './canonical-json.ts';
export * from './event-stamp.ts';
