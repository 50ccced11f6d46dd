package io.serpentis.gateway.ws;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * Every close code the gateway sends. Standard codes reuse Netty's constants; the gateway's own codes are in the
 * private-use range 4000-4999 (RFC 6455 section 7.4.2).
 */
public final class WsCloseCodes {
    /** 1000: after {@code client_id is required} (as the original) and after an operator's disconnect. */
    public static final WebSocketCloseStatus NORMAL = WebSocketCloseStatus.NORMAL_CLOSURE;
    /** 1001: the gateway is shutting down. */
    public static final WebSocketCloseStatus GOING_AWAY = new WebSocketCloseStatus(1001, "Gateway shutting down");
    /** 1003: a binary frame; the protocol is JSON text. */
    public static final WebSocketCloseStatus BINARY_UNSUPPORTED =
            new WebSocketCloseStatus(1003, "Binary frames are not supported");
    /** 1009: a frame or message over {@code max-frame-bytes}. */
    public static final WebSocketCloseStatus TOO_BIG = new WebSocketCloseStatus(1009, "Message too big");
    /** 1008: the connection's messages kept being refused for {@code --rate-limit-close-after}. */
    public static final WebSocketCloseStatus RATE_LIMITED =
            new WebSocketCloseStatus(1008, "Message rate limit exceeded");
    /** 1008: the peer left its replies unread for {@code --slow-consumer-timeout}; sent best effort. */
    public static final WebSocketCloseStatus SLOW_CONSUMER = new WebSocketCloseStatus(1008, "Replies not read");
    /** 1008: a {@code client_id} other than the subject of the connection's token. */
    public static final WebSocketCloseStatus SUBJECT_MISMATCH =
            new WebSocketCloseStatus(1008, "client_id does not match the token");
    /** 1008: the JWT the connection was opened with expired; reconnect with a fresh one. */
    public static final WebSocketCloseStatus TOKEN_EXPIRED = new WebSocketCloseStatus(1008, "Token expired");
    /** 1011: an unexpected server error. */
    public static final WebSocketCloseStatus INTERNAL_ERROR = WebSocketCloseStatus.INTERNAL_SERVER_ERROR;
    /**
     * 1012 (Service Restart): the gateway is cut off from Redis while a peer of its fleet is healthy; reconnect (to
     * a healthy node).
     */
    public static final WebSocketCloseStatus ISOLATED = new WebSocketCloseStatus(1012, "Gateway isolated from Redis");
    /** 1013: a dashboard viewer beyond {@code --feed-max-viewers}; try again later. */
    public static final WebSocketCloseStatus TRY_AGAIN_LATER =
            new WebSocketCloseStatus(1013, "Too many dashboard viewers");
    /** 4001: a newer connection registered the same {@code client_id}; this one is closed. */
    public static final WebSocketCloseStatus SUPERSEDED =
            new WebSocketCloseStatus(4001, "Replaced by a newer connection for this client_id");
    /** 4002: nothing, not even a pong, arrived within the liveness timeout. */
    public static final WebSocketCloseStatus LIVENESS_TIMEOUT = new WebSocketCloseStatus(4002, "Liveness timeout");
    /**
     * 4003: a dashboard viewer that did not read what it was sent for {@code --feed-slow-viewer-timeout}; it may
     * reconnect and starts again from a snapshot.
     */
    public static final WebSocketCloseStatus VIEWER_TOO_SLOW =
            new WebSocketCloseStatus(4003, "Dashboard viewer too slow");

    /** The reason text of an operator's disconnect (the original's). */
    public static final String SERVER_DISCONNECT_REASON = "Server initiated disconnect";

    private WsCloseCodes() {}
}
