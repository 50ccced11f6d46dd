package io.serpentis.gateway.simulate;

import java.net.URI;
import java.time.Duration;

/**
 * What {@link Simulator} runs.
 *
 * @param url the gateway's WebSocket endpoint, {@code ws://host:port/ws} (or {@code wss://})
 * @param clients how many simulated clients, 1 to 100000
 * @param interval the period of the status updates (the reference client's is 10 s)
 * @param idPrefix client ids are this prefix followed by a zero-padded number
 * @param maxConnecting most WebSocket handshakes in flight at once (bounds the load of a mass reconnect)
 * @param reconnectMinDelay the first reconnect delay; it doubles per failed attempt, with jitter
 * @param reconnectMaxDelay upper bound of the reconnect delay
 * @param reportInterval how often a summary line is logged; {@code Duration.ZERO} for never
 */
public record SimulatorSettings(
        URI url,
        int clients,
        Duration interval,
        String idPrefix,
        int maxConnecting,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay,
        Duration reportInterval) {

    public SimulatorSettings {
        String scheme = url.getScheme();
        if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
            throw new IllegalArgumentException("url must be ws://host:port/ws or wss://..., was " + url);
        }
        if (clients < 1 || clients > 100_000) {
            throw new IllegalArgumentException("clients must be between 1 and 100000, was " + clients);
        }
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("interval must be at least 10ms, was " + interval);
        }
        if (idPrefix.isEmpty() || idPrefix.length() > 100) {
            throw new IllegalArgumentException("id-prefix must be 1 to 100 characters, was '" + idPrefix + "'");
        }
        if (maxConnecting < 1 || maxConnecting > 10_000) {
            throw new IllegalArgumentException("max-connecting must be between 1 and 10000, was " + maxConnecting);
        }
        if (reconnectMinDelay.toMillis() < 1 || reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            throw new IllegalArgumentException("reconnect delays must be positive and max >= min, were "
                    + reconnectMinDelay + " and " + reconnectMaxDelay);
        }
        if (reportInterval.isNegative()) {
            throw new IllegalArgumentException("report-interval must not be negative, was " + reportInterval);
        }
    }

    /** The id of client {@code index} (0-based): the prefix and the index, zero-padded to the clients' width. */
    public String clientId(int index) {
        int width = Integer.toString(clients - 1).length();
        return idPrefix + String.format("%0" + Math.max(3, width) + "d", index);
    }
}
