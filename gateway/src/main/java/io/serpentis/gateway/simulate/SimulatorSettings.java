package io.serpentis.gateway.simulate;

import io.serpentis.gateway.config.ServerConfig;
import io.serpentis.gateway.config.WsConfig;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What {@link Simulator} runs.
 *
 * @param url the gateway's WebSocket endpoint, {@code ws://host:port/ws} (or {@code wss://}); default the gateway's
 *     default address and path, {@code ws://127.0.0.1:8000/ws}
 * @param clients how many simulated clients, 1 to 100000; default 10
 * @param interval the period of the status updates (the reference client's is 10 s, the default)
 * @param idPrefix client ids are this prefix followed by a zero-padded number; default {@code sim-<4 random hex
 *     digits>-}, so that two simulators do not take each other's ids over
 * @param maxConnecting most WebSocket handshakes in flight at once (bounds the load of a mass reconnect); default 32
 * @param reconnectMinDelay the first reconnect delay; it doubles per failed attempt, with jitter; default 500 ms
 * @param reconnectMaxDelay upper bound of the reconnect delay; default 30 s
 * @param reportInterval how often a summary line is logged; {@code Duration.ZERO} for never; default 10 s
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

    /** The defaults (see the record's components), with a fresh random id prefix. */
    public static SimulatorSettings defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults, with a fresh random id prefix. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The id of client {@code index} (0-based): the prefix and the index, zero-padded to the clients' width. */
    public String clientId(int index) {
        int width = Integer.toString(clients - 1).length();
        return idPrefix + String.format("%0" + Math.max(3, width) + "d", index);
    }

    /** Builds {@link SimulatorSettings}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private URI url = defaultUrl();
        private int clients = 10;
        private Duration interval = Duration.ofSeconds(10);
        private String idPrefix = "sim-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt()) + "-";
        private int maxConnecting = 32;
        private Duration reconnectMinDelay = Duration.ofMillis(500);
        private Duration reconnectMaxDelay = Duration.ofSeconds(30);
        private Duration reportInterval = Duration.ofSeconds(10);

        private Builder() {}

        private Builder(SimulatorSettings s) {
            url = s.url;
            clients = s.clients;
            interval = s.interval;
            idPrefix = s.idPrefix;
            maxConnecting = s.maxConnecting;
            reconnectMinDelay = s.reconnectMinDelay;
            reconnectMaxDelay = s.reconnectMaxDelay;
            reportInterval = s.reportInterval;
        }

        /** The endpoint of a gateway started with its defaults, on this machine. */
        private static URI defaultUrl() {
            ServerConfig server = ServerConfig.defaults();
            return URI.create("ws://" + server.host() + ":" + server.port()
                    + WsConfig.defaults().path());
        }

        /** See {@link SimulatorSettings#url()}. */
        public Builder url(URI url) {
            this.url = url;
            return this;
        }

        /** See {@link SimulatorSettings#clients()}. */
        public Builder clients(int clients) {
            this.clients = clients;
            return this;
        }

        /** See {@link SimulatorSettings#interval()}. */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** See {@link SimulatorSettings#idPrefix()}. */
        public Builder idPrefix(String prefix) {
            this.idPrefix = prefix;
            return this;
        }

        /** See {@link SimulatorSettings#maxConnecting()}. */
        public Builder maxConnecting(int handshakes) {
            this.maxConnecting = handshakes;
            return this;
        }

        /** See {@link SimulatorSettings#reconnectMinDelay()}. */
        public Builder reconnectMinDelay(Duration delay) {
            this.reconnectMinDelay = delay;
            return this;
        }

        /** See {@link SimulatorSettings#reconnectMaxDelay()}. */
        public Builder reconnectMaxDelay(Duration delay) {
            this.reconnectMaxDelay = delay;
            return this;
        }

        /** See {@link SimulatorSettings#reportInterval()}; {@link Duration#ZERO} for never. */
        public Builder reportInterval(Duration interval) {
            this.reportInterval = interval;
            return this;
        }

        /** The validated settings; throws {@link IllegalArgumentException} naming a bad option. */
        public SimulatorSettings build() {
            return new SimulatorSettings(
                    url,
                    clients,
                    interval,
                    idPrefix,
                    maxConnecting,
                    reconnectMinDelay,
                    reconnectMaxDelay,
                    reportInterval);
        }
    }
}
