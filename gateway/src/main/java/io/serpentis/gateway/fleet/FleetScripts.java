package io.serpentis.gateway.fleet;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.serpentis.gateway.internal.ScriptDigest;
import java.util.concurrent.CompletableFuture;

/**
 * The fleet's Lua scripts (membership, reaping) and how they are called: {@code EVALSHA}, and {@code EVAL} when
 * Redis answers {@code NOSCRIPT} (it restarted and lost its script cache, or a promoted replica never had the
 * script), which caches it again. Each script names keys of one hash slot only: the membership keys share
 * {@code {fleet}}, and a client record is one key per call.
 *
 * <p>Every liveness decision takes Redis's clock ({@code TIME}) inside the script, never a node's.
 */
final class FleetScripts {

    /** A script and its digest. */
    record Script(String text, String sha) {
        static Script of(String text) {
            return new Script(text, ScriptDigest.sha1(text));
        }
    }

    /**
     * Marks one client of a lost life offline. KEYS[1] the client's hash. ARGV: node, incarnation, match
     * ({@code =}: the record's incarnation is that one, the dead life; {@code !}: any but that one, the lives
     * before the caller's), the lost life's last heartbeat as an ISO timestamp ({@code ''} when unknown), the
     * {@code status_detail}, the retention in ms. Acts only while the record names that node and life and says
     * connected: {@code connected false}, {@code disconnect_time} the client's last sign of life (the later of its
     * {@code last_seen} and the life's last heartbeat: ISO timestamps of one width compare as text), epoch + 1 (the
     * lost life's writes are fenced from now on), version bumped, expiry the retention. Returns
     * {@code {"reaped", field, value, ...}} (the new record), {@code {"keep"}} when the record is held by another
     * live life of that node, or {@code {"skip"}} when there is nothing to do (offline already, or another node's).
     */
    static final Script REAP_CLIENT = Script.of("""
            local key = KEYS[1]
            local node, inc, match, hb, detail = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
            local cur = redis.call('HMGET', key, 'gateway_node', 'gateway_incarnation', 'connected', 'last_seen',
              'gateway_epoch', 'gateway_version', 'connect_time')
            if cur[1] ~= node or cur[3] ~= 'true' then return {'skip'} end
            local dead
            if match == '=' then dead = (cur[2] == inc) else dead = (cur[2] ~= inc) end
            if not dead then return {'keep'} end
            local at = hb
            if cur[4] and cur[4] > at then at = cur[4] end
            if at == '' then at = cur[7] or '' end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local version = math.max((tonumber(cur[6]) or 0) + 1, now)
            local epoch = (tonumber(cur[5]) or 0) + 1
            redis.call('HSET', key, 'connected', 'false', 'disconnect_time', at, 'status_detail', detail,
              'gateway_epoch', string.format('%.0f', epoch), 'gateway_version', string.format('%.0f', version))
            redis.call('PEXPIRE', key, tonumber(ARGV[6]))
            local out = redis.call('HGETALL', key)
            table.insert(out, 1, 'reaped')
            return out
            """);

