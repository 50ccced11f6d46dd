package io.serpentis.gateway.store;

/**
 * The names of the fleet's Redis keys and channels, in one place. Every key a script touches shares one hash slot
 * with the others it touches (Redis Cluster refuses a script whose keys span slots): the membership keys are tagged
 * {@code {fleet}}, a node's client set and channels {@code {node:<id>}}; client records keep their untagged names
 * ({@code client:<id>:status}, {@link RedisStatusStore#key}), one key per script call.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>name</th><th>type</th><th>content</th></tr>
 *   <tr><td>{@code serpentis:{fleet}:nodes}</td><td>sorted set</td><td>node id, scored by its lease's end (Redis
 *       ms)</td></tr>
 *   <tr><td>{@code serpentis:{fleet}:node:<id>}</td><td>hash</td><td>the node's incarnation, address, start,
 *       lease continuity ({@code since}), last heartbeat, clients, state, feed sequence</td></tr>
 *   <tr><td>{@code serpentis:{fleet}:lost}</td><td>sorted set</td><td>{@code <id>:<incarnation>} of the last lost
 *       nodes, scored by when (ms)</td></tr>
 *   <tr><td>{@code serpentis:{fleet}:lost:<id>:<incarnation>}</td><td>hash, 1 day</td><td>why, last heartbeat,
 *       reaper, clients reaped; its presence tells that life it was declared lost</td></tr>
 *   <tr><td>{@code serpentis:{fleet}:reap-jobs}</td><td>sorted set</td><td>{@code <id>:<incarnation>} whose
 *       clients are being marked offline, scored by the job's lease (ms)</td></tr>
 *   <tr><td>{@code serpentis:{fleet}:history}</td><td>sorted set, 1 hour</td><td>the fleet's samples for the
 *       dashboard's charts, {@code <t>:<connected>:<disconnected>:<updates per second>}, scored by their time
 *       {@code t} (Redis ms, a multiple of the sampling interval), trimmed to the last hour</td></tr>
 *   <tr><td>{@code serpentis:{node:<id>}:clients}</td><td>set</td><td>the ids the node claimed</td></tr>
 *   <tr><td>{@code serpentis:{node:<id>}:inbox}</td><td>(S)PUBLISH channel</td><td>requests to the node</td></tr>
 *   <tr><td>{@code serpentis:{node:<id>}:feed}</td><td>(S)PUBLISH channel</td><td>the node's client changes</td></tr>
 * </table>
 */
public final class FleetKeys {
    /** The live members, scored by the end of their lease. */
    public static final String NODES = "serpentis:{fleet}:nodes";
    /** The lost nodes ({@code <id>:<incarnation>}), scored by when they were lost; the last 100 are kept. */
    public static final String LOST = "serpentis:{fleet}:lost";
    /** Reap jobs ({@code <id>:<incarnation>}), scored by the end of the job's lease. */
    public static final String REAP_JOBS = "serpentis:{fleet}:reap-jobs";
    /** The fleet's history samples, scored by their time (one per sampling interval), the last hour kept. */
    public static final String HISTORY = "serpentis:{fleet}:history";

    private FleetKeys() {}

    /** The hash describing node {@code nodeId}. */
    public static String node(String nodeId) {
        return "serpentis:{fleet}:node:" + nodeId;
    }

    /** The record of a lost life of a node; while it exists, that life is told it was declared lost. */
    public static String lost(String nodeId, String incarnation) {
        return LOST + ":" + nodeId + ":" + incarnation;
    }

    /** {@code <id>:<incarnation>}: a node's life, as the lost and reap-job sets name it. */
    public static String life(String nodeId, String incarnation) {
        return nodeId + ":" + incarnation;
    }

    /** The set of client ids node {@code nodeId} claimed. */
    public static String clients(String nodeId) {
        return "serpentis:{node:" + nodeId + "}:clients";
    }

    /** The channel of requests to node {@code nodeId} (kicks, commands, replies). */
    public static String inbox(String nodeId) {
        return "serpentis:{node:" + nodeId + "}:inbox";
    }

    /** The channel on which node {@code nodeId} publishes its clients' changes. */
    public static String feed(String nodeId) {
        return "serpentis:{node:" + nodeId + "}:feed";
    }
}
