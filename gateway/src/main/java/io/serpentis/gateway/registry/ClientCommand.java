package io.serpentis.gateway.registry;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The operator commands a client can be sent, each as {@code {"command": "<wire name>"}}. */
public enum ClientCommand {
    /** Ask the client to pause; the server records {@code client_state: paused} once the frame is written. */
    PAUSE("paused"),
    /** Ask the client to resume; the server records {@code client_state: running} once the frame is written. */
    RESUME("running"),
    /** Ask the client to leave; the connection closes after the disconnect grace. */
    DISCONNECT(null);

    private final @Nullable String clientState;
    private final String wireName;

    ClientCommand(@Nullable String clientState) {
        this.clientState = clientState;
        this.wireName = name().toLowerCase(Locale.ROOT);
    }

    /** The {@code command} value on the wire: {@code pause}, {@code resume} or {@code disconnect}. */
    public String wireName() {
        return wireName;
    }

    /** The {@code client_state} the server records once the command is written, if any. */
    public @Nullable String clientState() {
        return clientState;
    }

    /** The command with this wire name, or {@code null}. */
    public static @Nullable ClientCommand fromWireName(String name) {
        return switch (name) {
            case "pause" -> PAUSE;
            case "resume" -> RESUME;
            case "disconnect" -> DISCONNECT;
            default -> null;
        };
    }
}
