/**
 * The Lua scripts of the Redis outbox (RedisOutbox.ts). Redis runs a script atomically,
 * so each is one step that no other client's commands can interleave with: this is
 * what makes a delivery's claim exclusive across the server processes sharing Redis.
 *
 * Every key a script touches is passed in KEYS. In the `pending` queue and the `claims`
 * hash a delivery is named by its id zero-padded to 16 digits, so that deliveries due
 * at the same time sort by id (Redis orders equal scores by member, as bytes).
 */

/**
 * Add a webhook unless its id is taken; 1 if added, 0 if not.
 * KEYS: the webhook's hash, the session's webhooks (sorted set, score createdAt).
 * ARGV: id, sessionId, url, secret, createdAt.
 */
export const ADD_WEBHOOK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'sessionId', ARGV[2], 'url', ARGV[3], 'secret', ARGV[4], 'createdAt', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1
`;

/**
 * Mark a webhook of this session removed, if it is not already; 1 if so, else 0.
 * KEYS: the webhook's hash. ARGV: sessionId, at.
 */
export const REMOVE_WEBHOOK = `
if redis.call('HGET', KEYS[1], 'sessionId') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'removedAt') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'removedAt', ARGV[2])
return 1
`;

/**
 * Add a pending delivery under an id the caller drew (INCR), unless one with the same
 * idempotency key exists; 1 if added, 0 if not (the id is then never used).
 * KEYS: idempotency keys (hash key → id), the delivery's hash, pending queue, the session's deliveries.
 * ARGV: idempotencyKey, id, padded id, sessionId, webhookId, publication ('' for none), body, createdAt, event.
 */
export const ENQUEUE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2],
  'id', ARGV[2], 'sessionId', ARGV[4], 'webhookId', ARGV[5], 'event', ARGV[9], 'idempotencyKey', ARGV[1],
  'body', ARGV[7], 'status', 'pending', 'attempts', 0, 'nextAttemptAt', ARGV[8], 'createdAt', ARGV[8])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'publication', ARGV[6]) end
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[2])
return 1
`;

/**
 * The pending deliveries due at `now` that nobody holds a claim on at `now`, oldest
 * first, at most `limit`; with a claim end, each one returned is claimed until then.
 * KEYS: pending queue (sorted set, score nextAttemptAt), claims (hash padded id → claimed until).
 * ARGV: now, limit, claimed until ('' to claim nothing). Returns padded ids.
 */
export const DUE = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local picked = {}
local offset = 0
while #picked < limit do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', offset, 100)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local claim = redis.call('HGET', KEYS[2], id)
    if not claim or tonumber(claim) <= now then
      picked[#picked + 1] = id
      if #picked == limit then break end
    end
  end
  offset = offset + #ids
end
if ARGV[3] ~= '' then
  for _, id in ipairs(picked) do redis.call('HSET', KEYS[2], id, ARGV[3]) end
end
return picked
`;

/**
 * When the next pending delivery can be handed out: the least, over pending deliveries,
 * of the later of its next attempt and its claim's end; nil when none is pending. The
 * queue is walked in order of next attempt, so the walk stops at the first unclaimed
 * delivery (nothing after it can come sooner): it reads the claimed ones and one more.
 * KEYS: pending queue, claims. Returns the time as Redis or the caller wrote it (a string).
 */
export const NEXT_DUE = `
local best = nil
local bestText = nil
local offset = 0
while true do
  local page = redis.call('ZRANGE', KEYS[1], offset, offset + 99, 'WITHSCORES')
  if #page == 0 then break end
  for i = 1, #page, 2 do
    local at = tonumber(page[i + 1])
    if best and at >= best then return bestText end
    local when, text = at, page[i + 1]
    local claim = redis.call('HGET', KEYS[2], page[i])
    if claim and tonumber(claim) > at then when, text = tonumber(claim), claim end
    if not best or when < best then best, bestText = when, text end
    if not claim then return bestText end
  end
  offset = offset + 100
end
return bestText
`;

/**
 * Log an attempt, set the delivery's status and next attempt, and release its claim; 1,
 * or 0 if there is no such delivery.
 * KEYS: the delivery's hash, its attempt log (list), pending queue, claims.
 * ARGV: padded id, status, nextAttemptAt, at, error ('' when there is none), has error ('1'/'0'), the attempt as JSON.
 */
export const RECORD_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[7])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'nextAttemptAt', ARGV[3])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'lastError', ARGV[5]) else redis.call('HDEL', KEYS[1], 'lastError') end
if ARGV[2] == 'delivered' then redis.call('HSET', KEYS[1], 'deliveredAt', ARGV[4]) end
if ARGV[2] == 'pending' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) else redis.call('ZREM', KEYS[3], ARGV[1]) end
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`;

/**
 * Put a failed delivery of this session back in the queue, unclaimed, due now; 1 if so, else 0.
 * KEYS: the delivery's hash, pending queue, claims. ARGV: sessionId, now, padded id.
 */
export const RETRY = `
if redis.call('HGET', KEYS[1], 'sessionId') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'status') ~= 'failed' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'pending', 'nextAttemptAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
return 1
`;
