package io.serpentis.gateway.store;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandType;
import io.serpentis.gateway.registry.StoreWrite;
import io.serpentis.gateway.registry.StoreWrite.Ownership;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * What does Redis spend on a live client's update, per client written? The write-behind's hot path is a plain
 * pipelined {@code HSET} on a single node and {@link RedisScripts#FENCED_WRITE_SCRIPT} in a fleet; this sends each,
 * built by the gateway's own argument builders, for {@code --clients} records in calls of {@code --per-call}
 * clients, {@code --rounds} times, and reads Redis's own CPU (user + system, {@code INFO cpu}) and the command time
 * ({@code INFO commandstats}) around each, so the gateway's side and the network are not in the figure. Variant
 * {@code fenced-v1} is the fenced script as it first shipped (kept here as the baseline of the rewrite). Prints one
 * JSON line per variant and repetition.
 *
 * <pre>java -cp benchmarks.jar io.serpentis.gateway.store.ScriptCost --redis-url redis://127.0.0.1:6379</pre>
 *
 * <p>It writes {@code client:sc-<n>:status} keys and flushes nothing else; point it at a scratch Redis.
 */
@Command(
        name = "script-cost",
        mixinStandardHelpOptions = true,
        description = "Redis CPU per client written: plain HSET against the fenced write script.")
public final class ScriptCost implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String EPOCH = "1796000000000001";
    private static final String NODE = "bench-1";
    private static final String INCARNATION = "1-bench";

    /** The fenced write script as first shipped: five fields read per client, node and incarnation per client. */
    static final String FENCED_V1 = """
            local out = {}
            local a = 1
            for k = 1, #KEYS do
              local key = KEYS[k]
              local epoch = ARGV[a]
              local v = tonumber(ARGV[a + 1])
              local full = ARGV[a + 2] == 'f'
              local ttl = tonumber(ARGV[a + 3])
              local node, inc = ARGV[a + 4], ARGV[a + 5]
              local ndel = tonumber(ARGV[a + 6])
              local dels = a + 7
              local nset = tonumber(ARGV[dels + ndel])
              local sets = dels + ndel + 1
              a = sets + 2 * nset
              local cur = redis.call('HMGET', key, 'gateway_epoch', 'gateway_version', 'gateway_node',
                'gateway_incarnation', 'connected')
              local e = tonumber(cur[1])
              local mine = tonumber(epoch)
              if not e or e < mine then
                out[k] = -1
              elseif e ~= mine then
                if e == mine + 1 and cur[3] == node and cur[4] == inc and cur[5] == 'false' then
                  out[k] = -3
                else
                  out[k] = -2
                end
              else
                local cv = tonumber(cur[2]) or 0
                if cv > v or (cv == v and not full) then
                  out[k] = 0
                else
                  if full then
                    redis.call('DEL', key)
                  elseif ndel > 0 then
                    redis.call('HDEL', key, unpack(ARGV, dels, dels + ndel - 1))
                  end
                  redis.call('HSET', key, unpack(ARGV, sets, a - 1))
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

    @Option(names = "--redis-url", required = true, description = "A scratch Redis.")
    String redisUrl = "";

    @Option(names = "--clients", defaultValue = "1000", description = "Records written each round.")
    int clients;

    @Option(names = "--per-call", defaultValue = "128", description = "Clients per script call (the writer's).")
    int perCall;

    @Option(names = "--rounds", defaultValue = "100", description = "Rounds per measurement.")
    int rounds;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions (the variants alternate).")
    int reps;

    private long version = 1;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ScriptCost()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        RedisClient client = RedisClient.create(redisUrl);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> sync = c.sync();
            for (int i = 0; i < clients; i++) {
                sync.hset(RedisStatusStore.key(id(i)), record(i));
            }
            String v1 = sync.scriptLoad(FENCED_V1);
            String current = sync.scriptLoad(RedisScripts.FENCED_WRITE_SCRIPT);
            for (int rep = 1; rep <= reps; rep++) {
                for (String variant : List.of("hset", "fenced-v1", "fenced")) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("variant", variant);
                    out.put("rep", rep);
                    out.putAll(measure(c, variant, variant.equals("fenced") ? current : v1));
                    System.out.println(JSON.writeValueAsString(out));
                }
            }
        } finally {
            client.shutdown();
        }
        return 0;
    }

    private Map<String, Object> measure(StatefulRedisConnection<String, String> c, String variant, String sha)
            throws Exception {
        RedisAsyncCommands<String, String> async = c.async();
        c.sync().configResetstat();
        double cpu0 = cpuSeconds(c.sync().info("cpu"));
        for (int r = 0; r < rounds; r++) {
            version++;
            List<RedisFuture<?>> sent = new ArrayList<>();
            for (int start = 0; start < clients; start += perCall) {
                int end = Math.min(clients, start + perCall);
                if (variant.equals("hset")) {
                    for (int i = start; i < end; i++) {
                        sent.add(async.dispatch(
                                CommandType.HSET,
                                new IntegerOutput<>(StringCodec.UTF8),
                                RedisScripts.hsetArgs(update(i, r))));
                    }
                } else {
                    List<String> keys = new ArrayList<>();
                    RespArgs args = new RespArgs();
                    if (variant.equals("fenced")) {
                        RedisScripts.startFencedWriteCall(args, NODE, INCARNATION);
                    }
                    for (int i = start; i < end; i++) {
                        keys.add(RedisStatusStore.key(id(i)));
                        if (variant.equals("fenced")) {
                            RedisScripts.appendFencedWriteArgs(args, update(i, r), -1);
                        } else {
                            appendV1Args(args, update(i, r));
                        }
                    }
                    sent.add(async.evalsha(
                            sha,
                            ScriptOutputType.MULTI,
                            keys.toArray(new String[0]),
                            args.strings().toArray(new String[0])));
                }
            }
            for (RedisFuture<?> f : sent) {
                Object reply = f.get(10, TimeUnit.SECONDS);
                if (reply instanceof List<?> l
                        && !l.stream().allMatch(x -> Long.valueOf(1).equals(x))) {
                    throw new IllegalStateException(variant + ": not every client was written: " + l);
                }
            }
        }
        double cpu = cpuSeconds(c.sync().info("cpu")) - cpu0;
        long usec = commandUsec(c.sync().info("commandstats"), variant.equals("hset") ? "hset" : "evalsha");
        double written = (double) rounds * clients;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients_written", (long) written);
        m.put("redis_cpu_us_per_client", Math.round(cpu * 1e6 / written * 100) / 100.0);
        m.put("command_us_per_client", Math.round(usec / written * 100) / 100.0);
        return m;
    }

    private static String id(int i) {
        return "sc-" + i;
    }

    private static Map<String, String> record(int i) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("client_id", id(i));
        m.put("connected", "true");
        m.put("connect_time", "2026-12-06T10:00:00.000000+00:00");
        m.put("cpu_usage", "12.5");
        m.put("memory_usage", "40.1");
        m.put("client_state", "running");
        m.put("last_seen", "2026-12-06T10:00:00.000000+00:00");
        m.put("gateway_version", "1");
        m.put("gateway_epoch", EPOCH);
        m.put("gateway_node", NODE);
        m.put("gateway_incarnation", INCARNATION);
        return m;
    }

    /** A live client's update as the load generator sends it: two attributes and {@code last_seen}. */
    private StoreWrite update(int i, int round) {
        return new StoreWrite(
                id(i),
                version,
                false,
                false,
                new String[] {"cpu_usage", "memory_usage", "last_seen"},
                new String[] {round + ".5", "40." + round, "2026-12-06T10:00:" + (10 + round % 50) + ".000000+00:00"},
                new String[0],
                false,
                0,
                Long.MIN_VALUE,
                Ownership.FENCED,
                Long.parseLong(EPOCH));
    }

    private static void appendV1Args(RespArgs args, StoreWrite w) {
        RespArgs one = new RespArgs();
        RedisScripts.appendFencedWriteArgs(one, w, -1);
        List<String> current = one.strings();
        // v1 took node and incarnation after the first four per-client arguments.
        current.subList(0, 4).forEach(args::arg);
        args.arg(NODE).arg(INCARNATION);
        current.subList(4, current.size()).forEach(args::arg);
    }

    private static double cpuSeconds(String info) {
        double s = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                s += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return s;
    }

    private static long commandUsec(String info, String command) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (kv.startsWith("usec=")) {
                        return Long.parseLong(kv.substring(5));
                    }
                }
            }
        }
        return 0;
    }
}
