/**
 * The Lua scripts of the convergence check (`row-healer.ts`), in the manner of `echo/echo-scripts.ts`:
 * each is atomic, takes every key it touches in KEYS (built by `core/redis-keys.ts`), and starts with
 * a header that says what KEYS and ARGV hold. Due times come from Redis's clock, so processes on hosts
 * whose clocks disagree share one schedule.
 */

/** Schedules rows for a check after a delay; a row already scheduled moves later, never earlier. */
export const SCHEDULE_ROWS = `
--[[
  Schedules rows to be compared on both sides at now + delay (Redis clock). A row already due later
  keeps its time (GT): a row still changing is checked once it has been quiet for the whole delay.
  Input:
    KEYS[1]      due sorted set (member -> ms)
    ARGV[1]      delay, ms
    ARGV[2]      time to live of the set, ms (renewed by every call)
    ARGV[3..n]   members (JSON [link, table, key])
  Output: the number of members scheduled
]]
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[1], 'GT', at, ARGV[i])
  redis.call('ZADD', KEYS[1], 'NX', at, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return #ARGV - 2
`;

/** Takes the rows whose time has come, so exactly one process checks each. */
export const CLAIM_ROWS = `
--[[
  Removes and returns up to ARGV[1] members whose time has come (Redis clock): whoever claims a row
  checks it; a process that dies with claimed rows loses nothing the next conflict on them would not
  schedule again.
  Input:
    KEYS[1]      due sorted set (member -> ms)
    ARGV[1]      most members to claim
  Output: { member... }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
end
return due
`;
