package io.serpentis.gateway.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.util.LeakPresenceDetector;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves a Netty buffer (or anything else Netty tracks, such as a timer) unreleased.
 * Registered for every test through JUnit's extension auto-detection ({@code junit-platform.properties}).
 *
 * <p>The detector is Netty's own {@link LeakPresenceDetector}, as Netty's {@code LeakPresenceExtension} uses it:
 * it counts every tracked object while it is open, so a leak is found when the class ends, not when a garbage
 * collection happens to reclaim it. The build runs tests with {@code -Dio.netty.leakDetection.level=paranoid}, so
 * the allocators track every buffer; the creation stack of each object is kept while it is open and printed with
 * a failure ({@code io.netty.util.LeakPresenceDetector.trackCreationStack}, which costs about what paranoid
 * detection's own records did).
 *
 * <p>Counted once per top-level class, after every other extension of the class has run: a server the class
 * starts (its {@code GatewayServerExtension}, a Redis client) holds pooled buffers across its tests and
 * {@code @Nested} classes, and auto-detected extensions are registered first, so this one's {@code afterAll} runs
 * after theirs closed everything. What an event loop still releases while it shuts down is waited for (up to
 * {@link #DRAIN}). Classes run one after another in a JVM, so one scope for the whole JVM is enough; a resource
 * created by one class and released during a later one shows there as a negative count, which fails it too.
 */
public final class LeakDetectionExtension implements AfterAllCallback {
    /** How long open resources may take to be released once a class has closed everything it started. */
    static final Duration DRAIN = Duration.ofSeconds(5);

    private static final String TRACK_CREATION_STACK = "io.netty.util.LeakPresenceDetector.trackCreationStack";

    static {
        // Read once, when LeakPresenceDetector is initialized: before SCOPE below is made.
        if (System.getProperty(TRACK_CREATION_STACK) == null) {
            System.setProperty(TRACK_CREATION_STACK, "true");
        }
    }

    private static final LeakPresenceDetector.ResourceScope SCOPE = new LeakPresenceDetector.ResourceScope("tests");

    static {
        // Before any buffer class makes its detector: extensions are loaded before the first test class.
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new PresenceFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        boolean topLevel =
                context.getParent().flatMap(ExtensionContext::getParent).isEmpty();
        if (topLevel) {
            assertNothingOpen(context.getDisplayName());
        }
    }

    /**
     * Fails unless every tracked resource has been released, waiting up to {@link #DRAIN} for late releases.
     * Resets the count, so that one leak fails one class.
     */
    static void assertNothingOpen(String where) {
        try {
            await().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .atMost(DRAIN)
                    .until(() -> !SCOPE.hasOpenResources());
        } catch (ConditionTimeoutException stillOpen) {
            // reported by the check below, with the creation stacks
        }
        try {
            LeakPresenceDetector.check();
        } catch (IllegalStateException leak) {
            fail("Netty resources left unreleased by " + where + ": " + leak.getMessage(), leak);
        }
    }

    private static final class PresenceFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation") // the abstract method every factory implements; Netty calls it
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return new ScopedPresenceDetector<>(resource);
        }
    }

    /** Every resource goes to {@link #SCOPE}, whichever thread creates it. */
    private static final class ScopedPresenceDetector<T> extends LeakPresenceDetector<T> {
        ScopedPresenceDetector(Class<T> resource) {
            super(resource);
        }

        @Override
        protected ResourceScope currentScope() {
            return SCOPE;
        }
    }
}
