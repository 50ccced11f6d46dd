package io.serpentis.gateway.fleet;

/**
 * This node cannot join the fleet: another live gateway holds its node id. The message says which and what to do;
 * the gateway refuses to start with it (exit code 1).
 */
public final class FleetJoinException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FleetJoinException(String message) {
        super(message);
    }
}
