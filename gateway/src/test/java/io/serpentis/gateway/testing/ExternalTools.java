package io.serpentis.gateway.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binaries the tests run from {@code PATH} (Debian's {@code prometheus} package for {@code promtool} and
 * {@code prometheus}; {@code .ci/run} installs it). A missing required binary skips the test with the reason,
 * except under {@code CI=true}, where it fails: CI never skips what it claims to test.
 */
public final class ExternalTools {
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
            String why = name + " is not on PATH: install Debian's " + debianPackage + " package";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why + " (CI must install it: see .ci/run)");
            }
            assumeTrue(false, why + "; test skipped");
        }
        return found;
    }

    /** The repository's root directory (tests run in the {@code gateway} module's directory). */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !dir.resolve("prometheus.yml").toFile().isFile()) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no prometheus.yml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Runs {@code command} in {@code dir} with {@code stdin} as its input, waiting up to a minute. */
    public static Result run(Path dir, @Nullable String stdin, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within 60 s: " + out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
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
