package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.Stdio;
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

    @Test
    void aSupervisedChildReapedElsewhereStillReportsItsStatusAndNeverHangs() throws Exception {
        // The child blocks on its stdin, so the foreign reaper is waiting before the exit happens.
        int[] gate = Uapi.pipe();
        try (Command c = Command.builder(Helper.path()).args("cat", ";", "exit", "9").stdin(Stdio.fd(gate[0])).build()) {
            Child child = c.spawn();
            CompletableFuture<Integer> foreign = CompletableFuture.supplyAsync(() -> {
                try (Arena a = Arena.ofConfined()) {
                    return Libc.waitid(Libc.P_PID, child.pid(), a.allocate(128, 8), Libc.WEXITED);
                }
            });
            Thread.sleep(100);
            Libc.close(gate[1]);
            gate[1] = -1;
            // The foreign waiter and the reaper race for the zombie; whoever wins, the status is known.
            assertThat(foreign.get(10, TimeUnit.SECONDS)).isIn(0, -io.pidspawn.Errno.ECHILD);
            CompletableFuture<ExitStatus> exit = child.onExit();
            try (child) {
                Assumptions.assumeTrue(kernelKeepsExitStatus(), "kernel without PIDFD_INFO_EXIT (Linux 6.15)");
                assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(9));
            }
        } finally {
            Libc.close(gate[0]);
            if (gate[1] >= 0) {
                Libc.close(gate[1]);
            }
        }
    }

    private static boolean kernelKeepsExitStatus() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            Spawned s = pidfd_spawn_run(b, RunArgs.none());
            pidfd_wait(s.pidfd(), 0);
            boolean kept = pidfd_info(s.pidfd()).exit() != null;
            close(s.pidfd());
            return kept;
        } finally {
            close(b);
        }
    }
}
