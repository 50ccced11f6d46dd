package io.serpentis.gateway.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One {@code redis-server} process (a data node, a cluster node or a sentinel) on a loopback port, for the Redis
 * fixtures: started, killed ({@code SIGKILL}), stopped and resumed ({@code SIGSTOP}/{@code SIGCONT}) by its own PID,
 * restarted with the same arguments and directory. {@link #call} speaks RESP over a fresh socket, so that a fixture
 * can ask a node about itself without a client library, and {@link #await} polls a condition.
 */
public final class RedisProcess implements AutoCloseable {
    private final List<String> command;
    private final int port;
    private final Path dir;
    private @Nullable Process process;

    private RedisProcess(List<String> command, int port, Path dir) {
        this.command = List.copyOf(command);
        this.port = port;
        this.dir = dir;
    }

    /**
     * A data or cluster node: {@code redis-server --port <port> --bind 127.0.0.1 --dir <dir> ...} with nothing
     * kept on disk unless {@code options} says otherwise, started and answering {@code PING}.
     */
    public static RedisProcess server(String binary, int port, Path dir, String... options) {
        List<String> cmd = new ArrayList<>(List.of(
                binary,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--logfile",
                dir.resolve("redis.log").toString()));
        cmd.addAll(List.of(options));
        RedisProcess p = new RedisProcess(cmd, port, dir);
        p.start();
        return p;
    }

    /** A sentinel: {@code redis-server <dir>/sentinel.conf --sentinel}, the file holding {@code config}. */
    public static RedisProcess sentinel(String binary, int port, Path dir, String config) {
        Path file = dir.resolve("sentinel.conf");
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    file,
                    "port " + port + "\nbind 127.0.0.1\ndir " + dir + "\nlogfile " + dir.resolve("sentinel.log") + "\n"
                            + config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisProcess p = new RedisProcess(List.of(binary, file.toString(), "--sentinel"), port, dir);
        p.start();
        return p;
    }

    /** Starts the process (again, after {@link #kill}) and waits until it answers {@code PING}. */
    public void start() {
        try {
            Files.createDirectories(dir);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("stdout.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await(Duration.ofSeconds(15), "redis-server on port " + port + " answers PING", () -> {
            try {
                return "PONG".equals(call("PING"));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Whether the process runs. */
    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** {@code kill -9}, by PID, and waits for the process to be gone. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.toHandle().destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code kill -STOP}: the process holds its sockets open and answers nothing. */
    public void pause() {
        signal("STOP");
    }

    /** {@code kill -CONT}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null) {
            throw new IllegalStateException("not started");
        }
        ExternalTools.Result r =
                ExternalTools.run(dir, null, List.of("kill", "-" + name, Long.toString(process.pid())));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kill -" + name + " failed: " + r.output());
        }
    }

    /**
     * Sends one command and returns its reply: a {@code String} (simple or bulk), a {@code Long}, a {@code List}
     * or {@code null}; an error reply throws {@link IllegalStateException}. A fresh connection each time, with a
     * 2 s timeout.
     */
    public @Nullable Object call(String... args) {
        return call(port, args);
    }

    /** {@link #call} against any loopback port. */
    public static @Nullable Object call(int port, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                req.append('$')
                        .append(a.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(a)
                        .append("\r\n");
            }
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(new BufferedInputStream(s.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("port " + port + ": " + e.getMessage(), e);
        }
    }

    /** A field of {@code INFO <section>} (or {@code CLUSTER INFO} for section {@code cluster-info}), or null. */
    public @Nullable String info(String section, String field) {
        Object reply = section.equals("cluster-info") ? call("CLUSTER", "INFO") : call("INFO", section);
        for (String line : String.valueOf(reply).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    private static @Nullable Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n + 2);
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("not RESP: " + (char) type + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\r'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.write(c);
        }
        in.read(); // '\n'
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Polls {@code condition} every 50 ms until it holds, else fails after {@code timeout} saying {@code what}. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Kills the process if it runs ({@code SIGKILL} ends a stopped process too). */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.toHandle().destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "redis-server " + address() + (process != null ? " (pid " + process.pid() + ")" : "");
    }
}
