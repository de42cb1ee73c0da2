/** Topic names; a deployment or a test may put a prefix in front of all of them. */
export const TopicNames = {
  commands: 'grid.commands',
  events: 'grid.events',
  /** Every command's outcome, accepted or rejected, keyed by incident id like the commands (ADR 0009). */
  outcomes: 'grid.outcomes',
  /** Frozen monthly bulletins (月通报), compacted: key area:month, the first freeze of each (ADR 0009). */
  bulletins: 'grid.bulletins',
  notifications: 'grid.notifications',
  dlq: 'grid.dlq',
} as const;
export type TopicKey = keyof typeof TopicNames;
export type Topics = { readonly [K in TopicKey]: string };

export function topicsWithPrefix(prefix: string): Topics {
  return {
    commands: `${prefix}${TopicNames.commands}`,
    events: `${prefix}${TopicNames.events}`,
    outcomes: `${prefix}${TopicNames.outcomes}`,
    bulletins: `${prefix}${TopicNames.bulletins}`,
    notifications: `${prefix}${TopicNames.notifications}`,
    dlq: `${prefix}${TopicNames.dlq}`,
  };
}
