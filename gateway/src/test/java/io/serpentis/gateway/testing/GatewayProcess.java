package io.serpentis.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's executable jar ({@code target/serpentis-gateway.jar}, built by the package phase) run as its own
 * process, as an operator runs it: for what only a real process shows (SIGTERM, a crash, the command line).
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on /[^:]+:(\\d+)");

    private final Process process;
    private final Thread reader;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final int port;

    private GatewayProcess(List<String> prefix, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command(args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            output.add(line);
                            Matcher m = LISTENING.matcher(line);
                            if (m.find()) {
                                listening.complete(Integer.parseInt(m.group(1)));
                            }
                        }
                        listening.completeExceptionally(new IllegalStateException("exited: " + output));
                    } catch (IOException e) {
                        listening.completeExceptionally(e);
                    }
                },
                "gateway-output");
        reader.setDaemon(true);
        reader.start();
        port = listening.get(60, TimeUnit.SECONDS);
    }

    /** {@code java -jar target/serpentis-gateway.jar args...}, with this JVM's {@code java}. */
    public static List<String> command(List<String> args) {
        Path jar = Path.of("target", "serpentis-gateway.jar");
        if (!jar.toFile().isFile()) {
            throw new IllegalStateException(jar + " is missing: run the package phase first");
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toAbsolutePath().toString()));
        cmd.addAll(args);
        return cmd;
    }

    /** Starts the jar with {@code args} and waits until it listens. */
    public static GatewayProcess start(String... args) throws Exception {
        return new GatewayProcess(List.of(), List.of(args));
    }

    /**
     * Starts the jar with {@code args} behind {@code prefix} (a command that execs the rest, such as
     * {@code setpriv --reuid=2001 ...}) and waits until it listens.
     */
    public static GatewayProcess startWithPrefix(List<String> prefix, String... args) throws Exception {
        return new GatewayProcess(prefix, List.of(args));
    }

    /**
     * Starts the jar with {@code args} under a limit of {@code maxOpenFiles} file descriptors (soft and hard, so the
     * JVM cannot raise it), through {@code sh -c 'ulimit -n ...; exec java ...'}, and waits until it listens.
     */
    public static GatewayProcess startWithFileLimit(int maxOpenFiles, String... args) throws Exception {
        return new GatewayProcess(
                List.of("sh", "-c", "ulimit -n " + maxOpenFiles + " && exec \"$@\"", "sh"), List.of(args));
    }

    public int port() {
        return port;
    }

    public URI httpUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    /** Every line the process printed so far. */
    public List<String> output() {
        return output;
    }

    /** The process's id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    /** The exit code, once the process exited. */
    public int exitCode() {
        return process.exitValue();
    }

    /** {@code kill -STOP}: the process holds its sockets open and does nothing at all. */
    public void pause() {
        signal("STOP");
    }

    /** {@code kill -CONT}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        ExternalTools.Result r =
                ExternalTools.run(Path.of("."), null, List.of("kill", "-" + name, Long.toString(process.pid())));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kill -" + name + " failed: " + r.output());
        }
    }

    /** SIGTERM, keeping our end of the output pipe open (unlike {@link Process#destroy()}). */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL: a crash. */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits for the process to exit, then for its last output lines. */
    public boolean waitFor(long seconds) throws InterruptedException {
        boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
        if (exited) {
            reader.join(5000);
        }
        return exited;
    }

    @Override
    public void close() {
        process.destroyForcibly(); // SIGKILL ends a stopped process too
        // Wait for the exit: a node still alive after the next test's FLUSHALL would write its records into it.
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gateway process " + process.pid() + " outlived SIGKILL by 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
