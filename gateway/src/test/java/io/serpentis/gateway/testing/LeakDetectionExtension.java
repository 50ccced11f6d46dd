package io.serpentis.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer while or before it ran. Registered for every test through
 * JUnit's extension auto-detection ({@code junit-platform.properties}); the build runs tests with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked. After each class it collects garbage
 * and allocates, which makes Netty's detectors report what was collected unreleased.
 */
public final class LeakDetectionExtension implements AfterAllCallback {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int i = 0; i < 4 && LEAKS.isEmpty(); i++) {
            System.gc();
            Thread.sleep(40);
            provokeReports();
        }
        if (!LEAKS.isEmpty()) {
            List<String> leaks = new ArrayList<>();
            String s;
            while ((s = LEAKS.poll()) != null) {
                leaks.add(s);
            }
            fail("Netty reported " + leaks.size() + " leaked buffer(s) in or before "
                    + context.getDisplayName() + ":\n" + String.join("\n---\n", leaks));
        }
    }

    private static void provokeReports() {
        // Each detector reports collected-but-unreleased objects on its next track() call.
        for (int i = 0; i < 8; i++) {
            ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(8);
            ByteBuf c = UnpooledByteBufAllocator.DEFAULT.directBuffer(8);
            ByteBuf d = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
            a.release();
            b.release();
            c.release();
            d.release();
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + " leaked:" + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType + " leaked (no records)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
