package io.serpentis.gateway.fleet;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
            return new Script(text, sha1(text));
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

    private FleetScripts() {}

    /** Runs {@code script} ({@code EVALSHA}, then {@code EVAL} on {@code NOSCRIPT}), its reply read as {@code type}. */
    static <T> CompletableFuture<T> run(RedisClusterAsyncCommands<String, String> c, Script script,
            ScriptOutputType type, String[] keys, String... args) {
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

    /** Lower-case hex SHA-1 of the script's UTF-8 text, as Redis digests it. */
    private static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
