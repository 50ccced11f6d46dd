package io.serpentis.gateway.fleet;

import io.serpentis.gateway.config.FleetConfig;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.LocalClientRegistry;
import io.serpentis.gateway.registry.NodeIdentity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node cut off from Redis does while its peers are fine (issue 13, point 5): after
 * {@link FleetConfig#isolationAfter()} without a renewed lease (on this node's monotonic clock, so well before the
 * fleet may declare it lost), it is isolated: {@code /readyz} answers 503, so a load balancer stops sending it
 * clients. It then asks its peers' {@code /readyz} (their addresses from the member table, with the JDK's HTTP
 * client, off the event loops, one second each): if one answers 200, this node is the one cut off, and with
 * {@link FleetConfig.Isolation#CLOSE} it closes every client connection with 1012 so that the clients reconnect to
 * a healthy node (the fleet's reaper then records them offline at their true last sign of life, and they come
 * back online where they reconnect). A peer counts only when its answer says it renewed its own lease within two
 * heartbeat intervals, and held it without a gap for longer than this node has gone without renewing (a peer
 * that is merely the first back after an outage of everyone's proves nothing). If no peer answers so, Redis is
 * down for everyone: the node keeps serving.
 * {@link FleetConfig.Isolation#KEEP} keeps the clients in every case.
 *
 * <p>A node that slept (stopped with {@code SIGSTOP}, a long GC pause) renewed nothing meanwhile, but not because
 * Redis was out of reach: when a check comes more than {@link #STALL_NANOS} (or a heartbeat interval) after the
 * previous one, the node is judged afresh, isolated only after the isolation delay awake without a renewed lease.
 * Its heartbeat gets to run first; if the fleet declared it lost meanwhile, it joins again and takes its clients
 * back instead of closing them.
 *
 * <p>Runs on the fleet's watchdog thread ({@link #check}, four times a heartbeat interval); peers are asked
 * asynchronously.
 */
final class FleetIsolation {
    private static final Logger log = LoggerFactory.getLogger(FleetIsolation.class);
    private static final Pattern HEARTBEAT_AGE = Pattern.compile("\"fleet_heartbeat_age_ms\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern LEASE_HELD = Pattern.compile("\"fleet_lease_held_ms\"\\s*:\\s*\"(\\d+)\"");
    /** How long a peer's 200 is taken as proof that the fleet is fine. */
    private static final long PEER_PROOF_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A gap this long between two checks (four a heartbeat) means the node itself stalled. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final FleetConfig config;
    private final FleetMembership membership;
    private final LocalClientRegistry registry;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile boolean isolated;
    private volatile long peerHealthyUntilNanos;
    private long lastCheckNanos = System.nanoTime();
    private long awakeSinceNanos = lastCheckNanos;

    FleetIsolation(FleetConfig config, FleetMembership membership, LocalClientRegistry registry) {
        this.config = config;
        this.membership = membership;
        this.registry = registry;
    }

    /** Whether this node renewed no lease for the isolation delay. */
    boolean isolated() {
        return isolated;
    }

    /** One look: isolated or not, and what the policy says to do about it. */
    void check() {
        long now = System.nanoTime();
        long gap = now - lastCheckNanos;
        lastCheckNanos = now;
        if (gap > Math.max(STALL_NANOS, config.heartbeatInterval().toNanos())) {
            awakeSinceNanos = now;
            peerHealthyUntilNanos = now;
            log.info(
                    "This node stalled for {} ms (a process pause?): judging its isolation afresh",
                    TimeUnit.NANOSECONDS.toMillis(gap));
        }
        long renewed = membership.renewedNanos();
        if (renewed == 0) {
            return; // never held a lease: the store's readiness covers an unreachable Redis
        }
        long after = config.isolationAfter().toNanos();
        boolean cutOff = now - renewed > after && now - awakeSinceNanos > after;
        if (cutOff != isolated) {
            isolated = cutOff;
            if (cutOff) {
                log.warn(
                        "No lease renewed for {} ms: this node is isolated from Redis (/readyz 503)",
                        TimeUnit.NANOSECONDS.toMillis(now - renewed));
            } else {
                log.info("Lease renewed again: no longer isolated");
                peerHealthyUntilNanos = 0;
            }
        }
        if (!cutOff || config.isolation() == FleetConfig.Isolation.KEEP) {
            return;
        }
        if (now - peerHealthyUntilNanos < 0) {
            closeClients(); // a peer is fine: this node is the one cut off (new arrivals too)
        } else if (asking.compareAndSet(false, true)) {
            askPeers();
        }
    }

    private void askPeers() {
        NodeIdentity me = membership.self();
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (FleetMembers.Member m : membership.members()) {
            if ((me != null && m.nodeId().equals(me.nodeId())) || m.address().isEmpty()) {
                continue;
            }
            HttpRequest request;
            try {
                request = HttpRequest.newBuilder(URI.create(m.address() + "/readyz"))
                        .timeout(Duration.ofSeconds(1))
                        .GET()
                        .build();
            } catch (IllegalArgumentException e) {
                continue;
            }
            long cutOffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - membership.renewedNanos());
            answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> r.statusCode() == 200 && renewedRecently(r.body(), cutOffMillis))
                    .exceptionally(e -> false));
        }
        if (answers.isEmpty()) {
            asking.set(false);
            return;
        }
        AtomicInteger pending = new AtomicInteger(answers.size());
        AtomicBoolean healthy = new AtomicBoolean();
        for (CompletableFuture<Boolean> a : answers) {
            a.thenAccept(ok -> {
                if (ok && healthy.compareAndSet(false, true)) {
                    peerHealthyUntilNanos = System.nanoTime() + PEER_PROOF_NANOS;
                    if (isolated) {
                        log.warn("This node is cut off from Redis while a peer is healthy: closing its client "
                                + "connections (1012) so that they reconnect to a healthy node");
                        closeClients();
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    asking.set(false);
                }
            });
        }
    }

    /**
     * Whether a peer's {@code /readyz} body says it renewed its lease within two heartbeat intervals (Redis works
     * for it now: when Redis stalls for everyone, a peer's readiness may not have turned yet) and without a gap for
     * at least as long as this node has renewed nothing (so its lease held while this node's lapsed: when Redis
     * comes back from an outage of everyone's, the first node to renew is no proof that the others are cut off).
     */
    private boolean renewedRecently(String body, long cutOffMillis) {
        Matcher age = HEARTBEAT_AGE.matcher(body);
        Matcher held = LEASE_HELD.matcher(body);
        return age.find()
                && Long.parseLong(age.group(1))
                        <= 2 * config.heartbeatInterval().toMillis()
                && held.find()
                && Long.parseLong(held.group(1)) >= cutOffMillis;
    }

    private void closeClients() {
        registry.forEach(r -> {
            ClientConnection owner = r.owner();
            if (owner != null) {
                owner.isolated();
            }
        });
    }
}
