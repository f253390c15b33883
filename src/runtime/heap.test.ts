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
    const external = () => v8.getHeapStatistics().external_memory;
    const start = external();
    const buffers: Buffer[] = Array.from({ length: 64 }, () => Buffer.alloc(1024 * 1024, 1));
    expect(external() - start).toBeGreaterThan(60 * 1024 * 1024);
    buffers.length = 0;
    // The heap itself grew by a few kilobytes (64 Buffer objects): only their memory outside it is past the slack.
    budget.check();
    expect(budget.collections).toBe(1);
  });
});
