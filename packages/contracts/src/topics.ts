/** Topic names; a deployment or a test may put a prefix in front of all of them. */
export const TopicNames = {
  commands: 'grid.commands',
  events: 'grid.events',
  notifications: 'grid.notifications',
  dlq: 'grid.dlq',
} as const;
export type TopicKey = keyof typeof TopicNames;
export type Topics = { readonly [K in TopicKey]: string };

export function topicsWithPrefix(prefix: string): Topics {
  return {
    commands: `${prefix}${TopicNames.commands}`,
    events: `${prefix}${TopicNames.events}`,
    notifications: `${prefix}${TopicNames.notifications}`,
    dlq: `${prefix}${TopicNames.dlq}`,
  };
}
