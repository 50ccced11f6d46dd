package io.serpentis.gateway.testing;

import io.serpentis.gateway.registry.ClientCommand;
import io.serpentis.gateway.registry.ClientConnection;
import io.serpentis.gateway.registry.CommandResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link ClientConnection} with no network behind it, for driving the registry through its own API: records
 * the commands delivered to it and whether it was superseded or isolated. Not a fake of the gateway: the registry
 * under test is the real one.
 */
public final class RecordingConnection implements ClientConnection {
    private final String id;
    private final List<ClientCommand> delivered = new CopyOnWriteArrayList<>();
    private volatile boolean superseded;
    private volatile boolean isolated;
    private volatile Consumer<ClientCommand> answer = c -> {};

    public RecordingConnection(String id) {
        this.id = id;
    }

    public RecordingConnection() {
        this("test");
    }

    /**
     * What the client does as soon as a command's frame is out, before the delivery's stage is returned (as a
     * client may answer while the thread that asked has not yet looked at the stage).
     */
    public RecordingConnection answering(Consumer<ClientCommand> answer) {
        this.answer = answer;
        return this;
    }

    /** The commands delivered so far, in order. */
    public List<ClientCommand> delivered() {
        return delivered;
    }

    @Override
    public String connectionId() {
        return id;
    }

    @Override
    public void superseded() {
        superseded = true;
    }

    @Override
    public boolean isSuperseded() {
        return superseded;
    }

    @Override
    public void isolated() {
        isolated = true;
    }

    /** Whether {@link #isolated()} was called. */
    public boolean wasIsolated() {
        return isolated;
    }

    @Override
    public CompletionStage<CommandResult> deliver(ClientCommand command, Runnable written) {
        delivered.add(command);
        written.run();
        answer.accept(command);
        return CompletableFuture.completedFuture(CommandResult.SENT);
    }
}
