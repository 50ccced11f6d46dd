package io.serpentis.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class JsonOutputTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Remembers the last buffer it handed out. */
    private static final class RecordingAllocator extends AbstractByteBufAllocator {
        ByteBuf last;

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            last = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            return last;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    @Test
    void writesAClientsFieldsAndTheCountsCompactlyInOrder() {
        ByteBuf out = JsonOutput.encode(JSON, UnpooledByteBufAllocator.DEFAULT, 4, g -> {
            g.writeStartObject();
            g.writeName("worker-7");
            JsonOutput.writeFields(g, new String[] {"b", "a", "n"}, new String[] {"x\"y", "żółw", "1"});
            JsonOutput.writeCounts(g, 2, 5);
            g.writeEndObject();
        });
        try {
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .isEqualTo("{\"worker-7\":"
                            + "{\"b\":\"x\\\"y\",\"a\":\"żółw\",\"n\":\"1\"},"
                            + "\"counts\":{\"connected\":2,\"disconnected\":3,\"total\":5}}");
        } finally {
            out.release();
        }
    }

    @Test
    void releasesItsBufferWhenWritingFails() {
        RecordingAllocator alloc = new RecordingAllocator();
        assertThatThrownBy(() -> JsonOutput.encode(JSON, alloc, 64, g -> {
                    g.writeStartObject();
                    g.writeStringProperty("partly", "written");
                    throw new IllegalStateException("the record went away");
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the record went away");
        assertThat(alloc.last.refCnt()).isZero();
    }
}