    /**
     * Joins the fleet or renews this node's lease, and reads the member table. KEYS: the members
     * ({@code serpentis:{fleet}:nodes}), this node's hash, this life's lost record, the reap jobs, the lost nodes.
     * ARGV: mode ({@code join}, {@code beat}, {@code takeover}), node id, incarnation, address, start (ms), clients,
     * feed sequence, lease (ms), job lease (ms), acknowledged status updates per second (the node's own rate over
     * its last history sample, {@link FleetHistory}).
     *
     * <p>Answers {@code {"REAPED"}} when the fleet declared this life lost (its lost record exists) or, beating,
     * another life holds the id now; {@code {"BUSY", incarnation, last heartbeat, address}} when joining finds
     * another life of this id holding a valid lease (the caller watches its heartbeat: a live duplicate, or this
     * node's own crashed life, which {@code takeover} then replaces). Otherwise it renews: lease = now + lease,
     * {@code last_hb} = now, {@code since} (lease continuity) kept while the lease held, reset when it had lapsed.
     * A join that replaces another life records that life lost ({@code restarted}) with a reap job held by the
     * caller, unless it was recorded already. Returns {@code {"OK", now, since, replaced incarnation, its last
     * heartbeat, lost count, newest lost, then per member: id, lease end, incarnation, address, start, last
     * heartbeat, clients, state, feed sequence, updates per second}}.
     */
    static final Script HEARTBEAT = Script.of("""
            local nodes, me, tomb, jobs, lost = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
            local mode, node, inc = ARGV[1], ARGV[2], ARGV[3]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            if redis.call('EXISTS', tomb) == 1 then return {'REAPED'} end
            local cur = redis.call('HMGET', me, 'incarnation', 'last_hb', 'address', 'started', 'since')
            local exp = tonumber(redis.call('ZSCORE', nodes, node) or '0')
            local since = now
            local pinc, phb = '', ''
            if cur[1] and cur[1] ~= inc then
              if mode == 'beat' then return {'REAPED'} end
              if exp > now and mode ~= 'takeover' then return {'BUSY', cur[1], cur[2] or '', cur[3] or ''} end
              local life = node .. ':' .. cur[1]
              local ptomb = 'serpentis:{fleet}:lost:' .. life
              if redis.call('EXISTS', ptomb) == 0 then
                redis.call('HSET', ptomb, 'node', node, 'incarnation', cur[1], 'why', 'restarted',
                  'last_hb', cur[2] or '', 'reaper', node, 'address', cur[3] or '', 'started', cur[4] or '',
                  'lost_at', now, 'clients', 0)
                redis.call('EXPIRE', ptomb, 86400)
                redis.call('ZADD', lost, now, life)
                redis.call('ZREMRANGEBYRANK', lost, 0, -101)
                redis.call('ZADD', jobs, now + tonumber(ARGV[9]), life)
                pinc, phb = cur[1], cur[2] or ''
              end
            elseif cur[1] == inc and exp > now then
              since = tonumber(cur[5]) or now
            end
            redis.call('HSET', me, 'incarnation', inc, 'address', ARGV[4], 'started', ARGV[5], 'since', since,
              'last_hb', now, 'clients', ARGV[6], 'state', 'live', 'feed_seq', ARGV[7], 'updates_per_s', ARGV[10])
            redis.call('ZADD', nodes, now + tonumber(ARGV[8]), node)
            redis.call('ZREMRANGEBYSCORE', lost, '-inf', now - 86400000)
            local newest = redis.call('ZREVRANGE', lost, 0, 0, 'WITHSCORES')
            local out = {'OK', tostring(now), tostring(since), pinc, phb, tostring(redis.call('ZCARD', lost)),
              (newest[1] or '') .. '@' .. (newest[2] or '')}
            local members = redis.call('ZRANGE', nodes, 0, -1, 'WITHSCORES')
            for i = 1, #members, 2 do
              local h = redis.call('HMGET', 'serpentis:{fleet}:node:' .. members[i], 'incarnation', 'address',
                'started', 'last_hb', 'clients', 'state', 'feed_seq', 'updates_per_s')
              table.insert(out, members[i])
              table.insert(out, members[i + 1])
              for j = 1, 8 do table.insert(out, h[j] or '') end
            end
            return out
            """);

    /**
     * Declares a node lost, at most once. KEYS: the members, the caller's hash, the candidate's hash, the lost
     * nodes, the reap jobs. ARGV: caller id, caller incarnation, candidate id, grace (ms), the caller's lease (ms),
     * job lease (ms). Succeeds only when the candidate's lease ended more than the grace ago and the caller's own
     * lease is valid and has held for a whole lease (the deaf-observer gate: after a Redis stall or pause, nobody
     * reaps until every node had the chance to renew). Removes the candidate from the members, records it lost
     * ({@code lease_expired}) and adds a reap job held by the caller. Returns {@code {"OK", incarnation, last
     * heartbeat, now}} or {@code {reason}} ({@code NOT_LIVE}, {@code GATE}, {@code GONE}, {@code NOT_DUE}).
     */
    static final Script REAP_CLAIM = Script.of("""
            local nodes, mine, theirs, lost, jobs = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
            local me, inc, cand = ARGV[1], ARGV[2], ARGV[3]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local myexp = tonumber(redis.call('ZSCORE', nodes, me) or '0')
            local m = redis.call('HMGET', mine, 'incarnation', 'since')
            if myexp <= now or m[1] ~= inc then return {'NOT_LIVE'} end
            if (tonumber(m[2]) or now) > now - tonumber(ARGV[5]) then return {'GATE'} end
            local exp = redis.call('ZSCORE', nodes, cand)
            if not exp then return {'GONE'} end
            if tonumber(exp) > now - tonumber(ARGV[4]) then return {'NOT_DUE'} end
            redis.call('ZREM', nodes, cand)
            local c = redis.call('HMGET', theirs, 'incarnation', 'last_hb', 'address', 'started')
            if not c[1] then return {'GONE'} end
            local life = cand .. ':' .. c[1]
            local tomb = 'serpentis:{fleet}:lost:' .. life
            redis.call('HSET', theirs, 'state', 'lost')
            redis.call('HSET', tomb, 'node', cand, 'incarnation', c[1], 'why', 'lease_expired', 'last_hb',
              c[2] or '', 'reaper', me, 'address', c[3] or '', 'started', c[4] or '', 'lost_at', now, 'clients', 0)
            redis.call('EXPIRE', tomb, 86400)
            redis.call('ZADD', lost, now, life)
            redis.call('ZREMRANGEBYRANK', lost, 0, -101)
            redis.call('ZADD', jobs, now + tonumber(ARGV[6]), life)
            return {'OK', c[1], c[2] or '', tostring(now)}
            """);

