package io.serpentis.gateway;

import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.CommandResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A registered connection with no network behind it, for benchmarks of the registry and what listens to it. */
public record NoopConnection(String connectionId) implements ClientConnection {
    @Override
    public void superseded() {}

    @Override
    public boolean isSuperseded() {
        return false;
    }

    @Override
    public void isolated() {}

    @Override
    public CompletionStage<CommandResult> deliver(ClientCommand command, Runnable written) {
        written.run();
        return CompletableFuture.completedFuture(CommandResult.SENT);
    }
}
