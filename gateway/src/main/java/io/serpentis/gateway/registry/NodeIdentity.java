package io.serpentis.gateway.registry;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * One life of a gateway node: its stable id, the incarnation drawn when this life started, and the HTTP address its
 * peers reach it at. Node id and incarnation together name the node's life in the fleet: a restarted node keeps its
 * id and draws a new incarnation, and so does a node that the fleet declared lost while it was paused, when it
 * comes back.
 *
 * @param nodeId the node's id ({@code --node-id}), kept in every client record it holds ({@code gateway_node})
 * @param incarnation {@code <start epoch ms>-<6 hex digits>}, drawn once per life ({@link #newIncarnation()}), kept
 *     in every client record this life claims ({@code gateway_incarnation})
 * @param address the node's HTTP address as its peers reach it ({@code http://host:port})
 */
public record NodeIdentity(String nodeId, String incarnation, String address) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public NodeIdentity {
        if (nodeId.isBlank() || incarnation.isBlank() || address.isBlank()) {
            throw new IllegalArgumentException("node id, incarnation and address must not be blank");
        }
    }

    /** A new life of node {@code nodeId} at {@code address}, with a fresh incarnation. */
    public static NodeIdentity create(String nodeId, String address) {
        return new NodeIdentity(nodeId, newIncarnation(), address);
    }

    /** The same node at the same address in a new life (a fresh incarnation). */
    public NodeIdentity nextLife() {
        return create(nodeId, address);
    }

    /** {@code <epoch ms>-<6 hex digits>}: sorts by start time, and two lives started in one millisecond differ. */
    public static String newIncarnation() {
        byte[] random = new byte[3];
        RANDOM.nextBytes(random);
        return System.currentTimeMillis() + "-" + HexFormat.of().formatHex(random);
    }

    @Override
    public String toString() {
        return nodeId + " (" + incarnation + ", " + address + ")";
    }
}
