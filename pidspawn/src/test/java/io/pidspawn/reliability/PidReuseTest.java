package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.Uapi;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pid is recycled once its process is reaped; a signal meant for the old process must never
 * reach the new one. The number is really recycled here: as root, /proc/sys/kernel/ns_last_pid
 * makes the next child get the reaped child's pid.
 */
@ExtendWith(LeakGuard.class)
class PidReuseTest {
    @Test
    void signallingAReapedChildReportsItGoneAndNeverReachesTheNewOwnerOfItsPid() throws Exception {
        Helper.assumeRoot("writing /proc/sys/kernel/ns_last_pid to recycle a pid");
        int quick = Uapi.helper("exit", "0");
        int sleeper = Uapi.helper("sleep", "30");
        Spawned old = null;
        Spawned recycled = null;
        try {
            for (int attempt = 0; attempt < 20 && recycled == null; attempt++) {
                if (old != null) {
                    close(old.pidfd());
                }
                old = pidfd_spawn_run(quick, RunArgs.none());
                assertThat(pidfd_wait(old.pidfd(), 0)).isEqualTo(ExitStatus.exited(0)); // reaped: the pid is free
                Files.writeString(Path.of("/proc/sys/kernel/ns_last_pid"), Integer.toString(old.pid() - 1));
                Spawned candidate = pidfd_spawn_run(sleeper, RunArgs.none());
                if (candidate.pid() == old.pid()) {
                    recycled = candidate;
                } else { // another process took the number first: try again
                    pidfd_send_signal(candidate.pidfd(), 9, 0);
                    pidfd_wait(candidate.pidfd(), 0);
                    close(candidate.pidfd());
                }
            }
            assertThat(recycled).as("a child that got the reaped child's pid").isNotNull();
            Spawned stale = old;
            ErrnoException e = org.assertj.core.api.Assertions.catchThrowableOfType(ErrnoException.class,
                    () -> pidfd_send_signal(stale.pidfd(), 9, 0));
            assertThat(e).isNotNull();
            assertThat(e.errno()).isEqualTo(Errno.ESRCH);
            assertThat(pidfd_poll(recycled.pidfd(), 200)).as("the new owner of the pid is untouched").isFalse();
        } finally {
            if (recycled != null) {
                pidfd_send_signal(recycled.pidfd(), 9, 0);
                pidfd_wait(recycled.pidfd(), 0);
                close(recycled.pidfd());
            }
            if (old != null) {
                close(old.pidfd());
            }
            close(quick);
            close(sleeper);
        }
    }
}
