package io.serpentis.gateway.simulate;

/** Test access to the package-private parts of {@link SimulateCommand}. */
public final class SimulateCommandAccess {
    private SimulateCommandAccess() {}

    /** The validated settings of a parsed command; throws {@link IllegalArgumentException} on a bad value. */
    public static SimulatorSettings settings(SimulateCommand command) {
        return command.toSettings();
    }
}
