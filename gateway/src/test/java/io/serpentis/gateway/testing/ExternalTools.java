package io.serpentis.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Binaries the tests run from {@code PATH} (Debian's {@code prometheus} package for {@code promtool} and
 * {@code prometheus}; {@code .ci/run} installs it). A missing required binary skips the test with the reason,
 * except under {@code CI=true}, where it fails: CI never skips what it claims to test. That rule is
 * {@link #skipOrFail}, for every fixture that needs something from the machine (Redis, the browser, tools).
 */
public final class ExternalTools {
    /** How long {@link #run(Path, String, List)} waits for a tool. */
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    private ExternalTools() {}

    /** The result of a finished process. */
    public record Result(int exitCode, String output) {}

    /** The absolute path of {@code name} on {@code PATH}, or {@code null}. */
    public static @Nullable String find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** {@code name} from {@code PATH}; skips the test without it (fails under {@code CI=true}). */
    public static String require(String name, String debianPackage) {
        String found = find(name);
        if (found == null) {
            skipOrFail(name + " is not on PATH: install Debian's " + debianPackage + " package");
        }
        return found;
    }

    /**
     * The machine lacks what a test needs ({@code missing} says what, and how to install it): the test is skipped
     * with that reason, except under {@code CI=true}, where it fails. Always throws.
     */
    public static void skipOrFail(String missing) {
        skipOrFail(missing, "true".equalsIgnoreCase(System.getenv("CI")));
    }

    static void skipOrFail(String missing, boolean ci) {
        if (ci) {
            fail(missing + " (CI=true, so this fails: CI must install it, see .ci/run)");
        }
        Assumptions.abort(missing + "; test skipped");
    }

    /** The repository's root directory (tests run in the {@code gateway} module's directory). */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !dir.resolve("prometheus.yml").toFile().isFile()) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no prometheus.yml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Runs {@code command} in {@code dir} with {@code stdin} as its input, waiting up to {@link #RUN_TIMEOUT}. */
    public static Result run(Path dir, @Nullable String stdin, List<String> command) {
        return run(dir, stdin, RUN_TIMEOUT, command);
    }

    /**
     * Runs {@code command} in {@code dir} with {@code stdin} as its input and fails if it has not finished within
     * {@code timeout}, with what it printed so far. Input and output go through files, so that a tool which hangs
     * (or leaves a child holding its output open) cannot hang the test.
     */
    public static Result run(Path dir, @Nullable String stdin, Duration timeout, List<String> command) {
        Path in = null;
        Path out = null;
        try {
            in = Files.createTempFile("tool-in", ".txt");
            out = Files.createTempFile("tool-out", ".txt");
            Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(in.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish within " + timeout.toSeconds() + " s: "
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            deleteQuietly(in);
            deleteQuietly(out);
        }
    }

    private static void deleteQuietly(@Nullable Path file) {
        if (file != null) {
            file.toFile().delete();
        }
    }

    /** A free TCP port on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
