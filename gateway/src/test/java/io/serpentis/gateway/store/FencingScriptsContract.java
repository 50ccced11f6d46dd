package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.registry.StoreWrite;
import io.serpentis.gateway.registry.StoreWrite.Ownership;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the fleet's fencing scripts guarantee, run against a real Redis with the arguments the store builds: a claim
 * takes a fresh epoch that only grows, a write under any other epoch is refused, a record never goes back to an
 * older (epoch, version), a delayed claim of an older connection cannot take a client from a newer one, and a node
 * the fleet declared lost learns it and takes back only what is still its own. Run on a standalone Redis and on a
 * Redis Cluster (one key per call).
 */
abstract class FencingScriptsContract {
    private static final String A = "gw-a";
    private static final String B = "gw-b";

    /** The deployment's commands, as a tool would use them. */
    abstract RedisClusterCommands<String, String> redis();

    /** A registered client's full record: its fields and version. */
    private static StoreWrite full(
            String id, long version, Ownership ownership, long epoch, String connectTime, String... fields) {
        List<String> names = new ArrayList<>(List.of("connected", "connect_time"));
        List<String> values = new ArrayList<>(List.of("true", connectTime));
        for (int i = 0; i < fields.length; i += 2) {
            names.add(fields[i]);
            values.add(fields[i + 1]);
        }
        return new StoreWrite(
                id,
                version,
                true,
                false,
                names.toArray(new String[0]),
                values.toArray(new String[0]),
                new String[0],
                false,
                0,
                Long.MIN_VALUE,
                ownership,
                epoch);
    }

    /** A live client's update of {@code fields} under {@code epoch}. */
    private static StoreWrite update(String id, long version, long epoch, String... fields) {
        String[] names = new String[fields.length / 2];
        String[] values = new String[fields.length / 2];
        for (int i = 0; i < fields.length; i += 2) {
            names[i / 2] = fields[i];
            values[i / 2] = fields[i + 1];
        }
        return new StoreWrite(
                id,
                version,
                false,
                false,
                names,
                values,
                new String[0],
                false,
                0,
                Long.MIN_VALUE,
                Ownership.FENCED,
                epoch);
    }

    private List<Object> claim(StoreWrite w, String node, String incarnation) {
        return redis().eval(
                        RedisScripts.CLAIM_SCRIPT,
                        ScriptOutputType.MULTI,
                        new String[] {RedisStatusStore.key(w.id())},
                        RedisScripts.claimArgs(w, 0, node, incarnation)
                                .strings()
                                .toArray(new String[0]));
    }

    private long write(StoreWrite w, String node, String incarnation) {
        RespArgs args = new RespArgs();
        RedisScripts.startFencedWriteCall(args, node, incarnation);
        RedisScripts.appendFencedWriteArgs(args, w, -1);
        List<Long> out = redis().eval(
                        RedisScripts.FENCED_WRITE_SCRIPT,
                        ScriptOutputType.MULTI,
                        new String[] {RedisStatusStore.key(w.id())},
                        args.strings().toArray(new String[0]));
        return out.get(0);
    }

    private static long epochOf(List<Object> claimReply) {
        assertThat(claimReply.get(0)).as("claimed").isEqualTo(1L);
        return Long.parseLong((String) claimReply.get(5));
    }

    private Map<String, String> record(String id) {
        return redis().hgetall(RedisStatusStore.key(id));
    }

    private static String at(long micros) {
        return Timestamps.format(micros);
    }

    @Test
    void aClaimTakesAFreshEpochThatOnlyGrowsEvenAcrossAnExpiredRecord() {
        long before = Timestamps.nowMicros();
        long first = epochOf(claim(full("grow", 1, Ownership.CLAIM, 0, at(before), "k", "1"), A, "a1"));
        assertThat(first).as("at least Redis's TIME in microseconds").isGreaterThanOrEqualTo(before - 1_000_000);
        List<Object> second = claim(full("grow", 2, Ownership.CLAIM, 0, at(before + 10), "k", "2"), B, "b1");
        assertThat(second.subList(1, 5))
                .as("the previous owner")
                .containsExactly(A, "a1", Long.toString(first), "true");
        long secondEpoch = epochOf(second);
        assertThat(secondEpoch).isGreaterThan(first);
        assertThat(record("grow"))
                .containsEntry("gateway_epoch", Long.toString(secondEpoch))
                .containsEntry("gateway_incarnation", "b1")
                .containsEntry("k", "2");
        redis().del(RedisStatusStore.key("grow")); // expired
        long third = epochOf(claim(full("grow", 3, Ownership.CLAIM, 0, at(before + 20), "k", "3"), A, "a1"));
        assertThat(third).isGreaterThan(secondEpoch);
    }

    @Test
    void aWriteUnderAnEpochThatLostTheClientIsRefusedAndChangesNothing() {
        long now = Timestamps.nowMicros();
        long a = epochOf(claim(full("moved", 1, Ownership.CLAIM, 0, at(now), "k", "a"), A, "a1"));
        long b = epochOf(claim(full("moved", 2, Ownership.CLAIM, 0, at(now + 10), "k", "b"), B, "b1"));
        assertThat(write(update("moved", 5, a, "k", "late write of a"), A, "a1"))
                .as("fenced")
                .isEqualTo(-2);
        assertThat(record("moved"))
                .containsEntry("k", "b")
                .containsEntry("gateway_node", B)
                .containsEntry("gateway_epoch", Long.toString(b));
        assertThat(write(update("moved", 6, b, "k", "b2"), B, "b1"))
                .as("the owner's write")
                .isEqualTo(1);
        assertThat(record("moved")).containsEntry("k", "b2").containsEntry("gateway_version", "6");
    }

