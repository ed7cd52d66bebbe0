/**
 * The Lua script of the row-version store (`row-version-store.ts`), in BullMQ's manner: atomic, every
 * key in KEYS (built by `core/redis-keys.ts`), a header saying what KEYS and ARGV hold. One call per
 * batch, never per row.
 */

/** Sets row versions: unconditionally (`written`), or only when not older than the one held (`seen`). */
export const SET_ROW_VERSIONS = `
--[[
  Sets the version (commit time and state) of rows.
  Input:
    KEYS[1..n]   row version keys
    ARGV[1]      time to live of a key, ms
    ARGV[2]      'seen': a change read from a side's log, in log order: it is the row's state now,
                 whatever its commit time (MySQL/MariaDB times are whole seconds: a change made
                 after a link's write can carry an earlier time). The version held stays only when
                 it names the same state: the change is the echo of a link's write, and the state
                 keeps the commit time of the change that won
                 'written': a row a link just wrote; always replaces the version held
    ARGV[3..]    for row i: ARGV[2 + 2i - 1] commit ms, ARGV[2 + 2i] state
  Output: the number of versions set
]]
local set = 0
for i = 1, #KEYS do
  local ms = ARGV[1 + 2 * i]
  local state = ARGV[2 + 2 * i]
  local keep = false
  if ARGV[2] == 'seen' then
    local held = redis.call('GET', KEYS[i])
    if held then
      local bar = string.find(held, '|', 1, true)
      keep = bar ~= nil and string.sub(held, bar + 1) == state
    end
  end
  if not keep then
    redis.call('SET', KEYS[i], ms .. '|' .. state, 'PX', ARGV[1])
    set = set + 1
  end
end
return set
`;
