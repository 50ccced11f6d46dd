package io.serpentis.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddedAuditLogTest {

    private static AuditEntry entry(long at, String target) {
        return new AuditEntry("", at, "admin-token", "pause", target, "cmd-" + at, "gw-1", "delivered");
    }

    private static AuditLog.Page page(AuditLog log, int limit, String cursor, String clientId) {
        return log.page(limit, cursor, clientId).toCompletableFuture().join();
    }

    private static List<Long> times(AuditLog.Page p) {
        return p.entries().stream().map(AuditEntry::timeMillis).toList();
    }

    @Test
    void keepsAtMostItsCapacityDroppingTheOldestFirst() {
        EmbeddedAuditLog log = new EmbeddedAuditLog(3);
        for (long t = 1; t <= 5; t++) {
            log.append(entry(t, "c"));
        }
        assertThat(log.size()).isEqualTo(3);
        assertThat(times(page(log, 10, null, null))).containsExactly(5L, 4L, 3L);
    }

    @Test
    void pagesNewestFirstWithTheLastEntrysIdAsCursor() {
        EmbeddedAuditLog log = new EmbeddedAuditLog(100);
        for (long t = 1; t <= 5; t++) {
            log.append(entry(1000 + t, "c"));
        }
        AuditLog.Page first = page(log, 2, null, null);
        assertThat(times(first)).containsExactly(1005L, 1004L);
        assertThat(first.nextCursor()).isEqualTo(first.entries().get(1).id());
        AuditLog.Page second = page(log, 2, first.nextCursor(), null);
        assertThat(times(second)).containsExactly(1003L, 1002L);
        AuditLog.Page last = page(log, 2, second.nextCursor(), null);
        assertThat(times(last)).containsExactly(1001L);
        assertThat(last.nextCursor()).isNull();
    }

    @Test
    void numbersEntriesOfOneMillisecondAndABackwardClockInOrder() {
        EmbeddedAuditLog log = new EmbeddedAuditLog(10);
        log.append(entry(2000, "a"));
        log.append(entry(2000, "b"));
        log.append(entry(1500, "c")); // the clock stepped back
        List<String> ids =
                page(log, 10, null, null).entries().stream().map(AuditEntry::id).toList();
        assertThat(ids).containsExactly("2000-2", "2000-1", "2000-0");
        assertThat(AuditEntry.compareIds("2000-10", "2000-9")).isPositive();
        assertThat(AuditEntry.compareIds("999-5", "1000-0")).isNegative();
    }

    @Test
    void filtersByClient() {
        EmbeddedAuditLog log = new EmbeddedAuditLog(100);
        for (long t = 1; t <= 6; t++) {
            log.append(entry(t, t % 2 == 0 ? "even" : "odd"));
        }
        AuditLog.Page evens = page(log, 2, null, "even");
        assertThat(times(evens)).containsExactly(6L, 4L);
        assertThat(times(page(log, 2, evens.nextCursor(), "even"))).containsExactly(2L);
    }

    @Test
    void logsEveryEntryOnTheAuditLoggerWithClientTextEscaped() {
        try (LogCapture logs = new LogCapture()) {
            AuditTrail trail = new AuditTrail(new EmbeddedAuditLog(10), "gw-1", () -> 42L);
            trail.record("loopback 127.0.0.1", "pause", "evil\nactor=forged", "cmd-1", "delivered");
            assertThat(logs.events())
                    .filteredOn(e -> e.getLoggerName().equals(AuditTrail.LOGGER))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .isEqualTo("actor=loopback 127.0.0.1 action=pause target=\"evil\\u000aactor=forged\" "
                                    + "command_id=cmd-1 node=gw-1 outcome=\"delivered\""));
            assertThat(trail.page(10, null, null).toCompletableFuture().join().entries())
                    .singleElement()
                    .satisfies(e -> assertThat(e.target()).isEqualTo("evil\nactor=forged"));
        }
    }
}
