package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * How long the gateway remembers clients that left.
 *
 * @param retention a disconnected client's record is purged this long after it disconnected; default 60 s
 *     (the original's)
 * @param purgeInterval how often the purge runs; default 5 s, so a record goes between {@code retention} and
 *     {@code retention + purgeInterval} after its client left
 */
public record RegistryConfig(Duration retention, Duration purgeInterval) {

    public RegistryConfig {
        Checks.positive(retention, "retention");
        Checks.positive(purgeInterval, "purge-interval");
    }

    /** The defaults: 60 s retention, purge every 5 s. */
    public static RegistryConfig defaults() {
        return new RegistryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5));
    }
}
