/** Runs `task` over `items`, `size` at a time: one Redis round trip each, and a contact may have thousands. */
export async function inBatches<T>(items: readonly T[], task: (item: T) => Promise<void>, size = 50): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(task));
}
