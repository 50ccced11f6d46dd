package io.serpentis.gateway.autobahn;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.ws.WsFrameHandler;
import java.util.concurrent.CountDownLatch;

/**
 * The echo peer that Autobahn|Testsuite's fuzzing client tests: the real {@link GatewayServer} (same
 * initializer, decoder limits and close handling as production) with its WebSocket endpoint in
 * {@link WsFrameHandler.Mode#ECHO}, at the production path {@code /ws}, on loopback. Only the handling of text and
 * binary messages differs from production (they are echoed); close frames, pings, size limits and protocol
 * violations take the production code paths.
 *
 * <p>{@link AutobahnIT} starts it on a free port. For a manual run (an external {@code wstest}, a browser), after
 * {@code mvn install -DskipTests}, on {@code ws://127.0.0.1:38712/ws} until Ctrl-C:
 * <pre>
 * mvn -pl gateway org.codehaus.mojo:exec-maven-plugin:3.5.1:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.serpentis.gateway.autobahn.AutobahnEchoServer [-Dexec.args=PORT]
 * </pre>
 */
public final class AutobahnEchoServer {
    /** The port {@link #main} listens on when none is given; unusual on purpose (9001 is Autobahn's default). */
    public static final int DEFAULT_PORT = 38712;

    private AutobahnEchoServer() {}

    /**
     * The configuration under test: every default (64 KiB frames and messages, which covers cases 1-7: their
     * largest message, 1.1.7/1.1.8/1.2.7/1.2.8, is exactly 65536 bytes), bound to {@code 127.0.0.1:port}.
     */
    public static GatewayConfig config(int port) {
        return GatewayConfig.defaults().withServer(s -> s.withHost("127.0.0.1").withPort(port));
    }

    /** Starts the echo gateway on {@code 127.0.0.1:port} ({@code 0} picks a free port). */
    public static GatewayServer start(int port) throws InterruptedException {
        return new GatewayServer(config(port), WsFrameHandler.Mode.ECHO).start();
    }

    /** Runs until the process is stopped (Ctrl-C) or this thread is interrupted. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        GatewayServer server = start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "autobahn-echo-shutdown"));
        System.out.println("Autobahn echo peer listening at " + server.wsUri());
        try {
            new CountDownLatch(1).await();
        } finally {
            server.close();
        }
    }
}
