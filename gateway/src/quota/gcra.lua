-- GCRA over the buckets of one quota key: all of them are charged, or none, atomically, on the
-- Redis server's clock (TIME), so clock skew between gateway instances does not matter.
-- Each bucket is one key holding its TAT (theoretical arrival time, µs since the epoch).
-- KEYS[i]: bucket i (all keys share one {hash tag}, so this runs on Redis Cluster).
-- ARGV, 4 per bucket: interval_us (per token), burst_us (capacity * interval), take, give.
-- `give` (refunds) is applied first and is written even when the request is refused.
-- ARGV[4n+1], optional: "1" = force, charge every take even past the burst (a request already
-- served on a local decision while this store was slow: its charge must not be lost).
-- Returns { admitted (0|1), retry_after_us, then per bucket: remaining, reset_us }.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local n = #KEYS
local force = ARGV[n * 4 + 1] == '1'
local tats, taken = {}, {}
local retry = 0
local gave = false
for i = 1, n do
  local base = (i - 1) * 4
  local interval = tonumber(ARGV[base + 1])
  local burst = tonumber(ARGV[base + 2])
  local take = tonumber(ARGV[base + 3])
  local give = tonumber(ARGV[base + 4])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if give > 0 then
    tat = tat - give * interval
    gave = true
  end
  if tat < now then tat = now end
  tats[i] = tat
  taken[i] = tat + take * interval
  local allow_at = taken[i] - burst
  if allow_at > now and allow_at - now > retry then retry = allow_at - now end
end

local admitted = force or retry == 0
local out = { admitted and 1 or 0, admitted and 0 or retry }
for i = 1, n do
  local base = (i - 1) * 4
  local interval = tonumber(ARGV[base + 1])
  local burst = tonumber(ARGV[base + 2])
  local tat = admitted and taken[i] or tats[i]
  if admitted or gave then
    local ttl_ms = math.ceil((tat - now) / 1000)
    if ttl_ms > 0 then
      redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', ttl_ms)
    else
      redis.call('DEL', KEYS[i])
    end
  end
  out[#out + 1] = math.floor((burst - (tat - now)) / interval)
  out[#out + 1] = tat - now
end
return out
