package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.serpentis.gateway.internal.Timestamps;
import io.serpentis.gateway.registry.StoreWrite;
import io.serpentis.gateway.registry.StoreWrite.Ownership;
import io.serpentis.gateway.testing.RedisServerExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fencing scripts on a standalone Redis ({@link FencingScriptsContract}), many clients per call. */
class FencingScriptsIT extends FencingScriptsContract {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Override
    RedisClusterCommands<String, String> redis() {
        return redis.commands();
    }

    @Test
    void oneCallCarriesManyClientsEachJudgedOnItsOwn() {
        String now = Timestamps.format(Timestamps.nowMicros());
        RespArgs args = new RespArgs();
        long[] epochs = new long[2];
        for (int i = 0; i < 2; i++) {
            StoreWrite claim = new StoreWrite(
                    "many-" + i,
                    1,
                    true,
                    false,
                    new String[] {"connect_time"},
                    new String[] {now},
                    new String[0],
                    false,
                    0,
                    Long.MIN_VALUE,
                    Ownership.CLAIM,
                    0);
            List<Object> r = redis.commands()
                    .eval(
                            RedisScripts.CLAIM_SCRIPT,
                            ScriptOutputType.MULTI,
                            new String[] {RedisStatusStore.key(claim.id())},
                            RedisScripts.claimArgs(claim, 0, "gw-a", "a1")
                                    .strings()
                                    .toArray(new String[0]));
            epochs[i] = Long.parseLong((String) r.get(5));
        }
        RedisScripts.startFencedWriteCall(args, "gw-a", "a1");
        for (int i = 0; i < 2; i++) {
            long epoch = i == 0 ? epochs[0] : epochs[1] - 1; // the second under a stale epoch
            RedisScripts.appendFencedWriteArgs(
                    args,
                    new StoreWrite(
                            "many-" + i,
                            2,
                            false,
                            false,
                            new String[] {"k"},
                            new String[] {"v"},
                            new String[0],
                            false,
                            0,
                            Long.MIN_VALUE,
                            Ownership.FENCED,
                            epoch),
                    -1);
        }
        List<Long> out = redis.commands()
                .eval(
                        RedisScripts.FENCED_WRITE_SCRIPT,
                        ScriptOutputType.MULTI,
                        new String[] {RedisStatusStore.key("many-0"), RedisStatusStore.key("many-1")},
                        args.strings().toArray(new String[0]));
        assertThat(out).containsExactly(1L, -2L);
        assertThat(redis.commands().hget(RedisStatusStore.key("many-0"), "k")).isEqualTo("v");
        assertThat(redis.commands().hget(RedisStatusStore.key("many-1"), "k")).isNull();
    }
}