    /**
     * Takes over a reap job whose holder stopped (its job lease ended). KEYS: the reap jobs, the members, the
     * caller's hash. ARGV: caller id, caller incarnation, job lease (ms). Only a live caller takes one. Returns
     * {@code {life, node, incarnation, last heartbeat, why, now}}, or an empty list.
     */
    static final Script JOB_TAKE = Script.of("""
            local jobs, nodes, mine = KEYS[1], KEYS[2], KEYS[3]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local myexp = tonumber(redis.call('ZSCORE', nodes, ARGV[1]) or '0')
            if myexp <= now or redis.call('HGET', mine, 'incarnation') ~= ARGV[2] then return {} end
            local due = redis.call('ZRANGEBYSCORE', jobs, '-inf', now, 'LIMIT', 0, 1)
            if #due == 0 then return {} end
            local life = due[1]
            local h = redis.call('HMGET', 'serpentis:{fleet}:lost:' .. life, 'node', 'incarnation', 'last_hb', 'why')
            if not h[1] then
              redis.call('ZREM', jobs, life)
              return {}
            end
            redis.call('ZADD', jobs, now + tonumber(ARGV[3]), life)
            return {life, h[1], h[2], h[3] or '', h[4] or '', tostring(now)}
            """);

    /**
     * Finishes a reap job. KEYS: the reap jobs, the life's lost record. ARGV: the life, clients reaped. Returns 1.
     */
    static final Script JOB_DONE = Script.of("""
            redis.call('ZREM', KEYS[1], ARGV[1])
            if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HINCRBY', KEYS[2], 'clients', ARGV[2]) end
            return 1
            """);

    /**
     * Leaves the fleet (a graceful stop). KEYS: the members, this node's hash, the lost nodes, this life's lost
     * record, the reap jobs. ARGV: node id, incarnation, whether every client's end was written ({@code 1}; else a
     * reap job lets a peer mark the rest). Returns 1, or 0 when another life holds the id.
     */
    static final Script LEAVE = Script.of("""
            local nodes, me, lost, tomb, jobs = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
            local node, inc = ARGV[1], ARGV[2]
            if redis.call('HGET', me, 'incarnation') ~= inc then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local c = redis.call('HMGET', me, 'address', 'started')
            redis.call('ZREM', nodes, node)
            redis.call('HSET', me, 'state', 'left', 'last_hb', now)
            redis.call('HSET', tomb, 'node', node, 'incarnation', inc, 'why', 'left', 'last_hb', now, 'reaper', node,
              'address', c[1] or '', 'started', c[2] or '', 'lost_at', now, 'clients', 0)
            redis.call('EXPIRE', tomb, 86400)
            redis.call('ZADD', lost, now, node .. ':' .. inc)
            redis.call('ZREMRANGEBYRANK', lost, 0, -101)
            if ARGV[3] ~= '1' then redis.call('ZADD', jobs, now, node .. ':' .. inc) end
            return 1
            """);

    private FleetScripts() {}

    /** Runs {@code script} ({@code EVALSHA}, then {@code EVAL} on {@code NOSCRIPT}), its reply read as {@code type}. */
    static <T> CompletableFuture<T> run(
            RedisClusterAsyncCommands<String, String> c,
            Script script,
            ScriptOutputType type,
            String[] keys,
            String... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        c.<T>evalsha(script.sha(), type, keys, args).whenComplete((value, e) -> {
            if (e == null) {
                result.complete(value);
            } else if (e instanceof RedisNoScriptException || e.getCause() instanceof RedisNoScriptException) {
                c.<T>eval(script.text(), type, keys, args).whenComplete((v, e2) -> {
                    if (e2 == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(e2);
                    }
                });
            } else {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
