package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Command;
import io.pidspawn.Child;
import io.pidspawn.testkit.Helper;
import io.pidspawn.HeldBeforeExec;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spawn cost stays flat in the parent's fd count: the child shares the fd table and unshares
 * only the fds below the highest one it needs (CLONE_FILES, then close_range
 * CLOSE_RANGE_UNSHARE). Seen from /proc while the child is held before exec, its table holds no
 * fd above that bound; with inherit-fds it holds the parent's whole table, as it must.
 */
@ExtendWith(LeakGuard.class)
class FdTableCopyTest {
    @TempDir
    Path tmp;

    @Test
    void theChildCopiesOnlyTheFdsItNeeds() throws Exception {
        int high = Libc.fcntl(0, Libc.F_DUPFD_CLOEXEC, 3000);
        assertThat(high).isGreaterThanOrEqualTo(3000);
        int b = Uapi.helper("exit", "0");
        try {
            Set<Integer> shared = fdsBeforeExec(b);
            assertThat(shared).doesNotContain(high);
            assertThat(shared.stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThan(high);
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 0);
            assertThat(fdsBeforeExec(b)).as("inherit-fds copies the whole table").contains(high);
        } finally {
            close(b);
            Libc.close(high);
        }
    }

    @Test
    void supervisedChildrensPidfdsLiveAboveTheFdsSpawnsHandOut() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("exit", "0").build()) {
            Child child = c.spawn();
            assertThat(child.pidfd()).isGreaterThanOrEqualTo(1024);
            child.waitFor();
        }
    }

    /** The child's fds while it is held before exec. */
    private Set<Integer> fdsBeforeExec(int builder) throws Exception {
        HeldBeforeExec held = HeldBeforeExec.start(builder, tmp);
        Set<Integer> fds = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/" + held.pid() + "/fd"))) {
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        held.release();
        Spawned child = held.run().get(10, TimeUnit.SECONDS);
        pidfd_wait(child.pidfd(), 0);
        close(child.pidfd());
        return fds;
    }
}
