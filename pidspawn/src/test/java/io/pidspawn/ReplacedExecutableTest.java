package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A package upgrade renames a new file over the executable: pin it again, or refuse with ESTALE. */
@ExtendWith(LeakGuard.class)
class ReplacedExecutableTest {
    @TempDir
    Path tmp;

    private Path install() throws Exception {
        return Files.copy(Path.of(Helper.path()), tmp.resolve("tool"), StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** As dpkg and rpm do: write the new version beside it, then rename it over the old one. */
    private void upgrade(Path tool) throws Exception {
        Path next = Files.copy(Path.of(Helper.path()), tmp.resolve("tool.new"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(next, tool, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void replacedExecutableIsPinnedAgainAndTheSpawnRetried() throws Exception {
        Path tool = install();
        try (Command c = Command.builder(tool).args("out", "ran").build()) {
            assertThat(c.output().stdoutText()).isEqualTo("ran\n");
            upgrade(tool);
            assertThat(c.output().stdoutText()).isEqualTo("ran\n");
            upgrade(tool);
            assertThat(c.output().stdoutText()).isEqualTo("ran\n");
        }
    }

    @Test
    void withPolicyFailTheSpawnThrowsEstale() throws Exception {
        Path tool = install();
        try (Command c = Command.builder(tool).args("out", "ran").onReplacedExecutable(Command.Policy.FAIL).build()) {
            upgrade(tool);
            assertThatThrownBy(c::spawn)
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ESTALE);
                        assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
                    })
                    .hasMessageContaining("executable changed since it was configured");
        }
    }

    @Test
    void executableRemovedIsReportedWithBothCauses() throws Exception {
        Path tool = install();
        try (Command c = Command.builder(tool).build()) {
            Files.delete(tool);
            assertThatThrownBy(c::spawn)
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                        assertThat(e.getSuppressed()).singleElement()
                                .satisfies(s -> assertThat(((SpawnException) s).errno()).isEqualTo(Errno.ESTALE));
                    })
                    .hasMessageContaining("pinning it again failed");
        }
    }
}
