/**
 * An object that is always the one `current()` gives now: each property read and method call goes to the snapshot in
 * force at that moment. How services that were built around one AreaTree or Catalog follow grid.config without a
 * restart (ADR 0024). A computation that must see one version throughout takes the snapshot itself instead.
 */
export function liveView<T extends object>(current: () => T): T {
  return new Proxy(current(), {
    get(_target, prop) {
      const now = current();
      const value: unknown = Reflect.get(now, prop, now);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(now) : value;
    },
    has: (_target, prop) => Reflect.has(current(), prop),
    getPrototypeOf: () => Reflect.getPrototypeOf(current()),
  });
}
