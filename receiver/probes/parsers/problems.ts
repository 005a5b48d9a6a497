// The problems list every parser returns, bounded: a hostile or corrupt file with a million bad
// lines must not build a million strings that live on. The first MAX_PROBLEMS are kept as they
// came; after that one last entry says how many more there were.

export const MAX_PROBLEMS = 50;

/** A new bounded problems list: a plain array whose push stops keeping entries at MAX_PROBLEMS. */
export function problemList(): string[] {
  const list: string[] = [];
  let extra = 0;
  // Own, non-enumerable: the list stays a plain array for every other purpose (equality, JSON).
  Object.defineProperty(list, 'push', {
    enumerable: false,
    value(...items: string[]): number {
      for (const item of items) {
        if (list.length < MAX_PROBLEMS) {
          list[list.length] = item;
        } else {
          extra++;
          list[MAX_PROBLEMS] = `… and ${extra} more problems`;
        }
      }
      return list.length;
    },
  });
  return list;
}
