/**
 * The Lua scripts of echo suppression and the ping-pong breaker, in BullMQ's manner: each is atomic,
 * takes every key it touches in KEYS (built by `core/redis-keys.ts`), and starts with a header that
 * says what KEYS and ARGV hold. One script call per batch, never per row.
 */

/** Records pending fingerprints of rows about to be written (before the target commits). */
export const RECORD_ECHOES = `
--[[
  Records the fingerprints of rows a link is about to write, so the reverse link drops their echoes.
  Each row key is a list of the states written to that row and not yet seen back, oldest first.
  Input:
    KEYS[1]      echo epoch key
    KEYS[2..n]   echo row keys, one per fingerprint (a row may repeat, in write order)
    ARGV[1]      time to live of a row key, ms
    ARGV[2]      epoch value to set when the epoch key is missing
    ARGV[3..]    states, one per row key, in the same order
  Output: the epoch value in force (differs from the caller's last one when Redis lost its state)
]]
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], ARGV[2])
  epoch = ARGV[2]
end
for i = 2, #KEYS do
  redis.call('RPUSH', KEYS[i], ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return epoch
`;

/** Consumes pending fingerprints: each present one is taken once, and only that one. */
export const CONSUME_ECHOES = `
--[[
  Takes each pending fingerprint: the change it came from is an echo. Only the state matched goes,
  never the older ones of its row: the reverse link may still be reading changes captured before
  this row's last writes, and a native change among them can have the very state (before and after)
  of a later write. That native change is then dropped in the write's place and the write's own echo
  goes on in its stead: the same values, later (a counter's increments still add up; another policy
  may decide it against a newer row, which the convergence check settles). Taking the older states
  too would let their echoes through as changes as well: a counter merged by delta counted them twice.
  A change read again (its batch's offsets were not committed: a rebalance, a crash) finds its
  fingerprint taken already; so each echo's Kafka offset is kept in its partition's verdict set until
  the offset is committed, and a change whose offset is there is an echo again, whoever reads it.
  Input (n changes):
    KEYS[1]          echo epoch key
    KEYS[2..n+1]     echo row keys, one per change (a row may repeat, in capture order)
    KEYS[n+2..2n+1]  verdict sorted set of each change's topic-partition (offset -> offset)
    ARGV[1]          epoch value to set when the epoch key is missing
    ARGV[2..n+1]     states ('<after>|<before>'; '<after>|' when the change has no before-image,
                     matching any pending state with that after part), one per row key, in order
    ARGV[n+2..2n+1]  each change's Kafka offset ('' when it has none)
    ARGV[2n+2]       time to live of the verdict sets, ms
  Output: { epoch in force, hit of change 1 (1 or 0), hit of change 2, ... }
]]
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], ARGV[1])
  epoch = ARGV[1]
end
local n = (#KEYS - 1) / 2
local ttl = ARGV[2 * n + 2]
local out = { epoch }
for i = 2, n + 1 do
  local state = ARGV[i]
  local verdicts = KEYS[n + i]
  local offset = ARGV[n + i]
  local at
  if offset ~= '' and redis.call('ZSCORE', verdicts, offset) then
    out[i] = 1
  else
    if string.sub(state, -1) == '|' then
      -- The change carries no before-image: match the row written, whatever it replaced.
      local pending = redis.call('LRANGE', KEYS[i], 0, -1)
      for j, s in ipairs(pending) do
        if string.sub(s, 1, #state) == state then at = j - 1; break end
      end
    else
      at = redis.call('LPOS', KEYS[i], state)
    end
    if at then
      -- The first occurrence of that state is the one found.
      redis.call('LREM', KEYS[i], 1, redis.call('LINDEX', KEYS[i], at))
      if offset ~= '' then
        redis.call('ZADD', verdicts, tonumber(offset), offset)
        redis.call('PEXPIRE', verdicts, ttl)
      end
      out[i] = 1
    else
      out[i] = 0
    end
  end
end
return out
`;

