package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.internal.reaper.CommandCleaner;
import io.pidspawn.internal.reaper.LeakDetector;
import io.pidspawn.testkit.Helper;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Handles dropped without close release everything: 300 unclosed Commands and 1,000 dropped
 * Children, once the GC found them, leave no fd, thread, child or native memory behind, and the
 * leak detector names where each dropped Command was built.
 */
@ExtendWith(LeakGuard.class)
class DroppedHandlesTest {
    private static final int COMMANDS = 300, CHILDREN = 1_000;

    @Test
    void droppedCommandsAndChildrenReleaseEverything() throws Exception {
        List<CommandCleaner.Report> reports = new CopyOnWriteArrayList<>();
        Consumer<CommandCleaner.Report> listener = reports::add;
        CommandCleaner.addListener(listener);
        try {
            int open = CommandCleaner.openCount(); // other classes' commands, if any are still open
            dropCommands(20); // warm up: classes, the trampoline, the reaper, NMT's own books
            awaitReleased(open);
            reports.clear();
            int threads = Thread.activeCount();
            Set<Integer> fds = Helper.openFds();
            Set<Integer> children = Helper.children();
            long nativeBefore = NativeMemory.committedKib("Other");

            dropCommands(COMMANDS);
            try (Command c = Command.builder("true").build()) {
                for (int i = 0; i < CHILDREN; i++) {
                    c.spawn(); // dropped: neither waited for nor closed
                }
            }
            awaitReleased(open);

            for (int i = 0; i < 100 && !(Helper.openFds().equals(fds) && Helper.children().equals(children)); i++) {
                System.gc();
                Thread.sleep(50);
            }
            assertThat(Helper.openFds()).as("fds").isEqualTo(fds);
            assertThat(Helper.children()).as("children").isEqualTo(children);
            assertThat(Thread.activeCount()).as("threads").isLessThanOrEqualTo(threads);
            long nativeAfter = NativeMemory.committedKib("Other");
            System.out.printf("DroppedHandlesTest: %d commands, %d children dropped; NMT Other %d KiB -> %d KiB%n",
                    COMMANDS, CHILDREN, nativeBefore, nativeAfter);
            if (nativeBefore >= 0) {
                assertThat(nativeAfter - nativeBefore).as("native memory growth in KiB").isLessThan(1024);
            }
            if (LeakDetector.ENABLED) {
                // Each dropped command is reported once, named, with the method that built it.
                assertThat(reports.stream().filter(r -> r.builtAt() != null && java.util.Arrays.stream(r.builtAt().getStackTrace())
                        .anyMatch(e -> e.getMethodName().equals("dropCommands")))
                        .peek(r -> assertThat(r.command()).contains("Command[true]"))
                        .count()).isEqualTo(COMMANDS);
            }
        } finally {
            CommandCleaner.removeListener(listener);
        }
    }

    @Test
    void aChildWaitedForAndClosedLeavesNothingForTheCollector() throws Exception {
        try (Command c = Command.builder("true").build()) {
            Child waitedAndClosed = c.spawn();
            assertThat(waitedAndClosed.waitFor().success()).isTrue();
            assertThat(waitedAndClosed.isTracked()).as("waited for, not yet closed").isTrue();
            waitedAndClosed.close();
            assertThat(waitedAndClosed.isTracked()).as("waited for and closed: nothing left to release").isFalse();

            Child closedOnly = c.spawn();
            closedOnly.close();
            // Released, but never observed: the leak detector must still see it become unreachable.
            assertThat(closedOnly.isTracked()).isEqualTo(LeakDetector.ENABLED);
            closedOnly.waitFor(); // reaped all the same
        }
    }

    /** Builds n commands, runs each once, and closes none. */
    private static void dropCommands(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertThat(Command.builder("true").build().output().status().success()).isTrue();
        }
    }

    /** Forces collections until no more than {@code open} commands are open (30 s at most). */
    private static void awaitReleased(int open) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (CommandCleaner.openCount() > open && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(CommandCleaner.openCount()).as("commands still open").isLessThanOrEqualTo(open);
    }
}
