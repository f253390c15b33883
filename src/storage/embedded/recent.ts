/**
 * Values remembered by object identity, for finding repeats (a value several documents hold) while
 * writing a journal record or a snapshot: the most recent `capacity` to 2 × `capacity` of them, so the
 * memory stays bounded however large the record or the store. A repeat of a value forgotten by then
 * is written in full again: only sharing is lost.
 */
export class RecentObjects<V> {
  private young = new Map<object, V>();
  private old = new Map<object, V>();

  constructor(private readonly capacity: number) {}

  get(key: object): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  set(key: object, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
