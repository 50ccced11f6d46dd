package io.serpentis.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.launcher.listeners.TestExecutionSummary.Failure;

/**
 * {@link LeakDetectionExtension} as every test class gets it: small fixture classes run through the JUnit Platform
 * launcher, with the extension auto-detected exactly as in the build. A class that leaks one buffer fails, with
 * the stack that created it; buffers a class holds across its tests and {@code @Nested} classes, or that an event
 * loop releases just after the class ends, are no leak. The fixtures run only when launched from here.
 */
class LeakDetectionExtensionTest {
    private static volatile boolean launched;

    static boolean launched() {
        return launched;
    }

    private static TestExecutionSummary run(Class<?> fixture) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(fixture))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launched = true;
        try {
            LauncherFactory.create().execute(request, summary);
        } finally {
            launched = false;
        }
        return summary.getSummary();
    }

    @Test
    void aClassThatLeaksOneBufferFailsWithTheStackThatCreatedIt() {
        TestExecutionSummary summary = run(LeaksOneBuffer.class);

        assertThat(summary.getTestsSucceededCount())
                .as("the test itself passes")
                .isEqualTo(1);
        List<Failure> failures = summary.getFailures();
        assertThat(failures).hasSize(1);
        Failure failure = failures.get(0);
        assertThat(failure.getTestIdentifier().isContainer())
                .as("the class fails, not its test")
                .isTrue();
        assertThat(failure.getException())
                .hasMessageStartingWith("Netty resources left unreleased by LeakDetectionExtensionTest$LeaksOneBuffer")
                .hasMessageContaining("Possible memory leak");
        Throwable[] creations = failure.getException().getCause().getSuppressed();
        assertThat(creations).as("creation stacks").hasSize(1);
        assertThat(Arrays.stream(creations[0].getStackTrace()).map(StackTraceElement::getMethodName))
                .contains("allocatesAndForgets");
    }

    @Test
    void buffersHeldAcrossTestsAndNestedClassesAreNoLeak() {
        TestExecutionSummary summary = run(HoldsABufferForTheWholeClass.class);

        assertThat(summary.getFailures()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    }

    @Test
    void aBufferReleasedJustAfterTheClassEndsIsNoLeak() {
        TestExecutionSummary summary = run(ReleasesOnAnotherThreadAfterTheClass.class);

        assertThat(summary.getFailures()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    }

    @EnabledIf("io.serpentis.gateway.testing.LeakDetectionExtensionTest#launched")
    static class LeaksOneBuffer {
        @Test
        void allocatesAndForgets() {
            // Never released, not even later: the check has counted it, and a late release would count as -1.
            ByteBufAllocator.DEFAULT.directBuffer(16).writeLong(42);
        }
    }

    @EnabledIf("io.serpentis.gateway.testing.LeakDetectionExtensionTest#launched")
    static class HoldsABufferForTheWholeClass {
        static ByteBuf held;

        @BeforeAll
        static void allocate() {
            held = ByteBufAllocator.DEFAULT.directBuffer(16);
        }

        @AfterAll
        static void release() {
            held.release();
        }

        @Test
        void usesIt() {
            assertThat(held.writeLong(1).readableBytes()).isEqualTo(8);
        }

        @Nested
        class AndSoDoesANestedClass {
            @Test
            void usesItToo() {
                assertThat(held.refCnt()).isEqualTo(1);
            }
        }
    }

    @EnabledIf("io.serpentis.gateway.testing.LeakDetectionExtensionTest#launched")
    static class ReleasesOnAnotherThreadAfterTheClass {
        static ByteBuf held;

        @Test
        void handsABufferToAThreadThatReleasesItLater() {
            held = ByteBufAllocator.DEFAULT.directBuffer(16);
            Thread loop = new Thread(
                    () -> {
                        try {
                            TimeUnit.MILLISECONDS.sleep(
                                    300); // as an event loop still shutting down when the class ends
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        held.release();
                    },
                    "late-release");
            loop.setDaemon(true);
            loop.start();
        }
    }
}
