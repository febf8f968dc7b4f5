package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.CommandCleaner;
import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Command closes only the builder fd it still owns: if its number was closed behind its back
 * and reused, neither close() nor the cleaner of a dropped Command may close the new file (the
 * hazard behind a test that lost a fd it held).
 */
@ExtendWith(LeakGuard.class)
class CommandCleanerTest {
    @Test
    void closeLeavesAReusedBuilderNumberAlone() throws Exception {
        Set<Integer> before = Helper.openFds();
        Command c = Command.builder("true").build();
        int reused = stealBuilderNumber(before, c.toString());
        try {
            c.close();
            assertThat(Libc.fdFlags(reused) >= 0).as("fd %d, reused after the builder's number was closed", reused).isTrue();
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + reused))).isEqualTo(Path.of("/dev/null"));
        } finally {
            Libc.close(reused);
        }
    }

    @Test
    void theCleanerOfADroppedCommandLeavesAReusedBuilderNumberAlone() throws Exception {
        int open = CommandCleaner.openCount();
        Set<Integer> before = Helper.openFds();
        int reused = stealBuilderNumber(before, Command.builder("true").build().toString());
        try {
            for (int i = 0; i < 100 && CommandCleaner.openCount() > open; i++) {
                System.gc();
                Thread.sleep(50);
            }
            assertThat(CommandCleaner.openCount()).as("the dropped command was released").isLessThanOrEqualTo(open);
            Thread.sleep(100); // the release happens on the reaper thread's tick
            assertThat(Libc.fdFlags(reused) >= 0).as("fd %d, reused after the builder's number was closed", reused).isTrue();
        } finally {
            Libc.close(reused);
        }
    }

    /** Closes c's builder fd by number (as buggy code might) and opens /dev/null onto the same number. */
    private static int stealBuilderNumber(Set<Integer> before, String c) throws Exception {
        int builder = -1;
        Set<Integer> made = new TreeSet<>(Helper.openFds());
        made.removeAll(before);
        for (int fd : made) {
            Path link;
            try {
                link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            } catch (java.io.IOException gone) {
                continue;
            }
            if (link.toString().startsWith("/memfd:")) {
                builder = Math.max(builder, fd);
            }
        }
        assertThat(builder).as("the builder memfd of %s", c).isPositive();
        Set<Integer> below = new TreeSet<>();
        assertThat(Libc.close(builder)).isZero();
        // Take every lower free number first, so that the next open lands on the builder's.
        int fd;
        while ((fd = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0)) != builder) {
            assertThat(fd).isNotNegative().isLessThan(builder);
            below.add(fd);
        }
        for (int b : below) {
            Libc.close(b);
        }
        return fd;
    }
}
