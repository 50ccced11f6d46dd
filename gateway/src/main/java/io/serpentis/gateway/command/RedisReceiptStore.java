package io.serpentis.gateway.command;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Receipts in Redis, one hash per command, {@code serpentis:command:<command id>}, expiring after the retention:
 * any node of the fleet answers for any command, and the node that holds the client moves the receipt it did not
 * create. A move is one Lua script (read the state, write only if it may move), so moves from several nodes never
 * take a receipt backwards. One key per call, so it works on Redis Cluster without hash tags.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><td>{@code client_id}, {@code command}, {@code state}, {@code reason}, {@code node}, {@code requested_by}
 *       </td><td>as the API shows them</td></tr>
 *   <tr><td>{@code created}, {@code updated}</td><td>epoch milliseconds</td></tr>
 * </table>
 */
final class RedisReceiptStore implements ReceiptStore {
    /** The key prefix of receipts. */
    static final String PREFIX = "serpentis:command:";

    /**
     * KEYS[1] the receipt; ARGV: the states it may move from ({@code ,sent,delivered,}), the new state, updated,
     * reason ('' for none), node ('' to keep). Answers the hash as it then stands (empty when there is none).
     */
    static final String MOVE_SCRIPT = """
            local s = redis.call('HGET', KEYS[1], 'state')
            if not s then return {} end
            if string.find(ARGV[1], ',' .. s .. ',', 1, true) then
              redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updated', ARGV[3])
              if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[4]) end
              if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'node', ARGV[5]) end
            end
            return redis.call('HGETALL', KEYS[1])
            """;

    private final RedisLink link;
    private final long retentionMillis;

    RedisReceiptStore(RedisLink link, Duration retention) {
        this.link = link;
        this.retentionMillis = retention.toMillis();
    }

    static String key(String commandId) {
        return PREFIX + commandId;
    }

    @Override
    public CompletionStage<Void> create(CommandReceipt receipt) {
        String key = key(receipt.commandId());
        return link.call(c -> {
                    // Both go out at once on the connection, in order: the hash never lives without its expiry for
                    // long.
                    c.hset(key, receipt.toHash());
                    return c.pexpire(key, retentionMillis);
                })
                .thenApply(ignored -> null);
    }

    @Override
    public CompletionStage<@Nullable CommandReceipt> transition(String commandId, CommandReceipt.Transition t) {
        StringBuilder from = new StringBuilder(",");
        for (ReceiptState s : ReceiptState.values()) {
            if (t.allowsFrom(s)) {
                from.append(s.wireName()).append(',');
            }
        }
        String[] args = {
            from.toString(),
            t.state().wireName(),
            Long.toString(t.atMillis()),
            t.reason() == null ? "" : t.reason().wireName(),
            t.node() == null ? "" : t.node()
        };
        return link.call(c ->
                        c.<List<Object>>eval(MOVE_SCRIPT, ScriptOutputType.MULTI, new String[] {key(commandId)}, args))
                .thenApply(reply -> CommandReceipt.fromHash(commandId, pairs(reply)));
    }

    @Override
    public CompletionStage<@Nullable CommandReceipt> get(String commandId) {
        return link.call(c -> c.hgetall(key(commandId))).thenApply(hash -> CommandReceipt.fromHash(commandId, hash));
    }

    /** A flat {@code HGETALL} reply as a map. */
    private static Map<String, String> pairs(@Nullable List<Object> flat) {
        Map<String, String> m = new LinkedHashMap<>();
        if (flat == null) {
            return m;
        }
        List<Object> items = new ArrayList<>(flat);
        for (int i = 0; i + 1 < items.size(); i += 2) {
            m.put(String.valueOf(items.get(i)), String.valueOf(items.get(i + 1)));
        }
        return m;
    }
}
