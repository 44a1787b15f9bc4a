import { describe, expect, test } from 'vitest';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { PLENARY, buildOutcome, createSessionSchema, projectSession, replay } from '../shared/src/index.js';
import { sessionInput } from './helpers/fixtures.js';
import { hostsOnDisk } from './helpers/hostOnDisk.js';

/**
 * The host-level entry for a speech recogniser (the asr part plugs its CaptionEngine in
 * here): segments logged by the system, marked automatic, attributed to the floor
 * holder, correctable by the captioner, and replayed from the SQLite log as they were.
 */
describe('automatic captions through the session host', () => {
  const onDisk = hostsOnDisk();

  test('are logged by the system with the floor holder as speaker, shown as automatic, and correctable', async () => {
    const { store, clock, opts } = onDisk();
    const { host, invites } = await SessionHost.create(createSessionSchema.parse(sessionInput()), opts);
    const fac = (await host.join(invites.facilitator, 'Mariam Haddad')).participant.id;
    const cit = (await host.join(invites.citizen, 'Øystein Berg')).participant.id;
    const cap = (await host.join(invites.observer, 'Kim Captioner')).participant.id;

    // Nobody holds the floor: the segment is kept, under no speaker (the engine only hears what the room sends).
    const first = await host.addAutomaticCaption({ roomId: PLENARY, text: '  good evening everyone ', startedAt: clock.now - 2000, endedAt: clock.now, language: null });
    await host.execute(cit, 'queue.raise', { kind: 'normal' });
    await host.execute(fac, 'floor.give', { roomId: PLENARY, participantId: cit });
    clock.now += 5000;
    const second = await host.addAutomaticCaption({
      roomId: PLENARY,
      text: 'we could close the bridge',
      startedAt: clock.now - 3000,
      endedAt: clock.now,
      language: 'en',
    });
    await expect(host.addAutomaticCaption({ roomId: 'room-9', text: 'x', startedAt: 0, endedAt: 1, language: null })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(host.addAutomaticCaption({ roomId: PLENARY, text: '   ', startedAt: 0, endedAt: 1, language: null })).rejects.toMatchObject({ code: 'CONFLICT' });

    await host.execute(fac, 'captions.assign', { participantId: cap, roomId: PLENARY, language: 'en' });
    await host.execute(cap, 'captions.correct', { segmentId: second.segmentId, text: 'We could close the bridge.' });

    const events = await store.readEvents(host.id);
    const added = events.filter((e) => e.type === 'caption.added');
    expect(added.map((e) => e.actor)).toEqual([{ kind: 'system' }, { kind: 'system' }]);
    expect(added.map((e) => e.type === 'caption.added' && e.payload)).toEqual([
      expect.objectContaining({ segmentId: first.segmentId, speakerId: null, automatic: true, text: 'good evening everyone', language: null }),
      expect.objectContaining({ segmentId: second.segmentId, speakerId: cit, automatic: true, language: 'en' }),
    ]);

    const view = projectSession(host.state, { kind: 'room', roomId: PLENARY }, { has: () => false });
    expect(view.rooms[0]!.captions.map((c) => [c.automatic, c.text, c.original, c.speakerName])).toEqual([
      [true, 'good evening everyone', null, ''],
      [true, 'We could close the bridge.', 'we could close the bridge', 'Øystein Berg'],
    ]);
    // The log replays to the same captions, and the export marks them automatic.
    const replayed = replay(events)!;
    expect(replayed.captions).toEqual(host.state.captions);
    const transcript = buildOutcome(replayed).transcript!;
    expect(transcript.segments.map((s) => [s.automatic, s.speaker, s.text])).toEqual([
      [true, null, 'good evening everyone'],
      [true, 'Citizen 1', 'We could close the bridge.'],
    ]);
    host.dispose();
  });
});
