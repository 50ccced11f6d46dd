package io.serpentis.gateway.http;

import io.netty.channel.ChannelPipeline;
import java.util.function.Consumer;

/**
 * A WebSocket endpoint: {@link HttpRoutingHandler} forwards upgrades of exactly {@code path} (with or without a
 * query) to the protocol stage, after the access checks, and first lets {@code prepare} adapt the pipeline (e.g.
 * put the endpoint's own frame handler in place). Immutable; shared by every connection.
 *
 * @param path the endpoint's path, e.g. {@code /ws}
 * @param admin whether the upgrade is checked by the admin rules ({@link AccessPolicy#checkAdminUpgrade}) rather
 *     than the WebSocket Origin rule alone ({@link AccessPolicy#checkUpgrade})
 * @param prepare adapts the connection's pipeline once the upgrade is accepted, on its event loop
 */
public record WsEndpoint(String path, boolean admin, Consumer<ChannelPipeline> prepare) {

    /** A client endpoint served by the pipeline as built. */
    public static WsEndpoint of(String path) {
        return forClients(path, p -> {});
    }

    /**
     * A client endpoint: the upgrade passes the origin rule, the connection limits and client authentication
     * ({@link AccessPolicy#admitClient}).
     */
    public static WsEndpoint forClients(String path, Consumer<ChannelPipeline> prepare) {
        return new WsEndpoint(path, false, prepare);
    }

    /** An operator endpoint: the upgrade follows the admin rules ({@link AccessPolicy#checkAdminUpgrade}). */
    public static WsEndpoint admin(String path, Consumer<ChannelPipeline> prepare) {
        return new WsEndpoint(path, true, prepare);
    }
}
