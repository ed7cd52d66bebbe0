/**
 * The Lua scripts of the instance registry (design §7), in the manner of `echo/echo-scripts.ts`: each
 * is atomic, takes every key it touches in KEYS (built by `core/redis-keys.ts`), and starts with a
 * header that says what KEYS and ARGV hold. Times come from Redis's clock (`TIME`), so instances on
 * hosts whose clocks disagree still agree on who is dead.
 */

/** Writes one instance's record, pushes its deadline out and drops every dead instance. */
export const BEAT_INSTANCE = `
--[[
  One heartbeat of one instance: its record replaces the last one and its deadline moves to now plus
  three heartbeats. Instances whose deadline passed (they stopped without deregistering: SIGKILL, a
  lost host) are removed, by whoever beats first.
  Input:
    KEYS[1]      instances hash (instance -> JSON record)
    KEYS[2]      deadlines sorted set (instance -> ms, Redis clock)
    ARGV[1]      instance id
    ARGV[2]      record, JSON
    ARGV[3]      how long the instance stays live without another beat, ms (three heartbeats)
    ARGV[4]      time to live of both keys, ms (longer than any instance's heartbeat; each beat renews it)
  Output: { now ms (Redis clock), removed instance ids... }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
for _, id in ipairs(dead) do
  if id ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    out[#out + 1] = id
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return out
`;

/** The live instances, after dropping the dead ones (and records without a deadline). */
export const LIST_INSTANCES = `
--[[
  Reads the registry: removes instances whose deadline passed and records that have no deadline
  (left half-written by an older release or by hand), then returns the rest.
  Input:
    KEYS[1]      instances hash (instance -> JSON record)
    KEYS[2]      deadlines sorted set (instance -> ms, Redis clock)
  Output: { now ms, id1, record1, deadline1, id2, record2, deadline2, ... }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
for _, id in ipairs(dead) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
local out = { now }
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local deadline = redis.call('ZSCORE', KEYS[2], all[i])
  if deadline then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
    out[#out + 1] = deadline
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return out
`;

/** Takes one instance out of the registry (graceful stop). */
export const REMOVE_INSTANCE = `
--[[
  Deregisters one instance: its record and its deadline.
  Input:
    KEYS[1]      instances hash
    KEYS[2]      deadlines sorted set
    ARGV[1]      instance id
  Output: 1 when the instance was registered, else 0
]]
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
`;
