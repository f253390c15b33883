import v8 from 'node:v8';
import { HeapBudget } from './heap';

describe('collecting garbage during long work (heap.ts)', () => {
  it('can collect on demand without --expose-gc', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(HeapBudget.available).toBe(true);
  });

  it('collects once the heap has grown by its slack (or a quarter of the heap in use), and not before', () => {
    const used = () => v8.getHeapStatistics().used_heap_size;
    const budget = new HeapBudget(1024 * 1024);
    budget.check();
    expect(budget.collections).toBe(0);
    // Garbage: well over both the slack and half of what the heap held when the budget started.
    const start = used();
    const garbage: unknown[] = [];
    while (used() - start < start) garbage.push({ text: `${garbage.length}`.repeat(20), list: [garbage.length] });
    garbage.length = 0;
    budget.check();
    expect(budget.collections).toBe(1);
    expect(used()).toBeLessThan(start * 1.5);
    budget.check();
    expect(budget.collections).toBe(1);
  });

  it('counts Buffers, whose memory lies outside the heap, as growth', () => {
    const budget = new HeapBudget(16 * 1024 * 1024);
    // From a collected heap: garbage of earlier tests freed meanwhile would hide the growth.
    budget.collect();
    const before = budget.collections;
    // Past both the slack and a quarter of what the process holds (a jest worker's heap can be large).
    const stats = v8.getHeapStatistics();
    const megabytes = Math.ceil(Math.max(16 << 20, (stats.used_heap_size + stats.external_memory) / 4) / (1 << 20)) + 32;
    const buffers: Buffer[] = Array.from({ length: megabytes }, () => Buffer.alloc(1 << 20, 1));
    buffers.length = 0;
    // The heap itself grew by a few kilobytes (the Buffer objects): only their memory outside it is past the threshold.
    budget.check();
    expect(budget.collections).toBe(before + 1);
  });
});
