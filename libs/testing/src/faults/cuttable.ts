/**
 * `target` until `cut()`: from then on every method call except those in `spared` rejects with
 * `failure()`, as a client of a server that became unreachable sees it (e.g. a state store whose
 * etcd is gone). Properties that are not methods read through.
 */
export function cuttable<T extends object>(
  target: T,
  failure: () => Error,
  spared: readonly PropertyKey[] = ['close'],
): { value: T; cut(): void } {
  let down = false;
  const value = new Proxy(target, {
    get(object, prop, receiver) {
      const member = Reflect.get(object, prop, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) =>
        down && !spared.includes(prop)
          ? Promise.reject(failure())
          : member.apply(object, args);
    },
  });
  return { value, cut: () => (down = true) };
}
