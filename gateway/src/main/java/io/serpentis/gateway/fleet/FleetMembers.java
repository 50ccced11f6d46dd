package io.serpentis.gateway.fleet;

import io.serpentis.gateway.registry.NodeIdentity;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The fleet as this node sees it, from memory: its member table, refreshed by every heartbeat (each heartbeat
 * brings the whole table back from Redis), and the nodes lost recently. Reading never waits for Redis.
 *
 * <p>Thread-safe; listeners are called on the fleet's membership thread and must return quickly.
 */
public interface FleetMembers {

    /** How fresh a member's heartbeat is. */
    enum State {
        /** It renewed its lease within the last two heartbeat intervals. */
        LIVE,
        /** It did not (a pause, a slow link, or about to be declared lost); its clients are not touched yet. */
        STALE
    }

    /**
     * A live member: one life of a node.
     *
     * @param nodeId its id
     * @param incarnation its life
     * @param address its HTTP address ({@code http://host:port})
     * @param state {@link State#LIVE} or {@link State#STALE}
     * @param startedMillis when this life started (epoch ms)
     * @param lastHeartbeatMillis when it last renewed its lease (Redis time, epoch ms)
     * @param leaseEndMillis when its lease ends (Redis time, epoch ms)
     * @param clients connections it holds, as of its last heartbeat
     * @param feedSeq the sequence number of its latest feed message, as of its last heartbeat
     * @param updatesPerSecond the status updates it acknowledged per second over its last history sample, as of its
     *     last heartbeat ({@link FleetHistory})
     */
    record Member(
            String nodeId,
            String incarnation,
            String address,
            State state,
            long startedMillis,
            long lastHeartbeatMillis,
            long leaseEndMillis,
            int clients,
            long feedSeq,
            double updatesPerSecond) {}

    /**
     * A node's life that ended recently.
     *
     * @param nodeId its id
     * @param incarnation its life
     * @param address its HTTP address
     * @param lostAtMillis when it was declared lost or left (Redis time, epoch ms)
     * @param why {@code lease_expired} (its lease ran out), {@code left} (a graceful stop) or {@code restarted}
     *     (a new life of the same id replaced it)
     * @param lastHeartbeatMillis its last heartbeat (epoch ms), 0 when unknown
     * @param recordedBy the node that recorded the loss
     * @param clientsReaped its clients that were marked offline for it
     */
    record LostNode(
            String nodeId,
            String incarnation,
            String address,
            long lostAtMillis,
            String why,
            long lastHeartbeatMillis,
            String recordedBy,
            int clientsReaped) {}

    /** Told how the member table changes. On the membership thread; return quickly. */
    interface Listener {
        /** {@code member} appeared (a node started, or this node saw it for the first time). */
        default void joined(Member member) {}

        /** Node {@code now.nodeId()} started a new life ({@code before} was its previous one). */
        default void incarnationChanged(Member before, Member now) {}

        /**
         * {@code member} is no longer a member: it left or was declared lost ({@code lost} says which and when, or
         * is {@code null} when this node has not read the record yet).
         */
        default void gone(Member member, @Nullable LostNode lost) {}
    }

    /** This node's current life, or {@code null} before it joined. */
    @Nullable
    NodeIdentity self();

    /** The members in the table, this node included, sorted by id. */
    List<Member> members();

    /** The member with {@code nodeId}, or {@code null}. */
    @Nullable
    Member member(String nodeId);

    /** Nodes lost recently (at most 100, the last day), the most recent first. */
    List<LostNode> lost();

    /** Registers {@code listener}. */
    void addListener(Listener listener);
}
