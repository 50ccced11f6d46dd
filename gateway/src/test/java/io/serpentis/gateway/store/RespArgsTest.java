package io.serpentis.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RespArgs} must put on the wire exactly what Lettuce's own {@link CommandArgs} would for the same arguments,
 * count them the same way, and route on Redis Cluster by the same key bytes.
 */
class RespArgsTest {

    private static byte[] encoded(CommandArgs<String, String> args) {
        ByteBuf buf = Unpooled.buffer();
        try {
            args.encode(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void encodesKeysStringsAndNumbersAsLettuceDoes() {
        String[] values = {"", "a", "running", "83.8", "naïve ✓ 日本", "emoji 🐍", "x".repeat(1000)};
        long[] numbers = {0, 7, -1, 10, 99, 100, 1_780_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, -1234567};
        RespArgs ours = new RespArgs(16).key("client:ü-1:status");
        CommandArgs<String, String> lettuce = new CommandArgs<>(StringCodec.UTF8).addKey("client:ü-1:status");
        for (String v : values) {
            ours.arg(v);
            lettuce.add(v);
        }
        for (long n : numbers) {
            ours.arg(n);
            lettuce.add(n);
        }

        assertThat(encoded(ours)).isEqualTo(encoded(lettuce));
        assertThat(ours.count()).isEqualTo(lettuce.count()).isEqualTo(1 + values.length + numbers.length);
        assertThat(ours.byteLength()).isEqualTo(encoded(lettuce).length);
        assertThat(ours.keyCount()).isEqualTo(1);
        assertThat(bytes(ours.getFirstEncodedKey())).isEqualTo(bytes(lettuce.getFirstEncodedKey()));
        assertThat(SlotHash.getSlot(ours.getFirstEncodedKey()))
                .as("Redis Cluster routes by this key's slot")
                .isEqualTo(SlotHash.getSlot("client:ü-1:status"));
        assertThat(ours.strings().get(6)).isEqualTo("emoji 🐍");
    }

    @Test
    void aScriptCallIsShaNumkeysKeysThenArgumentsAndRoutesByItsFirstKey() {
        RespArgs keys = new RespArgs().key("client:a:status").key("client:b:status");
        RespArgs args = new RespArgs().arg("gw-1").arg(42);
        RespArgs call = RespArgs.script("abc123", keys, args);

        CommandArgs<String, String> lettuce = new CommandArgs<>(StringCodec.UTF8)
                .add("abc123")
                .add(2)
                .addKeys("client:a:status", "client:b:status")
                .add("gw-1")
                .add("42");
        assertThat(encoded(call)).isEqualTo(encoded(lettuce));
        assertThat(call.count()).isEqualTo(6);
        assertThat(call.keyCount()).isEqualTo(2);
        assertThat(call.strings()).containsExactly("abc123", "2", "client:a:status", "client:b:status", "gw-1", "42");
        assertThat(new String(bytes(call.getFirstEncodedKey()), StandardCharsets.UTF_8))
                .isEqualTo("client:a:status");
        assertThat(SlotHash.getSlot(call.getFirstEncodedKey())).isEqualTo(SlotHash.getSlot("client:a:status"));
        RespArgs tagged = RespArgs.script("sha", new RespArgs().key("serpentis:{node:gw-1}:clients"), args);
        assertThat(SlotHash.getSlot(tagged.getFirstEncodedKey())).isEqualTo(SlotHash.getSlot("node:gw-1"));
    }

    @Test
    void encodingTwiceWritesTheSameBytesAndAClearedBuilderStartsOver() {
        RespArgs a = new RespArgs().key("k");
        // Lettuce encodes a command again when it re-sends it after a reconnect.
        assertThat(encoded(a)).isEqualTo(encoded(a));
        RespArgs call = RespArgs.script("sha", a, new RespArgs().arg("v"));

        a.clear();
        assertThat(a.count()).isZero();
        assertThat(a.keyCount()).isZero();
        assertThat(a.getFirstEncodedKey()).isNull();
        a.arg("only");
        assertThat(a.strings()).isEqualTo(List.of("only"));
        assertThat(call.strings()).as("the call holds its own copy").containsExactly("sha", "1", "k", "v");
    }
}