/** Forgets the echo verdicts of a partition's committed offsets. */
export const FORGET_VERDICTS = `
--[[
  A partition's offsets below the committed one are never read again: their echo verdicts go.
  Input:
    KEYS[1]      verdict sorted set of one topic-partition (offset -> offset)
    ARGV[1]      the committed offset (the next one to read)
  Output: the number of verdicts removed
]]
return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
`;

/** Removes one pending occurrence of each state: the newest (a rolled-back write) or the oldest. */
export const RELEASE_ECHOES = `
--[[
  Removes one pending occurrence of each state, from the newest end (-1: the write it stood for rolled
  back) or the oldest (1: it was consumed before Redis lost its state, and a restore brought it back).
  Input:
    KEYS[1..n]   echo row keys
    ARGV[1]      which occurrence: -1 newest, 1 oldest
    ARGV[2..]    states, one per row key
  Output: number of states removed
]]
local removed = 0
for i = 1, #KEYS do
  removed = removed + redis.call('LREM', KEYS[i], ARGV[1], ARGV[i + 1])
end
return removed
`;

/** Appends applied changes to each row's history and trips the breaker on rows that bounce. */
export const OBSERVE_FLIPS = `
--[[
  The ping-pong breaker: a row whose applied changes switch direction more than maxFlips times
  within the window is quarantined, with its history.
  Input:
    KEYS[1]      quarantine hash (rowId -> JSON)
    KEYS[2..n]   history list of each row (newest first; entries "link<TAB>atMs<TAB>coord<TAB>state")
    ARGV[1]      now, ms
    ARGV[2]      window, ms
    ARGV[3]      maxFlips
    ARGV[4]      link name (the direction)
    ARGV[5..]    per row, three values: rowId, entry coordinate<TAB>state, JSON description {table,key}
  Output: per row 0 (apply), 1 (tripped now), 2 (already quarantined)
]]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxFlips = tonumber(ARGV[3])
local link = ARGV[4]
local keep = maxFlips + 2
local out = {}
for i = 2, #KEYS do
  local base = 5 + (i - 2) * 3
  local rowId, entry, about = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local line = link .. '\\t' .. ARGV[1] .. '\\t' .. entry
  if redis.call('HEXISTS', KEYS[1], rowId) == 1 then
    out[i - 1] = 2
  else
    local last = redis.call('LINDEX', KEYS[i], 0)
    local lastLink, lastAt, lastEntry
    if last then
      lastLink, lastAt, lastEntry = string.match(last, '^([^\\t]*)\\t([^\\t]*)\\t(.*)$')
    end
    -- A batch retried after a failure observes the same change again: count it once.
    if not (lastLink == link and lastEntry == entry) then
      redis.call('LPUSH', KEYS[i], line)
      redis.call('LTRIM', KEYS[i], 0, keep - 1)
      redis.call('PEXPIRE', KEYS[i], window * 2)
    end
    local items = redis.call('LRANGE', KEYS[i], 0, -1)
    local flips, previous = 0, nil
    for _, item in ipairs(items) do
      local itemLink, itemAt = string.match(item, '^([^\\t]*)\\t([^\\t]*)\\t')
      if tonumber(itemAt) < now - window then break end
      if previous and itemLink ~= previous then flips = flips + 1 end
      previous = itemLink
    end
    if flips > maxFlips then
      redis.call('HSET', KEYS[1], rowId, cjson.encode({
        rowId = rowId, about = about, trippedAt = now, trippedBy = link, flips = flips, history = items
      }))
      out[i - 1] = 1
    else
      out[i - 1] = 0
    end
  end
end
return out
`;

/** Writes states back at the head of their rows' lists (they are older than anything recorded since). */
export const RESTORE_ECHOES = `
--[[
  After Redis lost its state, a process writes back the states it recorded before the loss. They
  are older than any state recorded since, so they go to the head of each row's list.
  Input:
    KEYS[1..n]   echo row keys, newest state first (a row may repeat)
    ARGV[1]      time to live of a row key, ms
    ARGV[2..]    states, one per row key, in the same order
  Output: number of states written back
]]
for i = 1, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return #KEYS
`;
