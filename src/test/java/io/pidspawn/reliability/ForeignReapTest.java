package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdInfo;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.Uapi;
import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Other code in the JVM may reap a child behind pidspawn's back (waitid(P_ALL) in a library,
 * say). The pidfd then cannot be waited on (ECHILD), never hangs, and where the kernel keeps the
 * exit status for pidfds (PIDFD_INFO_EXIT, Linux 6.15) the status is still there.
 */
@ExtendWith(LeakGuard.class)
class ForeignReapTest {
    @Test
    void aChildReapedElsewhereStillHasItsStatusThroughThePidfd() throws Exception {
        int b = Uapi.helper("exit", "7");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            CompletableFuture<Integer> foreign = CompletableFuture.supplyAsync(() -> {
                try (Arena a = Arena.ofConfined()) {
                    return Libc.waitid(Libc.P_PID, child.pid(), a.allocate(128, 8), Libc.WEXITED);
                }
            });
            assertThat(foreign.get(10, TimeUnit.SECONDS)).isZero();
            ErrnoException e = org.assertj.core.api.Assertions.catchThrowableOfType(ErrnoException.class,
                    () -> pidfd_wait(child.pidfd(), 0));
            assertThat(e).as("waiting on a child reaped elsewhere").isNotNull();
            assertThat(e.errno()).isEqualTo(Errno.ECHILD);
            PidfdInfo info = pidfd_info(child.pidfd());
            Assumptions.assumeTrue(info.exit() != null, "kernel without PIDFD_INFO_EXIT (Linux 6.15)");
            assertThat(info.exit()).isEqualTo(ExitStatus.exited(7));
            close(child.pidfd());
        } finally {
            close(b);
        }
    }
}
