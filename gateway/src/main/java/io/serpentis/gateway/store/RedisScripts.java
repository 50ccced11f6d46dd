package io.serpentis.gateway.store;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StoreWrite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The write-behind's Lua scripts, their SHA-1 digests (what {@code EVALSHA} names), and the argument layout of every
 * write: what bytes a write sends is decided here, and only here.
 *
 * <p>Scripts are loaded into Redis's script cache with {@code SCRIPT LOAD} on connect and after a reconnect. A
 * script cache is empty after a Redis restart: an {@code EVALSHA} then fails with {@code NOSCRIPT}, its clients are
 * written again, and the writer reloads the scripts first ({@link #missing()}, {@link #reloadIfMissing}). On Redis
 * Cluster a load reaches every node ({@link RedisDeployment#scriptLoad}), and a write script call names one key
 * ({@link RedisDeployment#clientsPerScriptCall()}): a call's keys must share a slot, else Redis answers
 * {@code CROSSSLOT}.
 *
 * <p>Threading: the constants and argument builders are pure; an instance (the load state) belongs to the thread
 * that owns the connections.
 */
final class RedisScripts {
    /**
     * Writes a chunk of records in one call. KEYS: their hashes. ARGV, for each key in turn: version, mode
     * ({@code f} full, {@code p} partial), time to live in ms (0 = none), the number N of fields
     * to delete, N names, the number M of fields to set, then M field/value pairs ending with
     * {@code gateway_version} (see {@link #appendWriteArgs}). Returns one integer per key: 1 written, 0 when Redis
     * holds a newer version (or, partial, the same one: a replay), -1 when a partial write finds no record of ours
     * (Redis lost it: the caller writes it in full). A live client's partial write costs one HGET and one HSET; one
     * call carries many clients, so neither Redis nor Lettuce pays a command's overhead per client.
     */
    static final String WRITE_SCRIPT = """
            local out = {}
            local a = 1
            for k = 1, #KEYS do
              local key = KEYS[k]
              local v = tonumber(ARGV[a])
              local full = ARGV[a + 1] == 'f'
              local ttl = tonumber(ARGV[a + 2])
              local ndel = tonumber(ARGV[a + 3])
              local dels = a + 4
              local nset = tonumber(ARGV[dels + ndel])
              local sets = dels + ndel + 1
              a = sets + 2 * nset
              local cur = tonumber(redis.call('HGET', key, 'gateway_version') or '0') or 0
              if cur > v or (cur == v and not full) then
                out[k] = 0
              elseif cur == 0 and not full then
                out[k] = -1
              else
                if full then
                  redis.call('DEL', key)
                elseif ndel > 0 then
                  redis.call('HDEL', key, unpack(ARGV, dels, dels + ndel - 1))
                end
                redis.call('HSET', key, unpack(ARGV, sets, a - 1))
                if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end
                out[k] = 1
              end
            end
            return out
            """;

    /** Deletes a purged record unless Redis holds a newer version. KEYS[1] the hash; ARGV[1] the version. */
    static final String DELETE_SCRIPT = """
            local cur = tonumber(redis.call('HGET', KEYS[1], 'gateway_version') or '0') or 0
            if cur > tonumber(ARGV[1]) then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """;

    /** The digest {@code EVALSHA} names for {@link #WRITE_SCRIPT}. */
    static final String WRITE_SHA = sha1(WRITE_SCRIPT);

    /** The digest {@code EVALSHA} names for {@link #DELETE_SCRIPT}. */
    static final String DELETE_SHA = sha1(DELETE_SCRIPT);

    /**
     * Clients per write-script call on one Redis: long enough to amortise a call, short enough not to stall Redis
     * (about 1 ms).
     */
    static final int CLIENTS_PER_CALL = 128;

    private boolean missing;

    /**
     * Loads both scripts into the script cache of every node that runs them; throws when Redis did not take them
     * (on Cluster: when no master did, see {@link RedisDeployment#scriptLoad}).
     */
    void load(RedisDeployment deployment, RedisDeployment.Connection control, ReplyAwaiter replies) {
        missing = true;
        expect(replies.await(deployment.scriptLoad(control, WRITE_SCRIPT)), WRITE_SHA);
        expect(replies.await(deployment.scriptLoad(control, DELETE_SCRIPT)), DELETE_SHA);
        missing = false;
    }

    /** A reply said {@code NOSCRIPT}: Redis restarted and lost its script cache. */
    void missing() {
        missing = true;
    }

    /** Loads the scripts again if a reply said they are gone. */
    void reloadIfMissing(RedisDeployment deployment, RedisDeployment.Connection control, ReplyAwaiter replies) {
        if (missing) {
            load(deployment, control, replies);
        }
    }

    /** {@code HSET client:<id>:status f1 v1 ... gateway_version <version>} for a live client's update. */
    static CommandArgs<String, String> hsetArgs(StoreWrite w) {
        CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8).addKey(RedisStatusStore.key(w.id()));
        String[] names = w.names();
        String[] values = w.values();
        for (int i = 0; i < names.length; i++) {
            a.add(names[i]).add(values[i]);
        }
        return a.add(ServerFields.GATEWAY_VERSION).add(Long.toString(w.version()));
    }

    /** Appends {@code w}'s part of the write script's arguments (see {@link #WRITE_SCRIPT}). */
    static void appendWriteArgs(List<String> args, StoreWrite w, long ttlMillis) {
        String[] names = w.names();
        String[] values = w.values();
        String[] deleted = w.deleted();
        String version = Long.toString(w.version());
        args.add(version);
        args.add(w.full() ? "f" : "p");
        args.add(Long.toString(ttlMillis));
        args.add(Integer.toString(deleted.length));
        for (String d : deleted) {
            args.add(d);
        }
        args.add(Integer.toString(names.length + 1));
        for (int i = 0; i < names.length; i++) {
            args.add(names[i]);
            args.add(values[i]);
        }
        args.add(ServerFields.GATEWAY_VERSION);
        args.add(version);
    }

    /** The delete script's arguments: the version of the purged record. */
    static String deleteArg(StoreWrite w) {
        return Long.toString(w.version());
    }

    private static void expect(String loaded, String sha) {
        if (!sha.equals(loaded)) {
            throw new IllegalStateException("Redis digests a script as " + loaded + ", expected " + sha);
        }
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
