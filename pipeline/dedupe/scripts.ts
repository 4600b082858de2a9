// The dedupe index's two atomic operations, as Lua run inside Redis: find the violation a sighting
// belongs to, or register a new one, in one step. Two workers seeing the same thing at the same
// moment therefore get the same answer: whichever script runs second finds the first's entry.
// Each script touches keys of one hash tag ({...}), so it also runs on Redis Cluster.

/**
 * Camera sightings. KEYS[1]: hash of violation id → "x1,y1,x2,y2,lastSeenMs" for one camera, zone
 * and type. ARGV: x1, y1, x2, y2, tMs, windowMs, minIou, candidateId. Returns the violation id.
 * Entries whose last sighting is older than the window are dropped as they are met. The stored box
 * is the first sighting's: matching against a moving latest box would let a slow drift chain
 * separate violations together.
 */
export const CAMERA_SCRIPT = `
local x1, y1, x2, y2 = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t, window, minIou, candidate = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local area = math.max(0, x2 - x1) * math.max(0, y2 - y1)
local entries = redis.call('HGETALL', KEYS[1])
local best, bestIou, bestBox, bestSeen = nil, -1, nil, nil
for i = 1, #entries, 2 do
  local id, value = entries[i], entries[i + 1]
  local a1, b1, a2, b2, seen = string.match(value, '^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$')
  a1, b1, a2, b2, seen = tonumber(a1), tonumber(b1), tonumber(a2), tonumber(b2), tonumber(seen)
  if t - seen > window then
    redis.call('HDEL', KEYS[1], id)
  elseif seen - t <= window then
    local iw = math.min(x2, a2) - math.max(x1, a1)
    local ih = math.min(y2, b2) - math.max(y1, b1)
    local inter = 0
    if iw > 0 and ih > 0 then inter = iw * ih end
    local union = area + math.max(0, a2 - a1) * math.max(0, b2 - b1) - inter
    local iou = 0
    if union > 0 then iou = inter / union end
    if iou >= minIou and (iou > bestIou or (iou == bestIou and id < best)) then
      best, bestIou, bestBox, bestSeen = id, iou, {a1, b1, a2, b2}, seen
    end
  end
end
if best then
  if t > bestSeen then
    redis.call('HSET', KEYS[1], best, string.format('%s,%s,%s,%s,%s', bestBox[1], bestBox[2], bestBox[3], bestBox[4], t))
  end
else
  best = candidate
  redis.call('HSET', KEYS[1], best, string.format('%s,%s,%s,%s,%s', ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]))
end
redis.call('PEXPIRE', KEYS[1], window + 60000)
return best
`;

/**
 * Geolocated sightings (drone surveys, and camera sightings with a ground position precise to the
 * type's radius). KEYS[1]: GEO set of violation positions for one type; KEYS[2]: sorted set of
 * violation id → last sighting (ms); KEYS[3]: hash of violation id → "|scope|scope|…|", the
 * pictures (survey image, camera) that already contributed to it; KEYS[4]: this sighting's memo.
 * ARGV: lon, lat, radiusM, tMs, windowMs, candidateId, scope ('' when the sighting names no picture).
 *
 * - The same sighting reported again (a job retried after a crash) gets its first answer (memo).
 * - A candidate that is already a live violation (a camera's own violation) stays itself.
 * - Otherwise the nearest live violation within the radius, unless it already has a sighting from
 *   this very picture: two cars parked side by side in one photo are two violations, while the
 *   same car in the next, overlapping photo of the survey (or in another survey, or seen by a
 *   camera) is the same one.
 * - Else the candidate is registered. Violations whose last sighting left the window (relative to
 *   this one) are removed, a batch at a time.
 */
export const GEO_SCRIPT = `
local lon, lat, radius = ARGV[1], ARGV[2], ARGV[3]
local t, window, candidate, scope = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
local memo = redis.call('GET', KEYS[4])
if memo then return memo end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (t - window), 'LIMIT', 0, 100)
for _, id in ipairs(stale) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end
local marker = '|' .. scope .. '|'
local function take(id, seen)
  if not seen or t > seen then redis.call('ZADD', KEYS[2], t, id) end
  local scopes = redis.call('HGET', KEYS[3], id) or '|'
  if scope ~= '' and not string.find(scopes, marker, 1, true) then
    -- Bounded: a violation seen from very many pictures keeps the latest ones.
    if #scopes > 4000 then scopes = '|' end
    redis.call('HSET', KEYS[3], id, scopes .. scope .. '|')
  end
  redis.call('SET', KEYS[4], id, 'PX', window)
  return id
end
local own = tonumber(redis.call('ZSCORE', KEYS[2], candidate))
if own and math.abs(t - own) <= window then return take(candidate, own) end
local near = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', lon, lat, 'BYRADIUS', radius, 'm', 'ASC')
for _, id in ipairs(near) do
  local seen = tonumber(redis.call('ZSCORE', KEYS[2], id))
  if seen and math.abs(t - seen) <= window then
    local scopes = redis.call('HGET', KEYS[3], id) or ''
    if scope == '' or not string.find(scopes, marker, 1, true) then return take(id, seen) end
  end
end
redis.call('GEOADD', KEYS[1], lon, lat, candidate)
return take(candidate, nil)
`;

/**
 * A camera violation that turned out to be a geolocated one already known (seen from the air):
 * its entry in the camera index is renamed, so the camera's later sightings keep that id.
 * KEYS[1]: the camera hash. ARGV: old id, new id.
 */
export const RENAME_SCRIPT = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value and ARGV[1] ~= ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[1], ARGV[2], value)
end
return 1
`;

/**
 * A camera sighting whose plate was read: the same plate in the same camera, zone and type within
 * the window is the same violation, whatever box the detector drew this time (a car that left and
 * came back to the same spot, a box shifted by a passing bus). KEYS[1]: the camera hash; KEYS[2]:
 * the plate's key (same hash tag). ARGV: the id the box gave, windowMs. Returns the violation id;
 * when the plate names an earlier violation, the box entry is folded into it.
 */
export const PLATE_SCRIPT = `
local id, window = ARGV[1], tonumber(ARGV[2])
local known = redis.call('GET', KEYS[2])
if known and known ~= id then
  local value = redis.call('HGET', KEYS[1], id)
  if value then
    redis.call('HDEL', KEYS[1], id)
    if redis.call('HEXISTS', KEYS[1], known) == 0 then redis.call('HSET', KEYS[1], known, value) end
  end
  id = known
end
redis.call('SET', KEYS[2], id, 'PX', window)
return id
`;
