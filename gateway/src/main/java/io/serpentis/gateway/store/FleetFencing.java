package io.serpentis.gateway.store;

import io.serpentis.gateway.registry.NodeIdentity;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What the Redis store of a fleet member needs from the fleet, and what it tells the fleet: the life of this node
 * its claims carry ({@link #identity()}), whether it may write at all ({@link #writable()}), and the events only the
 * writes find out about: a claim that took a client from another node (which must let its connection go), and a
 * write that found this node's life declared lost.
 *
 * <p>The store writes only while the node is a member in good standing: from the fleet's {@link #join} until the
 * node is found lost ({@link #suspend}), and again once it joined in a new life. A write built while suspended
 * would carry a life the fleet buried.
 *
 * <p>Thread-safe: the membership thread joins and suspends, the writer thread reads and reports; listeners are
 * called on the writer thread and must not block.
 */
public final class FleetFencing {

    /** Told what the store's writes find out. Called on the writer thread: hand off, never block. */
    public interface Listener {
        /**
         * A claim of this node took {@code clientId} from {@code previousNode}, whose connection held it: that node
         * must close its connection.
         *
         * @param newEpoch the epoch this node holds now (the previous owner lets go if it holds an older one)
         */
        default void claimedFrom(String clientId, String previousNode, long newEpoch) {}

        /** Redis says the fleet declared life {@code incarnation} of this node lost (its clients were reaped). */
        default void lifeLost(String incarnation) {}
    }

    private final String nodeId;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> writableListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong fencedWrites = new AtomicLong();
    private final AtomicLong claimsRefused = new AtomicLong();
    private volatile @Nullable NodeIdentity identity;
    private volatile boolean suspended;

    /** @param nodeId this node's id ({@code --node-id}) */
    public FleetFencing(String nodeId) {
        this.nodeId = nodeId;
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** The life of this node the store's claims carry, or {@code null} before the node joined. */
    public @Nullable NodeIdentity identity() {
        return identity;
    }

    /** Whether the store may write: the node joined the fleet and was not found lost since. */
    public boolean writable() {
        return identity != null && !suspended;
    }

    /** The node joined the fleet as {@code life} (its first, or a new one after it was found lost). */
    public void join(NodeIdentity life) {
        if (!life.nodeId().equals(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " cannot join as " + life);
        }
        identity = life;
        suspended = false;
        writableListeners.forEach(Runnable::run);
    }

    /** The node's current life was found lost: the store stops writing until it {@link #join joins} again. */
    public void suspend() {
        suspended = true;
    }

    /** Whether the store is held back since the node's life was found lost. */
    public boolean suspended() {
        return suspended;
    }

    /** Registers {@code listener} for what the writes find out. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Runs {@code wake} whenever the store becomes writable (the writer parks while it is not). */
    void onWritable(Runnable wake) {
        writableListeners.add(wake);
    }

    /** Writes Redis refused because another node owns their client now (claims refused included). */
    public long fencedWrites() {
        return fencedWrites.get();
    }

    /** Claims refused because a newer connection elsewhere holds the client. */
    public long claimsRefused() {
        return claimsRefused.get();
    }

    // ---- reported by the writer

    void fenced(boolean claim) {
        fencedWrites.incrementAndGet();
        if (claim) {
            claimsRefused.incrementAndGet();
        }
    }

    void claimedFrom(String clientId, String previousNode, long newEpoch) {
        for (Listener l : listeners) {
            l.claimedFrom(clientId, previousNode, newEpoch);
        }
    }

    void lifeLost(String incarnation) {
        NodeIdentity life = identity;
        if (life != null && life.incarnation().equals(incarnation)) {
            suspended = true;
        }
        for (Listener l : listeners) {
            l.lifeLost(incarnation);
        }
    }
}
