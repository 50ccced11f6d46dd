package io.serpentis.gateway.store;

/**
 * The store's state as the protocol reports it in {@code redis_status} (acks, {@code /health}, {@code /statuses})
 * and {@code data_source} ({@code /statuses}).
 */
public enum StoreStatus {
    /** No Redis is configured: the gateway runs on its embedded in-memory store. */
    EMBEDDED("embedded", "embedded"),
    /** Start-up has not finished yet (the original's {@code unknown}). */
    UNKNOWN("unknown", "memory_cache"),
    /** Redis is reachable. */
    CONNECTED("connected", "redis"),
    /** Redis is configured but unreachable; the gateway serves from memory and writes back when it returns. */
    UNAVAILABLE("unavailable", "memory_cache");

    private final String redisStatus;
    private final String dataSource;

    StoreStatus(String redisStatus, String dataSource) {
        this.redisStatus = redisStatus;
        this.dataSource = dataSource;
    }

    /** The value of {@code redis_status}. */
    public String redisStatus() {
        return redisStatus;
    }

    /** The value of {@code data_source} in {@code /statuses}. */
    public String dataSource() {
        return dataSource;
    }
}
