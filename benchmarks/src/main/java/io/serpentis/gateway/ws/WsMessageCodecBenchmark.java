package io.serpentis.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.serpentis.gateway.AbstractGatewayBenchmark;
import io.serpentis.gateway.config.LimitsConfig;
import io.serpentis.gateway.registry.StatusUpdate;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.json.JsonMapper;

/**
 * How much does it cost to turn a status frame's bytes into an update, and an update into its ack? The parse
 * reads straight from a direct (pooled) buffer, as frames arrive; good is well under a microsecond for the
 * reference client's message ({@code small}) and allocation close to the update itself (its id, names, values).
 */
public class WsMessageCodecBenchmark extends AbstractGatewayBenchmark {

    /**
     * {@code small}: the reference client's update; {@code escaped}: the same with non-ASCII text as Python's
     * {@code json.dumps} sends it, an emoji as a surrogate-pair escape (so every string is checked for unpaired
     * surrogates); {@code medium}: 16 attributes; {@code 4k}: a 4 KiB value.
     */
    @Param({"small", "escaped", "medium", "4k"})
    public String payload;

    private final WsMessageCodec codec = new WsMessageCodec(
            LimitsConfig.defaults(), JsonMapper.builder().build().tokenStreamFactory());
    private ByteBuf frame;
    private StatusUpdate update;

    @Setup
    public void setUp() {
        String json = switch (payload) {
            case "small" ->
                "{\"client_id\": \"15ed3d05-b939-4d59-a4a0-f0f90e2f1cbb\", \"status\": {\"timestamp\": "
                        + "\"2026-11-28T17:47:00.065557+00:00\", \"cpu_usage\": 83.8, \"memory_usage\": 16.81, "
                        + "\"client_state\": \"running\"}}";
            case "escaped" ->
                "{\"client_id\": \"15ed3d05-b939-4d59-a4a0-f0f90e2f1cbb\", \"status\": {\"timestamp\": "
                        + "\"2026-11-28T17:47:00.065557+00:00\", \"cpu_usage\": 83.8, \"memory_usage\": 16.81, "
                        + "\"client_state\": \"running\", \"note\": \"\\u017c\\u00f3\\u0142w \\ud83d\\udc0d\"}}";
            case "medium" -> {
                StringBuilder b = new StringBuilder("{\"client_id\": \"worker-0042\", \"status\": {");
                for (int i = 0; i < 16; i++) {
                    b.append(i == 0 ? "" : ", ")
                            .append("\"metric_")
                            .append(i)
                            .append("\": ")
                            .append(i * 1.5);
                }
                yield b.append("}}").toString();
            }
            case "4k" -> "{\"client_id\": \"worker-0042\", \"status\": {\"log\": \"" + "x".repeat(4096) + "\"}}";
            default -> throw new IllegalArgumentException(payload);
        };
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ByteBuf direct =
                PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        frame = Unpooled.unreleasableBuffer(direct);
        update = Objects.requireNonNull(codec.parse(frame).update(), payload);
    }

    @TearDown
    public void tearDown() {
        frame.unwrap().release();
    }

    /** The floor: reading the frame's length. */
    @Benchmark
    public int baseline() {
        return frame.readableBytes();
    }

    @Benchmark
    public WsMessageCodec.Parsed parse() {
        return codec.parse(frame);
    }

    @Benchmark
    public int encodeAck() {
        ByteBuf ack = codec.encodeAck(PooledByteBufAllocator.DEFAULT, update, false, "connected");
        int n = ack.readableBytes();
        ack.release();
        return n;
    }
}
