package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.internal.linux.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A thousand live children, one reaper: no thread per child, every status right, nothing left. */
@ExtendWith(LeakGuard.class)
class SupervisionScaleTest {
    private static final int CHILDREN = 1000;

    /**
     * The children block reading a pipe whose write end only the test holds, rather than
     * sleeping: on a loaded machine a spawn can take milliseconds, and a sleep could end before
     * the last child is started. Closing the write end releases them all at once.
     */
    @Test
    void thousandLiveChildrenOnAtMostTwoThreads() throws Exception {
        Set<String> oursBefore = pidspawnThreads();
        int threadsBefore = Thread.getAllStackTraces().size();
        long tasksBefore = tasks();
        List<Child> children = new ArrayList<>(CHILDREN);
        int[] gate = Libc.pipe2(Libc.O_CLOEXEC);
        try (Command c = Command.builder(Helper.path()).args("cat", ";", "exit").stdin(Stdio.fd(gate[0])).build()) {
            Libc.close(gate[0]); // the command holds its own copy
            gate[0] = -1;
            long start = System.nanoTime();
            for (int i = 0; i < CHILDREN; i++) {
                children.add(c.spawn(List.of(Integer.toString(i % 256))));
            }
            long spawnMillis = (System.nanoTime() - start) / 1_000_000;
            // Supervision in its steady state: the stopped-child watchdog, which lives only while
            // spawns are in flight, has gone after a second without any.
            Thread.sleep(1500);
            Set<Integer> live = Helper.children();
            int threadsDuring = Thread.getAllStackTraces().size();
            long tasksDuring = tasks();
            Set<String> ours = pidspawnThreads();
            System.out.printf("SupervisionScaleTest: %d children spawned in %d ms; %d live at once; Java threads %d -> %d,"
                    + " OS tasks %d -> %d; pidspawn threads %s%n", CHILDREN, spawnMillis, live.size(), threadsBefore,
                    threadsDuring, tasksBefore, tasksDuring, ours);

            assertThat(live).as("children alive at once").hasSize(CHILDREN);
            assertThat(threadsDuring - threadsBefore).as("threads added while supervising").isLessThanOrEqualTo(2);
            Set<String> added = new java.util.TreeSet<>(ours);
            added.removeAll(oursBefore);
            assertThat(added).as("pidspawn threads this test started").isSubsetOf("pidspawn-reaper", "pidspawn-exit");
            Libc.close(gate[1]);
            gate[1] = -1;
            for (int i = 0; i < CHILDREN; i++) {
                assertThat(children.get(i).waitFor()).as("child %d", i).isEqualTo(ExitStatus.exited(i % 256));
            }
        } finally {
            children.forEach(Child::close);
            for (int fd : gate) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
        assertThat(Helper.children()).as("zombies").isEmpty();
    }

    private static Set<String> pidspawnThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("pidspawn-")).collect(Collectors.toSet());
    }

    private static long tasks() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }
}
