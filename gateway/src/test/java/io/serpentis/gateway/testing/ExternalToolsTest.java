package io.serpentis.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Running the machine's tools, and the one rule for what a test does when the machine lacks one. */
class ExternalToolsTest {

    @Test
    void runsAToolWithItsInputAndReturnsItsExitCodeAndOutput() {
        ExternalTools.Result r = ExternalTools.run(Path.of("."), "hello\n", List.of("sh", "-c", "cat; exit 3"));

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.output()).isEqualTo("hello\n");
    }

    @Test
    void aToolThatHangsFailsAtTheTimeoutWithWhatItPrinted() {
        // A hung tool holds its output open: reading it before the wait would block until the tool ends (30 s).
        assertTimeoutPreemptively(
                Duration.ofSeconds(15),
                () -> assertThatThrownBy(() -> ExternalTools.run(
                                Path.of("."),
                                null,
                                Duration.ofSeconds(1),
                                List.of("sh", "-c", "echo started; exec sleep 30")))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageContaining("did not finish within 1 s")
                        .hasMessageEndingWith(": started\n"));
    }

    @Test
    void whatTheMachineLacksSkipsTheTestButFailsItUnderCi() {
        assertThatThrownBy(() -> ExternalTools.skipOrFail("frobnicator is not on PATH", false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessage("frobnicator is not on PATH; test skipped");
        assertThatThrownBy(() -> ExternalTools.skipOrFail("frobnicator is not on PATH", true))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("frobnicator is not on PATH (CI=true, so this fails");
    }
}
