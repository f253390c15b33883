import { Breather } from './breather';

describe('Breather', () => {
  it('yields to the event loop once its time has passed: what waited (I/O, setImmediate) runs first', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('waiting work'));
    await new Breather(0).breathe();
    order.push('next step');
    expect(order).toEqual(['waiting work', 'next step']);
  });

  it('goes on at once before then', async () => {
    const order: string[] = [];
    const waiting = setImmediate(() => order.push('waiting work'));
    const breather = new Breather(60 * 60 * 1000);
    for (let i = 0; i < 3; i++) await breather.breathe();
    order.push('next step');
    expect(order).toEqual(['next step']);
    clearImmediate(waiting);
  });
});
