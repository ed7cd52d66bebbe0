/**
 * The Lua scripts of the cutover registry (design §7), in the manner of `cluster/cluster-scripts.ts`:
 * each is atomic, takes every key it touches in KEYS (built by `core/redis-keys.ts` `cutoverKeys`),
 * and starts with a header that says what KEYS and ARGV hold. Times come from Redis's clock (`TIME`),
 * so operators on hosts whose clocks disagree still write one ordered history.
 *
 * History entries are JSON objects the caller prepares (instance, to, kind, by, gates, …); a script
 * only puts `atMs` and `from` in front (`'{"atMs":N,"from":…,' .. rest`), so arrays in them are never
 * re-encoded by cjson (which would turn an empty array into `{}`).
 */

/** Shared Lua: Redis's clock in ms, and a history entry with `atMs` and `from` prepended. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function entry(fromJson, tail)
  return '{"atMs":' .. string.format('%d', now) .. ',"from":' .. fromJson .. ',' .. string.sub(tail, 2)
end
local function record(side, moves)
  return cjson.encode({ side = side, sinceMs = now, moves = moves })
end
`;

/** Registers an application instance at its starting side unless it is registered already. */
export const REGISTER_INSTANCE = `
--[[
  Registers one application instance (its sidecar does, at start or at its first /route): at the
  final side once the cutover is finalized, else at the given side. An instance already registered
  is left as it is.
  Input:
    KEYS[1]      instances hash (instance -> JSON { side, sinceMs, moves })
    KEYS[2]      history list (JSON entries, oldest first)
    KEYS[3]      final (JSON { side, atMs, stoppedLinks, by }; absent before finalize)
    ARGV[1]      instance
    ARGV[2]      side to register at (before finalize)
    ARGV[3]      history entry, JSON object without atMs/from/to: { "instance", "kind":"register", "by" }
    ARGV[4]      most history entries kept
  Output: { 'known' | 'registered', record JSON, final JSON or '' }
]]
${PRELUDE}
local final = redis.call('GET', KEYS[3]) or ''
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then return { 'known', current, final } end
local side = ARGV[2]
if final ~= '' then side = cjson.decode(final).side end
local rec = record(side, 0)
redis.call('HSET', KEYS[1], ARGV[1], rec)
redis.call('RPUSH', KEYS[2], entry('null', '{"to":' .. cjson.encode(side) .. ',' .. string.sub(ARGV[3], 2)))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
return { 'registered', rec, final }
`;

/** Moves an application instance from one side to another, if it is still where the move started. */
export const MOVE_INSTANCE = `
--[[
  One move (or rollback) of one application instance: refused when the cutover is finalized, when
  the instance is unknown, or when it is no longer on the side the operator's gates were measured
  for (another operator moved it meanwhile: of two racing moves only one wins).
  Input:
    KEYS[1]      instances hash
    KEYS[2]      history list
    KEYS[3]      final
    ARGV[1]      instance
    ARGV[2]      the side it must be on now
    ARGV[3]      the side it moves to
    ARGV[4]      history entry, JSON object without atMs/from: { "instance", "to", "kind", "by", ... }
    ARGV[5]      most history entries kept
  Output: { 'moved', record JSON, entry JSON } | { 'finalized', final JSON } | { 'unknown' }
        | { 'raced', current record JSON }
]]
${PRELUDE}
local final = redis.call('GET', KEYS[3])
if final then return { 'finalized', final } end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return { 'unknown' } end
local was = cjson.decode(current)
if was.side ~= ARGV[2] then return { 'raced', current } end
local rec = record(ARGV[3], (tonumber(was.moves) or 0) + 1)
local e = entry(cjson.encode(ARGV[2]), ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], rec)
redis.call('RPUSH', KEYS[2], e)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return { 'moved', rec, e }
`;

/** Takes the deployment's move lock, or answers who holds it. */
export const TAKE_MOVE_LOCK = `
--[[
  Moves, rollbacks and finalize go one at a time: the lock is taken for the gates and the move.
  Input:
    KEYS[1]      move lock (JSON { token, by, what, sinceMs })
    ARGV[1]      holder, JSON object without sinceMs: { "token", "by", "what" }
    ARGV[2]      time to live, ms (the holder renews it while it works)
  Output: { 'taken' } | { 'busy', holder JSON }
]]
${PRELUDE}
local held = redis.call('GET', KEYS[1])
if held then return { 'busy', held } end
redis.call('SET', KEYS[1], '{"sinceMs":' .. string.format('%d', now) .. ',' .. string.sub(ARGV[1], 2), 'PX', ARGV[2])
return { 'taken' }
`;

/** Renews or releases the move lock, only for its holder. */
export const KEEP_MOVE_LOCK = `
--[[
  Renews (a time to live) or releases (0) the move lock, if the token still holds it.
  Input:
    KEYS[1]      move lock
    ARGV[1]      the holder's token
    ARGV[2]      new time to live, ms; 0 releases
  Output: 1 when the token held it, 0 otherwise
]]
local held = redis.call('GET', KEYS[1])
if not held or cjson.decode(held).token ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) == 0 then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

/** Records a refused move, rollback or finalize in the history; nothing else changes. */
export const RECORD_REFUSAL = `
--[[
  Appends a refusal (its gates failed) to the history, so the audit trail shows what was asked and why
  it was refused; the instances and the final state are not touched.
  Input:
    KEYS[1]      history list
    ARGV[1]      the side the instance writes to now (the entry's from)
    ARGV[2]      history entry, JSON object without atMs/from: { "instance", "to", "kind":"refused", "refused", "by", "gates", "reason" }
    ARGV[3]      most history entries kept
  Output: the entry JSON
]]
${PRELUDE}
local e = entry(cjson.encode(ARGV[1]), ARGV[2])
redis.call('RPUSH', KEYS[1], e)
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
return e
`;

/** Records the end of the cutover, if every registered instance writes to the final side. */
export const FINALIZE_CUTOVER = `
--[[
  Finalizes the cutover: refused when it is finalized already, when no instance is registered, or
  when any registered instance writes to another side than the final one.
  Input:
    KEYS[1]      instances hash
    KEYS[2]      history list
    KEYS[3]      final
    ARGV[1]      the final side
    ARGV[2]      final record, JSON object without atMs: { "side", "stoppedLinks", "by" }
    ARGV[3]      history entry, JSON object without atMs/from: { "instance":"*", "to", "kind":"finalize", "by", ... }
    ARGV[4]      the side written as the entry's from (the side no instance writes to any more)
    ARGV[5]      most history entries kept
  Output: { 'finalized', final JSON } | { 'already', final JSON } | { 'empty' }
        | { 'mixed', instance1, side1, instance2, side2, ... }
]]
${PRELUDE}
local final = redis.call('GET', KEYS[3])
if final then return { 'already', final } end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return { 'empty' } end
local elsewhere = { 'mixed' }
for i = 1, #all, 2 do
  local side = cjson.decode(all[i + 1]).side
  if side ~= ARGV[1] then
    elsewhere[#elsewhere + 1] = all[i]
    elsewhere[#elsewhere + 1] = side
  end
end
if #elsewhere > 1 then return elsewhere end
local f = '{"atMs":' .. string.format('%d', now) .. ',' .. string.sub(ARGV[2], 2)
redis.call('SET', KEYS[3], f)
redis.call('RPUSH', KEYS[2], entry(cjson.encode(ARGV[4]), ARGV[3]))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return { 'finalized', f }
`;
