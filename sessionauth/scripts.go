package sessionauth

import "github.com/redis/go-redis/v9"

// destroyScript ends one session in one round trip: it deletes the session
// key and removes the ID from its user's index. The user is read from the
// stored value (offset 17 onwards, see record.go), so the caller needs to
// know only the ID; a GET followed by a pipeline would cost two round
// trips and could interleave with a concurrent login. An unknown ID
// changes nothing: in particular no key is created for it.
//
// The index key is built here as userKey builds it, with the ID's own
// user tag, which insert made equal to the user's: so the script touches
// one Redis Cluster slot.
//
//	KEYS[1] = <prefix>sess:{<tag>}<rest of id>
//	ARGV[1] = <prefix>user:
//	ARGV[2] = <id>
//	ARGV[3] = TagLen
//
// It returns 1 when a session was ended, 0 when there was none.
var destroyScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
redis.call('DEL', KEYS[1])
if string.byte(v, 1) == 1 and #v > 17 then
  local tag = string.sub(ARGV[2], 1, tonumber(ARGV[3]))
  redis.call('SREM', ARGV[1] .. '{' .. tag .. '}' .. string.sub(v, 18) .. ':sessions', ARGV[2])
end
return 1
`)

// revokeScript ends every session of one user atomically: it reads the
// user's index set, unlinks every session key it names and the set
// itself. Being one script, no login can slip in between the read and the
// deletes, and the caller pays one round trip however many sessions the
// user has. IDs of sessions that already expired are in the set too until
// it expires; unlinking a missing key is a no-op. Keys are unlinked in
// batches because Lua's unpack has a stack limit of a few thousand values.
//
// Session keys are built as sessionKey builds them; every ID in a user's
// index carries the user's tag, so all of them share the index's slot.
//
//	KEYS[1] = <prefix>user:{<tag>}<user>:sessions
//	ARGV[1] = <prefix>sess:
//	ARGV[2] = TagLen
//
// It returns how many live sessions it ended.
var revokeScript = redis.NewScript(`
local ids = redis.call('SMEMBERS', KEYS[1])
local t = tonumber(ARGV[2])
local n = 0
for i = 1, #ids, 500 do
  local batch = {}
  for j = i, math.min(i + 499, #ids) do
    local id = ids[j]
    batch[#batch + 1] = ARGV[1] .. '{' .. string.sub(id, 1, t) .. '}' .. string.sub(id, t + 1)
  end
  n = n + redis.call('UNLINK', unpack(batch))
end
redis.call('UNLINK', KEYS[1])
return n
`)
