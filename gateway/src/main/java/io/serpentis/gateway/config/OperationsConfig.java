package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * What the gateway keeps about operators' actions (issue 15): command receipts and the audit trail.
 *
 * @param receiptsMax most command receipts kept in memory without Redis; the oldest is evicted first; default 10,000
 *     ({@code --command-receipts-max}, {@code GATEWAY_COMMAND_RECEIPTS_MAX})
 * @param receiptRetention how long a receipt is kept in Redis (its key's expiry); default 1 h
 *     ({@code --command-receipt-retention}, {@code GATEWAY_COMMAND_RECEIPT_RETENTION})
 * @param ackTimeout a delivered command not acknowledged by its client within this time fails with
 *     {@code timed_out}; default 30 s ({@code --command-ack-timeout}, {@code GATEWAY_COMMAND_ACK_TIMEOUT})
 * @param auditMaxEntries most audit entries kept (the Redis stream's approximate length, or the in-memory ring's);
 *     default 10,000 ({@code --audit-max-entries}, {@code GATEWAY_AUDIT_MAX_ENTRIES})
 */
public record OperationsConfig(int receiptsMax, Duration receiptRetention, Duration ackTimeout, int auditMaxEntries) {

    public OperationsConfig {
        Checks.range(receiptsMax, 1, 1_000_000, "command-receipts-max");
        Checks.positive(receiptRetention, "command-receipt-retention");
        if (receiptRetention.compareTo(Duration.ofSeconds(1)) < 0
                || receiptRetention.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException(
                    "command-receipt-retention must be between 1s and 7d, was " + receiptRetention);
        }
        Checks.positive(ackTimeout, "command-ack-timeout");
        if (ackTimeout.compareTo(Duration.ofMillis(100)) < 0 || ackTimeout.compareTo(receiptRetention) > 0) {
            throw new IllegalArgumentException("command-ack-timeout must be between 100ms and the receipt retention ("
                    + receiptRetention + "), was " + ackTimeout);
        }
        Checks.range(auditMaxEntries, 1, 1_000_000, "audit-max-entries");
    }

    /** The defaults: 10,000 receipts in memory, 1 h in Redis, a 30 s acknowledgement timeout, 10,000 audit entries. */
    public static OperationsConfig defaults() {
        return new OperationsConfig(10_000, Duration.ofHours(1), Duration.ofSeconds(30), 10_000);
    }

    public OperationsConfig withReceiptsMax(int max) {
        return new OperationsConfig(max, receiptRetention, ackTimeout, auditMaxEntries);
    }

    public OperationsConfig withAckTimeout(Duration timeout) {
        return new OperationsConfig(receiptsMax, receiptRetention, timeout, auditMaxEntries);
    }

    public OperationsConfig withAuditMaxEntries(int max) {
        return new OperationsConfig(receiptsMax, receiptRetention, ackTimeout, max);
    }
}
