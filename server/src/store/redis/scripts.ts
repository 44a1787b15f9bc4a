/**
 * The Lua scripts the Redis adapter runs. Redis runs a script atomically, so each is
 * one step that no other client's commands can interleave with.
 */

/**
 * Append events to a session's log if, and only if, it is at the expected seq and head.
 * KEYS: log stream, seq, head, set of sessions, the session's current epoch, the session's
 * personal data (hash participant → JSON), then one key per receipt, then (only when the
 * events erase personal data) the session's snapshot keys.
 * ARGV: sessionId, expectedSeq, expectedHead (the first event's prevHash), the genesis
 * hash, the last event's hash, the writer's epoch ('' when not fenced: one node), how
 * long receipts are kept (ms), the number of receipts, each receipt's answer, the number
 * of personal data entries and each as (participantId, JSON), the number of participants
 * whose personal data is erased and each id, then (seq, event JSON) per event.
 * Receipts are written in the same step as the events, so a command is in the log if and
 * only if its receipt exists (see ReceiptStore); personal data too, so that a join is
 * never in the log without its name, nor an erasure without its effect (snapshots hold
 * names, so an erasure drops them). The epoch is checked first: a fenced writer changes nothing.
 * A session nobody has owned yet is at epoch 0 (how the node that creates it appends its
 * first event, before it can take a lease on the new id).
 * Stream ids are `0-<seq>`, so the log reads back in seq order and from any seq.
 */
export const APPEND_EVENTS = `
if ARGV[6] ~= '' and (redis.call('GET', KEYS[5]) or '0') ~= ARGV[6] then return 'FENCED' end
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[2]) then return 'CONFLICT' end
local head = redis.call('GET', KEYS[3]) or ARGV[4]
if head ~= ARGV[3] then return 'CONFLICT' end
local receipts = tonumber(ARGV[8])
for r = 1, receipts do
  redis.call('SET', KEYS[6 + r], ARGV[8 + r], 'PX', ARGV[7])
end
local a = 9 + receipts
local personal = tonumber(ARGV[a])
a = a + 1
for p = 1, personal do
  redis.call('HSET', KEYS[6], ARGV[a], ARGV[a + 1])
  a = a + 2
end
local erased = tonumber(ARGV[a])
a = a + 1
for x = 1, erased do
  redis.call('HDEL', KEYS[6], ARGV[a])
  a = a + 1
end
if erased > 0 then
  for k = 7 + receipts, #KEYS do redis.call('DEL', KEYS[k]) end
end
local last = current
for i = a, #ARGV, 2 do
  redis.call('XADD', KEYS[1], '0-' .. ARGV[i], 'e', ARGV[i + 1])
  last = tonumber(ARGV[i])
end
redis.call('SET', KEYS[2], last)
redis.call('SET', KEYS[3], ARGV[5])
redis.call('SADD', KEYS[4], ARGV[1])
return 'OK'
`;

/**
 * A document belongs to its session, and only the session's owner writes it: each
 * document script first checks the writer's epoch against the session's (KEYS[1]),
 * like APPEND_EVENTS; ARGV[1] is the epoch, or '' on one node.
 */
const CHECK_EPOCH = `
if ARGV[1] ~= '' and (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 'FENCED' end
`;

/**
 * Store one document update under the next id, with the client ids it is the first to write under.
 * KEYS: the session's epoch, next id, order (sorted set of ids), data (hash id → bytes), writers (hash client → writer).
 * ARGV: epoch, the update, then (client, writer) pairs. Returns the id.
 */
export const APPEND_UPDATE = `${CHECK_EPOCH}
local id = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], id, id)
redis.call('HSET', KEYS[4], id, ARGV[2])
for i = 3, #ARGV, 2 do
  redis.call('HSETNX', KEYS[5], ARGV[i], ARGV[i + 1])
end
return id
`;

/** Remove one update. KEYS: the session's epoch, order, data. ARGV: epoch, id. */
export const DELETE_UPDATE = `${CHECK_EPOCH}
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 'OK'
`;

/**
 * Replace every update up to an id with one merged update, stored under that id.
 * KEYS: the session's epoch, order, data. ARGV: epoch, uptoId, the merged update.
 */
export const COMPACT_DOC = `${CHECK_EPOCH}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return 'OK'
`;

/**
 * Take a session's lease if nobody holds it: the next epoch, or nil.
 * KEYS: lease, epoch. ARGV: owner, ttl in ms.
 */
export const ACQUIRE_LEASE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '/' .. epoch, 'PX', ARGV[2])
return epoch
`;

/**
 * Extend a lease if it is still this owner's at this epoch; 1 if so, else 0.
 * KEYS: lease. ARGV: owner/epoch, ttl in ms.
 */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Drop a lease if it is still this owner's at this epoch. KEYS: lease. ARGV: owner/epoch. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
