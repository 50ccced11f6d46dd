package io.serpentis.gateway.store;

import io.serpentis.gateway.internal.ScriptDigest;
import io.serpentis.gateway.registry.ServerFields;
import io.serpentis.gateway.registry.StoreWrite;

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
     * Reads one client's part of a write call's arguments from {@code ARGV[a]} on, as {@link #appendWriteArgs}
     * lays it out, and moves {@code a} to the next client's: both write scripts share it (the fenced one reads the
     * epoch first).
     */
    private static final String ONE_WRITE_ARGS = """
              local v = tonumber(ARGV[a])
              local full = ARGV[a + 1] == 'f'
              local ttl = tonumber(ARGV[a + 2])
              local ndel = tonumber(ARGV[a + 3])
              local dels = a + 4
              local nset = tonumber(ARGV[dels + ndel])
              local sets = dels + ndel + 1
              a = sets + 2 * nset
            """;

    /**
     * Applies the write {@link #ONE_WRITE_ARGS} read: a full write replaces the record, a partial one deletes the
     * fields it removed; then the fields are set.
     */
    private static final String APPLY_ONE_WRITE = """
                if full then
                  redis.call('DEL', key)
                elseif ndel > 0 then
                  redis.call('HDEL', key, unpack(ARGV, dels, dels + ndel - 1))
                end
                redis.call('HSET', key, unpack(ARGV, sets, a - 1))
            """;

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
            """ + ONE_WRITE_ARGS + """
              local cur = tonumber(redis.call('HGET', key, 'gateway_version') or '0') or 0
              if cur > v or (cur == v and not full) then
                out[k] = 0
              elseif cur == 0 and not full then
                out[k] = -1
              else
            """ + APPLY_ONE_WRITE + """
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

    /**
     * Fleet mode: takes a client for this node (a registration here: {@code c}) or back for a new life of this node
     * ({@code r}), writing the whole record. KEYS[1] the hash; ARGV: node, incarnation, the record's
     * {@code connect_time}, mode ({@code c}/{@code r}), the epoch this node held (reclaim), time to live in ms
     * (0 = none), the number M of fields, then M field/value pairs ending with {@code gateway_version} (see
     * {@link #claimArgs}).
     *
     * <p>A claim sets {@code epoch = max(current + 1, TIME in us)}, so epochs only grow, also across an expired
     * record. It is refused when another node's connection holds the client and registered later than this one (a
     * claim delayed by a pause must not take the client from a newer connection). A reclaim succeeds only while the
     * record still names this node with the epoch it held (or that plus one: the fleet reaped it meanwhile), and
     * sets that plus one. Returns {@code {1, previous node, previous incarnation, previous epoch, previous connected,
     * new epoch}}, {@code {-2, node, incarnation, epoch, connected}} when refused (another node owns the client),
     * or {@code {-1}} when a reclaim finds no record (the caller claims).
     */
    static final String CLAIM_SCRIPT = """
            local key = KEYS[1]
            local node, inc, ct, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            local cur = redis.call('HMGET', key, 'gateway_epoch', 'gateway_node', 'gateway_incarnation',
              'connected', 'connect_time')
            local e = tonumber(cur[1]) or 0
            local pnode, pinc, pconn = cur[2] or '', cur[3] or '', cur[4] or ''
            local pe = string.format('%.0f', e)
            if mode == 'r' then
              if redis.call('EXISTS', key) == 0 then return {-1} end
              local mine = tonumber(ARGV[5])
              if pnode ~= node or (e ~= mine and e ~= mine + 1) then return {-2, pnode, pinc, pe, pconn} end
            elseif pconn == 'true' and (pnode ~= node or pinc ~= inc) and cur[5] and ct ~= '' and cur[5] > ct then
              return {-2, pnode, pinc, pe, pconn}
            end
            local epoch = e + 1
            if mode ~= 'r' then
              local t = redis.call('TIME')
              epoch = math.max(epoch, tonumber(t[1]) * 1000000 + tonumber(t[2]))
            end
            local n = tonumber(ARGV[7])
            redis.call('DEL', key)
            redis.call('HSET', key, unpack(ARGV, 8, 7 + 2 * n))
            local ne = string.format('%.0f', epoch)
            redis.call('HSET', key, 'gateway_node', node, 'gateway_epoch', ne, 'gateway_incarnation', inc)
            local ttl = tonumber(ARGV[6])
            if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
            return {1, pnode, pinc, pe, pconn, ne}
            """;

    /**
     * Fleet mode: writes a chunk of records under their owner's epoch (the hot path included). KEYS: their hashes.
     * ARGV: the writer's node and incarnation (once per call, see {@link #startFencedWriteCall}), then for each key
     * in turn: the epoch the writer holds, version, mode ({@code f} full, {@code p} partial), time to live in ms (-1 =
     * leave it, 0 = none), the number N of fields to delete, N names, the number M of fields to set, then M
     * field/value pairs ending with {@code gateway_version} (see {@link #appendFencedWriteArgs}). Returns one integer
     * per key: 1 written; 0 when Redis holds a newer version (or, partial, the same one: a replay); -1 when the record
     * is missing or carries an older epoch than the writer's (Redis lost the claim: the caller claims again); -2
     * fenced: another epoch holds the client; -3 when the fleet declared this node's life lost and marked the client
     * offline (the caller takes it back once it lives again).
     *
     * <p>A live client's update costs one {@code HMGET} of two fields and one {@code HSET}: the epoch is compared as
     * the string the claim wrote, and who holds a foreign epoch is read only when the epoch differs. Measured with
     * 128 clients a call on Redis 7.0, this costs Redis about 3.5 us of CPU per client against 4.7 us for the first
     * version, which read five fields and took the node and incarnation once per client (plain {@code HSET}: 1.1 us;
     * see BENCHMARKS.md).
     */
    static final String FENCED_WRITE_SCRIPT = """
            local out = {}
            local node, inc = ARGV[1], ARGV[2]
            local a = 3
            for k = 1, #KEYS do
              local key = KEYS[k]
              local epoch = ARGV[a]
              a = a + 1
            """ + ONE_WRITE_ARGS + """
              local cur = redis.call('HMGET', key, 'gateway_epoch', 'gateway_version')
              if cur[1] ~= epoch then
                local e = tonumber(cur[1])
                if not e or e < tonumber(epoch) then
                  out[k] = -1
                else
                  local who = redis.call('HMGET', key, 'gateway_node', 'gateway_incarnation', 'connected')
                  if e == tonumber(epoch) + 1 and who[1] == node and who[2] == inc and who[3] == 'false' then
                    out[k] = -3
                  else
                    out[k] = -2
                  end
                end
              else
                local cv = tonumber(cur[2]) or 0
                if cv > v or (cv == v and not full) then
                  out[k] = 0
                else
            """ + APPLY_ONE_WRITE + """
                  if full then
                    redis.call('HSET', key, 'gateway_node', node, 'gateway_epoch', epoch, 'gateway_incarnation', inc)
                  end
                  if ttl > 0 then redis.call('PEXPIRE', key, ttl) elseif ttl == 0 then redis.call('PERSIST', key) end
                  out[k] = 1
                end
              end
            end
            return out
            """;

    /**
     * Fleet mode: deletes a purged record while it still carries the writer's epoch and no newer version. KEYS[1]
     * the hash; ARGV[1] the epoch, ARGV[2] the version. Returns 1 deleted, 0 left alone.
     */
    static final String FENCED_DELETE_SCRIPT = """
            local cur = redis.call('HMGET', KEYS[1], 'gateway_epoch', 'gateway_version')
            if cur[1] ~= ARGV[1] or (tonumber(cur[2]) or 0) > tonumber(ARGV[2]) then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """;

    /** The digest {@code EVALSHA} names for {@link #WRITE_SCRIPT}. */
    static final String WRITE_SHA = ScriptDigest.sha1(WRITE_SCRIPT);

    /** The digest {@code EVALSHA} names for {@link #DELETE_SCRIPT}. */
    static final String DELETE_SHA = ScriptDigest.sha1(DELETE_SCRIPT);

    /** The digest {@code EVALSHA} names for {@link #CLAIM_SCRIPT}. */
    static final String CLAIM_SHA = ScriptDigest.sha1(CLAIM_SCRIPT);

    /** The digest {@code EVALSHA} names for {@link #FENCED_WRITE_SCRIPT}. */
    static final String FENCED_WRITE_SHA = ScriptDigest.sha1(FENCED_WRITE_SCRIPT);

    /** The digest {@code EVALSHA} names for {@link #FENCED_DELETE_SCRIPT}. */
    static final String FENCED_DELETE_SHA = ScriptDigest.sha1(FENCED_DELETE_SCRIPT);

    /**
     * Clients per write-script call on one Redis: long enough to amortise a call, short enough not to stall Redis
     * (about 1 ms).
     */
    static final int CLIENTS_PER_CALL = 128;

    private final boolean fleet;
    private boolean missing;

    /** @param fleet whether the fleet's fenced scripts are loaded too */
    RedisScripts(boolean fleet) {
        this.fleet = fleet;
    }

    /**
     * Loads the scripts into the script cache of every node that runs them; throws when Redis did not take them
     * (on Cluster: when no master did, see {@link RedisDeployment#scriptLoad}).
     */
    void load(RedisDeployment deployment, RedisDeployment.Connection control, ReplyAwaiter replies) {
        missing = true;
        expect(replies.await(deployment.scriptLoad(control, WRITE_SCRIPT)), WRITE_SHA);
        expect(replies.await(deployment.scriptLoad(control, DELETE_SCRIPT)), DELETE_SHA);
        if (fleet) {
            expect(replies.await(deployment.scriptLoad(control, CLAIM_SCRIPT)), CLAIM_SHA);
            expect(replies.await(deployment.scriptLoad(control, FENCED_WRITE_SCRIPT)), FENCED_WRITE_SHA);
            expect(replies.await(deployment.scriptLoad(control, FENCED_DELETE_SCRIPT)), FENCED_DELETE_SHA);
        }
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
    static RespArgs hsetArgs(StoreWrite w) {
        String[] names = w.names();
        String[] values = w.values();
        RespArgs a = new RespArgs(64 + 24 * names.length).key(RedisStatusStore.key(w.id()));
        for (int i = 0; i < names.length; i++) {
            a.arg(names[i]).arg(values[i]);
        }
        return a.arg(ServerFields.GATEWAY_VERSION).arg(w.version());
    }

    /** Appends {@code w}'s part of the write script's arguments (see {@link #WRITE_SCRIPT}). */
    static void appendWriteArgs(RespArgs args, StoreWrite w, long ttlMillis) {
        String[] deleted = w.deleted();
        args.arg(w.version()).arg(w.full() ? "f" : "p").arg(ttlMillis).arg(deleted.length);
        for (String d : deleted) {
            args.arg(d);
        }
        appendFields(args, w);
    }

    /** Starts a fenced write call's arguments: the writer's node and incarnation (see {@link #FENCED_WRITE_SCRIPT}). */
    static void startFencedWriteCall(RespArgs args, String node, String incarnation) {
        args.arg(node).arg(incarnation);
    }

    /**
     * Appends {@code w}'s part of the fenced write script's arguments (see {@link #FENCED_WRITE_SCRIPT}), after
     * {@link #startFencedWriteCall}; {@code ttlMillis} -1 leaves the time to live alone.
     */
    static void appendFencedWriteArgs(RespArgs args, StoreWrite w, long ttlMillis) {
        args.arg(w.epoch());
        appendWriteArgs(args, w, ttlMillis);
    }

    /** The claim script's arguments for {@code w} (a claim or a reclaim, always a full write). */
    static RespArgs claimArgs(StoreWrite w, long ttlMillis, String node, String incarnation) {
        String connectTime = w.value(ServerFields.CONNECT_TIME);
        RespArgs args = new RespArgs(128 + 24 * w.names().length)
                .arg(node)
                .arg(incarnation)
                .arg(connectTime == null ? "" : connectTime)
                .arg(w.ownership() == StoreWrite.Ownership.RECLAIM ? "r" : "c")
                .arg(w.epoch())
                .arg(ttlMillis);
        appendFields(args, w);
        return args;
    }

    /** M, then M field/value pairs: {@code w}'s fields, then {@code gateway_version}. */
    private static void appendFields(RespArgs args, StoreWrite w) {
        String[] names = w.names();
        String[] values = w.values();
        args.arg(names.length + 1);
        for (int i = 0; i < names.length; i++) {
            args.arg(names[i]).arg(values[i]);
        }
        args.arg(ServerFields.GATEWAY_VERSION).arg(w.version());
    }

    /** The fenced delete script's arguments: the epoch and version of the purged record. */
    static RespArgs fencedDeleteArgs(StoreWrite w) {
        return new RespArgs().arg(w.epoch()).arg(w.version());
    }

    /** The delete script's arguments: the version of the purged record. */
    static RespArgs deleteArgs(StoreWrite w) {
        return new RespArgs().arg(w.version());
    }

    private static void expect(String loaded, String sha) {
        if (!sha.equals(loaded)) {
            throw new IllegalStateException("Redis digests a script as " + loaded + ", expected " + sha);
        }
    }
}
