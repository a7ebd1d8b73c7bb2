import { SyncMarkers } from './sync-markers.js';

describe('SyncMarkers', () => {
  it('a marker read back answers true, once, and is forgotten', async () => {
    const markers = new SyncMarkers();
    const read = markers.expect('m1');
    markers.read('m1');
    await expect(read).resolves.toBe(true);
    expect(markers.size).toBe(0);
  });

  it("another process's marker, or one read twice, is ignored", async () => {
    const markers = new SyncMarkers();
    const read = markers.expect('mine');
    markers.read('theirs');
    expect(markers.size).toBe(1);
    markers.read('mine');
    markers.read('mine');
    await expect(read).resolves.toBe(true);
  });

  it('supersedeAll answers false to every marker still waited for', async () => {
    const markers = new SyncMarkers();
    const first = markers.expect('m1');
    const second = markers.expect('m2');
    markers.supersedeAll();
    await expect(Promise.all([first, second])).resolves.toEqual([false, false]);
    expect(markers.size).toBe(0);
  });

  it('a forgotten marker (its publish failed) is no longer waited for', () => {
    const markers = new SyncMarkers();
    void markers.expect('m1');
    markers.forget('m1');
    expect(markers.size).toBe(0);
  });
});
