package io.serpentis.gateway.store;

import io.lettuce.core.RedisFuture;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.ClientRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Durable acknowledgements ({@code --redis-ack-mode durable}), the writer's side: after each burst, tells each
 * written client's connection that Redis holds its record at the version written
 * ({@link ClientConnection#stored}), so that the connection acknowledges every update up to it.
 *
 * <p>With replicas ({@code --redis-ack-replicas N}), first {@code WAIT N} on the write connection: Redis answers once
 * N replicas hold every write sent on that connection before it, or after the timeout with fewer. Clients whose
 * replicas do not hold them yet wait here (the newest version of each: bounded by the number of clients) and are
 * tried again after the next burst, or while the writer is idle. A dropped connection (a reconnect, a failover)
 * forgets them unacknowledged: {@code WAIT} on the new connection says nothing of the old one's writes, and the
 * writer's resync writes every client again, which acknowledges them then.
 *
 * <p>Threading: the writer thread only, except {@link #connectionLost()}.
 */
final class DurableAcks {
    private final int replicas;
    private final long waitMillis;
    private final Map<ClientRecord, Long> unreplicated = new HashMap<>();
    /** Counts dropped connections: what waits was written in session {@link #unreplicatedSession}. */
    private volatile long session;

    private long unreplicatedSession;

    /**
     * @param replicas how many replicas must hold a write before its ack (0: the master's answer is enough)
     * @param wait how long one {@code WAIT} may block the writer (below the command timeout)
     */
    DurableAcks(int replicas, Duration wait) {
        this.replicas = replicas;
        this.waitMillis = Math.max(1, wait.toMillis());
    }

    /** A burst settled: {@code stored} are the writes Redis holds now. */
    void settled(List<WriteBurst.PendingWrite> stored, RedisDeployment.Connection connection, ReplyAwaiter replies) {
        if (replicas == 0) {
            for (WriteBurst.PendingWrite p : stored) {
                notify(p.record(), p.write().version());
            }
            return;
        }
        forgetIfLost();
        for (WriteBurst.PendingWrite p : stored) {
            unreplicated.merge(p.record(), p.write().version(), Math::max);
        }
        retry(connection, replies);
    }

    /** Waits (at most the wait) for the replicas to hold what waits for them, and acknowledges it if they do. */
    void retry(RedisDeployment.Connection connection, ReplyAwaiter replies) {
        forgetIfLost();
        if (unreplicated.isEmpty()) {
            return;
        }
        long held;
        try {
            RedisFuture<Long> reply = connection.commands().waitForReplication(replicas, waitMillis);
            connection.stateful().flushCommands();
            held = replies.await(reply.toCompletableFuture());
        } catch (RuntimeException e) {
            return; // tried again later; the writer logs what is wrong with the connection
        }
        if (held >= replicas && session == unreplicatedSession) {
            unreplicated.forEach(DurableAcks::notify);
            unreplicated.clear();
        }
    }

    /** Whether writes wait for replicas. */
    boolean waiting() {
        return !unreplicated.isEmpty();
    }

    /** A connection dropped: what waits is acknowledged only once written again. Any thread. */
    void connectionLost() {
        session++; // NOPMD: one writer (the Lettuce event loop reporting the drop); readers take a fresh value
    }

    private void forgetIfLost() {
        long now = session;
        if (now != unreplicatedSession) {
            unreplicated.clear();
            unreplicatedSession = now;
        }
    }

    private static void notify(ClientRecord record, long version) {
        ClientConnection owner = record.owner();
        if (owner != null) {
            owner.stored(version);
        }
    }
}
