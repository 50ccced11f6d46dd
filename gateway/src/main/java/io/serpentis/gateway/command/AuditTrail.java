package io.serpentis.gateway.command;

import io.serpentis.gateway.logging.LogText;
import io.serpentis.gateway.logging.RateLimitedLog;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail (issue 15 point 2): every operator action that changes state (a command, a bulk command) is
 * recorded once, with its time, actor, action, target, command id, node and outcome, in the {@link AuditLog} (a
 * Redis Stream shared by the fleet, or a ring in memory) and as a log line of logger
 * {@code io.serpentis.gateway.audit}, its client-controlled parts escaped ({@link LogText}).
 *
 * <p>Thread-safe; never blocks: an entry the log cannot keep (Redis unavailable) is still logged, and the failure
 * is warned about at most every 10 s.
 */
public final class AuditTrail {
    /** The logger of the audit lines. */
    public static final String LOGGER = "io.serpentis.gateway.audit";

    private static final Logger audit = LoggerFactory.getLogger(LOGGER);
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditLog store;
    private final String nodeId;
    private final LongSupplier clock;
    private final RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofSeconds(10));

    /**
     * @param store where entries are kept
     * @param nodeId this node's id, each entry's {@code node}
     * @param clock wall-clock time in epoch milliseconds
     */
    public AuditTrail(AuditLog store, String nodeId, LongSupplier clock) {
        this.store = store;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /** Records one action taken on this node. */
    public void record(String actor, String action, String target, @Nullable String commandId, String outcome) {
        AuditEntry entry = new AuditEntry("", clock.getAsLong(), actor, action, target, commandId, nodeId, outcome);
        if (audit.isInfoEnabled()) {
            audit.info(
                    "actor={} action={} target={} command_id={} node={} outcome={}",
                    LogText.escape(actor),
                    action,
                    quoted(target),
                    commandId == null ? "-" : commandId,
                    LogText.escape(nodeId),
                    quoted(outcome));
        }
        store.append(entry).whenComplete((ignored, e) -> {
            if (e != null) {
                warnings.warn("audit entry not kept ({} {} {}): {}", action, quoted(target), outcome, e.toString());
            }
        });
    }

    /** One page of the trail, newest first ({@link AuditLog#page}). */
    public CompletionStage<AuditLog.Page> page(int limit, @Nullable String cursor, @Nullable String clientId) {
        return store.page(limit, cursor, clientId);
    }

    /** Whether {@code cursor} is an entry id, as a page's {@code next_cursor} is. */
    public static boolean isCursor(String cursor) {
        return AuditEntry.ID.matcher(cursor).matches();
    }

    private static String quoted(String text) {
        return "\"" + LogText.escape(text).replace("\"", "\\\"") + "\"";
    }
}