    @Test
    void aRecordNeverGoesBackToAnOlderVersionUnderItsEpoch() {
        long e = epochOf(claim(full("order", 10, Ownership.CLAIM, 0, at(Timestamps.nowMicros()), "k", "10"), A, "a1"));
        assertThat(write(update("order", 12, e, "k", "12"), A, "a1")).isEqualTo(1);
        assertThat(write(update("order", 11, e, "k", "11"), A, "a1"))
                .as("older: dropped")
                .isZero();
        assertThat(write(update("order", 12, e, "k", "12 again"), A, "a1"))
                .as("a replay: dropped")
                .isZero();
        RespArgs args = new RespArgs();
        RedisScripts.startFencedWriteCall(args, A, "a1");
        RedisScripts.appendFencedWriteArgs(args, full("order", 11, Ownership.FENCED, e, at(1), "k", "full 11"), 0);
        assertThat(redis().<List<Long>>eval(
                                RedisScripts.FENCED_WRITE_SCRIPT,
                                ScriptOutputType.MULTI,
                                new String[] {RedisStatusStore.key("order")},
                                args.strings().toArray(new String[0])))
                .containsExactly(0L);
        assertThat(record("order")).containsEntry("k", "12").containsEntry("gateway_version", "12");
    }

    @Test
    void aDelayedClaimOfAnOlderConnectionCannotTakeTheClientFromANewerOne() {
        long now = Timestamps.nowMicros();
        long b = epochOf(claim(full("late", 2, Ownership.CLAIM, 0, at(now), "k", "b"), B, "b1"));
        // A's connection registered before B's, but its claim arrives after (A was paused in between).
        List<Object> refused = claim(full("late", 3, Ownership.CLAIM, 0, at(now - 1_000_000), "k", "a"), A, "a1");
        assertThat(refused.get(0)).isEqualTo(-2L);
        assertThat(refused.get(1)).as("the owner it met").isEqualTo(B);
        assertThat(record("late")).containsEntry("k", "b").containsEntry("gateway_epoch", Long.toString(b));
    }

    @Test
    void aWriteThatFindsNoRecordOrAnOlderEpochAsksForANewClaim() {
        assertThat(write(update("gone", 1, 5, "k", "v"), A, "a1"))
                .as("no record")
                .isEqualTo(-1);
        assertThat(record("gone")).as("nothing written").isEmpty();
        long e = epochOf(claim(full("lost", 1, Ownership.CLAIM, 0, at(Timestamps.nowMicros()), "k", "v"), A, "a1"));
        // A failover lost a later claim of this node: Redis holds an older epoch than the writer's.
        assertThat(write(update("lost", 2, e + 100, "k", "w"), A, "a1")).isEqualTo(-1);
        assertThat(record("lost")).containsEntry("k", "v");
    }

    @Test
    void aLifeDeclaredLostLearnsItAndTakesBackOnlyWhatIsStillItsOwn() {
        long now = Timestamps.nowMicros();
        long e = epochOf(claim(full("kept", 1, Ownership.CLAIM, 0, at(now), "k", "v"), A, "a1"));
        long f = epochOf(claim(full("taken", 1, Ownership.CLAIM, 0, at(now), "k", "v"), A, "a1"));
        for (String id : List.of("kept", "taken")) { // what a survivor's reap does
            long epoch = id.equals("kept") ? e : f;
            redis().hset(
                            RedisStatusStore.key(id),
                            Map.of(
                                    "connected",
                                    "false",
                                    "status_detail",
                                    "Gateway node lost",
                                    "gateway_epoch",
                                    Long.toString(epoch + 1)));
        }
        assertThat(write(update("kept", 2, e, "k", "w"), A, "a1"))
                .as("this life was declared lost")
                .isEqualTo(-3);
        epochOf(claim(full("taken", 2, Ownership.CLAIM, 0, at(now + 10), "k", "b"), B, "b1"));

        List<Object> back = claim(full("kept", 3, Ownership.RECLAIM, e, at(now), "k", "back"), A, "a2");
        assertThat(epochOf(back)).isEqualTo(e + 2);
        assertThat(record("kept"))
                .containsEntry("connected", "true")
                .containsEntry("gateway_incarnation", "a2")
                .containsEntry("k", "back");
        List<Object> moved = claim(full("taken", 3, Ownership.RECLAIM, f, at(now), "k", "back"), A, "a2");
        assertThat(moved.get(0)).as("moved to another node meanwhile").isEqualTo(-2L);
        assertThat(record("taken")).containsEntry("gateway_node", B).containsEntry("k", "b");
    }

    @Test
    void aPurgeDeletesTheRecordOnlyUnderItsOwnEpoch() {
        long now = Timestamps.nowMicros();
        long a = epochOf(claim(full("purge", 1, Ownership.CLAIM, 0, at(now), "k", "v"), A, "a1"));
        epochOf(claim(full("purge", 2, Ownership.CLAIM, 0, at(now + 10), "k", "b"), B, "b1"));
        assertThat(redis().<Long>eval(
                                RedisScripts.FENCED_DELETE_SCRIPT,
                                ScriptOutputType.INTEGER,
                                new String[] {RedisStatusStore.key("purge")},
                                Long.toString(a),
                                "1"))
                .isZero();
        assertThat(record("purge")).containsEntry("k", "b");
    }
}
