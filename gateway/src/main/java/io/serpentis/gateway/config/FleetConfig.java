package io.serpentis.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The fleet: every gateway started with {@code --redis-url} is a member of the fleet of every other gateway on that
 * Redis deployment, unless {@code enabled} is false. Members hold leases in Redis (renewed every
 * {@code heartbeatInterval}, valid for {@code lease}); a member whose lease ended {@code reapGrace} ago is declared
 * lost and a survivor marks its clients disconnected. Every decision uses Redis's clock ({@code TIME} in scripts),
 * never a node's. Without Redis nothing here applies.
 *
 * @param enabled whether a gateway with {@code --redis-url} joins the fleet ({@code --fleet}, {@code GATEWAY_FLEET});
 *     default true. {@code false} keeps the single-node Redis behaviour: no membership, no fencing, the unfenced
 *     {@code HSET} hot path (an escape hatch, and the benchmarks' baseline)
 * @param heartbeatInterval how often the node renews its lease ({@code --fleet-heartbeat-interval}); default 1 s
 * @param lease how long a renewal holds; a node silent this long is due to be declared lost
 *     ({@code --fleet-lease}); default 10 s, at least three heartbeat intervals
 * @param reapGrace how long after a lease ended a survivor declares its node lost ({@code --fleet-reap-grace});
 *     default 2 s
 * @param publishInterval how often a node publishes its changed clients to its peers
 *     ({@code --fleet-publish-interval}); default 50 ms
 * @param isolation what a node cut off from Redis does once a peer answers that it is healthy
 *     ({@code --fleet-isolation}): {@link Isolation#CLOSE} (default) closes every client socket with 1012 so that
 *     clients reconnect to a healthy node, {@link Isolation#KEEP} keeps them
 * @param advertiseUrl the node's HTTP address as its peers reach it ({@code --fleet-advertise-url}); default
 *     {@code null}: {@code http://<host>:<port>} with the bound host, or the machine's host name when the gateway
 *     binds every interface
 */
public record FleetConfig(
        boolean enabled,
        Duration heartbeatInterval,
        Duration lease,
        Duration reapGrace,
        Duration publishInterval,
        Isolation isolation,
        @Nullable String advertiseUrl) {

    /** What a node cut off from Redis does while its peers are fine; the command line spells them in lower case. */
    public enum Isolation {
        /** Close every client socket with 1012 (clients reconnect to a healthy node). */
        CLOSE,
        /** Keep serving the clients; the fleet reaps them as lost, and they come back online when Redis returns. */
        KEEP;

        /** The command-line spelling, which {@code --help} shows as the default. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code close} or {@code keep}, any case. */
        public static Isolation parse(String value) {
            for (Isolation i : values()) {
                if (i.name().equalsIgnoreCase(value.trim())) {
                    return i;
                }
            }
            throw new IllegalArgumentException("fleet-isolation must be close or keep, was " + value);
        }
    }

    public FleetConfig {
        Checks.positive(heartbeatInterval, "fleet-heartbeat-interval");
        if (heartbeatInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("fleet-heartbeat-interval must be at least 100ms, was "
                    + DurationConverter.format(heartbeatInterval));
        }
        Checks.positive(lease, "fleet-lease");
        if (lease.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("fleet-lease (" + DurationConverter.format(lease) + ") must be at "
                    + "least three fleet-heartbeat-interval (" + DurationConverter.format(heartbeatInterval) + ")");
        }
        Checks.positive(reapGrace, "fleet-reap-grace");
        if (reapGrace.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("fleet-reap-grace (" + DurationConverter.format(reapGrace)
                    + ") must exceed fleet-heartbeat-interval (" + DurationConverter.format(heartbeatInterval)
                    + "): a node that renews late after a Redis stall is not declared lost");
        }
        Checks.positive(publishInterval, "fleet-publish-interval");
        if (publishInterval.compareTo(Duration.ofMillis(10)) < 0 || publishInterval.compareTo(heartbeatInterval) > 0) {
            throw new IllegalArgumentException("fleet-publish-interval must be between 10ms and "
                    + "fleet-heartbeat-interval, was " + DurationConverter.format(publishInterval));
        }
        Checks.notNull(isolation, "fleet-isolation");
        if (advertiseUrl != null && advertiseUrl.isBlank()) {
            advertiseUrl = null;
        }
        if (advertiseUrl != null) {
            checkUrl(advertiseUrl);
        }
    }

    private static void checkUrl(String url) {
        try {
            URI u = new URI(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                    || u.getHost() == null
                    || (u.getPath() != null
                            && !u.getPath().isEmpty()
                            && !u.getPath().equals("/"))
                    || u.getQuery() != null
                    || u.getFragment() != null
                    || u.getUserInfo() != null) {
                throw new IllegalArgumentException("fleet-advertise-url must be http(s)://host[:port], was " + url);
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("fleet-advertise-url must be http(s)://host[:port], was " + url, e);
        }
    }

    /** The defaults: a member, heartbeat 1 s, lease 10 s, grace 2 s, publish every 50 ms, isolation close. */
    public static FleetConfig defaults() {
        return builder().build();
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with {@code enabled} changed. */
    public FleetConfig withEnabled(boolean member) {
        return toBuilder().enabled(member).build();
    }

    /**
     * How long without a renewed lease (on this node's monotonic clock) before {@code /readyz} answers 503 and the
     * isolation policy applies: the lease less three heartbeat intervals (7 s by default), so that a node cut off
     * from Redis acts before its peers can declare it lost, but never less than two heartbeat intervals (with a
     * lease of three or four heartbeats, one late heartbeat must not close every client); still earlier than any
     * peer may declare it lost (a lease and the reap grace).
     */
    public Duration isolationAfter() {
        Duration beforeReap = lease.minus(heartbeatInterval.multipliedBy(3));
        Duration twoHeartbeats = heartbeatInterval.multipliedBy(2);
        return beforeReap.compareTo(twoHeartbeats) < 0 ? twoHeartbeats : beforeReap;
    }

    @Override
    public String toString() {
        return "FleetConfig[enabled=" + enabled + ", heartbeatInterval=" + heartbeatInterval + ", lease=" + lease
                + ", reapGrace=" + reapGrace + ", publishInterval=" + publishInterval + ", isolation=" + isolation
                + ", advertiseUrl=" + (advertiseUrl == null ? "default" : advertiseUrl) + "]";
    }

    /** Builds a {@link FleetConfig}; {@link #build()} validates. Its initial values are the defaults. */
    public static final class Builder {
        private boolean enabled = true;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration lease = Duration.ofSeconds(10);
        private Duration reapGrace = Duration.ofSeconds(2);
        private Duration publishInterval = Duration.ofMillis(50);
        private Isolation isolation = Isolation.CLOSE;
        private @Nullable String advertiseUrl;

        private Builder() {}

        private Builder(FleetConfig c) {
            enabled = c.enabled;
            heartbeatInterval = c.heartbeatInterval;
            lease = c.lease;
            reapGrace = c.reapGrace;
            publishInterval = c.publishInterval;
            isolation = c.isolation;
            advertiseUrl = c.advertiseUrl;
        }

        /** See {@link FleetConfig#enabled()}. */
        public Builder enabled(boolean member) {
            this.enabled = member;
            return this;
        }

        /** See {@link FleetConfig#heartbeatInterval()}. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = interval;
            return this;
        }

        /** See {@link FleetConfig#lease()}. */
        public Builder lease(Duration duration) {
            this.lease = duration;
            return this;
        }

        /** See {@link FleetConfig#reapGrace()}. */
        public Builder reapGrace(Duration grace) {
            this.reapGrace = grace;
            return this;
        }

        /** See {@link FleetConfig#publishInterval()}. */
        public Builder publishInterval(Duration interval) {
            this.publishInterval = interval;
            return this;
        }

        /** See {@link FleetConfig#isolation()}. */
        public Builder isolation(Isolation policy) {
            this.isolation = policy;
            return this;
        }

        /** See {@link FleetConfig#advertiseUrl()}; {@code null} or blank for the default. */
        public Builder advertiseUrl(@Nullable String url) {
            this.advertiseUrl = url;
            return this;
        }

        /** The validated configuration; throws {@link IllegalArgumentException} naming a bad setting. */
        public FleetConfig build() {
            return new FleetConfig(
                    enabled, heartbeatInterval, lease, reapGrace, publishInterval, isolation, advertiseUrl);
        }
    }
}
