package io.serpentis.gateway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for a test class, on a free loopback port: the {@code redis-server} binary from PATH (Debian's
 * package; {@code .ci/run} installs it), or a Testcontainers container where a Docker engine runs and the binary
 * is missing. Without either the class is skipped with the reason, except under {@code CI=true}, where a missing
 * binary fails the run: CI never skips what it claims to test.
 *
 * <p>The server keeps nothing on disk ({@code save ""}, no AOF), so {@link #restart()} brings it back empty, as a
 * Redis restart without persistence does. Faults are real: the process is stopped and started, paused with
 * {@code CLIENT PAUSE}, its connections killed with {@code CLIENT KILL}.
 *
 * <p>The shared setup of the Redis tests: every test starts on an empty Redis ({@code FLUSHALL} before each), and
 * {@link #startGateway} starts a gateway that writes to it and is closed after the test.
 */
public final class RedisServerExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /** The gateways' command timeout: short, so that a stall shows within a test. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    /** The gateways' longest wait between reconnects: short, so that a restart is noticed within a test. */
    public static final Duration RECONNECT_MAX_DELAY = Duration.ofMillis(300);

    private final List<GatewayServer> gateways = new ArrayList<>();
    private int port;
    private Process process;
    private GenericContainer<?> container;
    private Path dir;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String binary = ExternalTools.find("redis-server");
        if (binary == null) {
            boolean docker = false;
            try {
                docker = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | Error e) {
                docker = false;
            }
            if (!docker) {
                ExternalTools.skipOrFail(
                        "redis-server is not on PATH and no Docker engine runs (install Debian's " + "redis-server)");
            }
        }
        port = ExternalTools.freePort();
        dir = Files.createTempDirectory("redis-test");
        if (binary != null) {
            startProcess(binary);
        } else {
            startContainer();
        }
    }

    private void startProcess(String binary) throws Exception {
        process = new ProcessBuilder(
                        binary,
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--protected-mode",
                        "no",
                        "--dir",
                        dir.toString(),
                        "--logfile",
                        dir.resolve("redis.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        awaitUp();
    }

    @SuppressWarnings("resource")
    private void startContainer() {
        container = new GenericContainer<>("redis:7.0").withCommand("redis-server", "--save", "", "--appendonly", "no");
        container.setPortBindings(List.of(port + ":6379"));
        container.start();
        awaitUp();
    }

    private void awaitUp() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (client == null) {
                    client = RedisClient.create(url());
                }
                connection = client.connect();
                connection.sync().ping();
                return;
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
        throw new IllegalStateException("redis-server did not come up on port " + port, last);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        commands().flushall();
    }

    /**
     * Starts a gateway that writes to this Redis, closed after the test that started it. Faults show fast: commands
     * time out after {@link #COMMAND_TIMEOUT}, reconnects wait at most {@link #RECONNECT_MAX_DELAY}; {@code customizer}
     * sets the rest (node id, registry, flush interval) or changes these.
     */
    public GatewayServer startGateway(UnaryOperator<GatewayConfig> customizer) throws InterruptedException {
        GatewayServer gateway = new GatewayServer(customizer.apply(GatewayServerExtension.testDefaults()
                        .withRedis(r -> r.withUrl(url())
                                .withCommandTimeout(COMMAND_TIMEOUT)
                                .withReconnectMaxDelay(RECONNECT_MAX_DELAY))))
                .start();
        gateways.add(gateway);
        return gateway;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeGateways();
    }

    private void closeGateways() {
        gateways.forEach(GatewayServer::close);
        gateways.clear();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Synchronous commands for assertions and fault injection (not the gateway's connection). */
    public RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /** Stops the server (the gateway's connections drop). */
    public void stop() throws InterruptedException {
        if (connection != null) {
            connection.close();
            connection = null;
        }
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } else if (container != null) {
            container.stop();
        }
    }

    /** Starts it again on the same port, empty. */
    public void start() throws Exception {
        if (process != null) {
            startProcess(process.info().command().orElse(ExternalTools.find("redis-server")));
        } else {
            startContainer();
        }
    }

    /** Stops and starts again, empty (a restart without persistence). */
    public void restart() throws Exception {
        stop();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        closeGateways();
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (process != null) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (container != null) {
            container.stop();
        }
    }
}
