package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.HeldBeforeExec;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.Uapi;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vfork hazard: a child stopped before exec would hold its spawning thread in vfork for as
 * long as it stays stopped. pidspawn kills a child that stays stopped past the limit and fails
 * the spawn with ETIMEDOUT; a short stop that ends with SIGCONT just delays the spawn.
 */
@ExtendWith(LeakGuard.class)
class StoppedChildTest {
    @TempDir
    Path tmp;

    @AfterEach
    void restoreLimit() {
        Registry.setStoppedChildLimitMillis(2000);
    }

    @Test
    void aChildStoppedBeforeExecIsKilledAndTheSpawnFails() throws Exception {
        Registry.setStoppedChildLimitMillis(500);
        int b = Uapi.helper("exit", "0");
        try {
            Set<Integer> children = Helper.children();
            HeldBeforeExec blocked = HeldBeforeExec.start(b, tmp);
            blocked.signal(19); // SIGSTOP: cannot be blocked, even before exec
            long start = System.nanoTime();
            ExecutionException failed = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
                    () -> blocked.run().get(10, TimeUnit.SECONDS));
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(failed).isNotNull();
            SpawnException e = (SpawnException) failed.getCause().getCause();
            assertThat(e.step()).isEqualTo(SpawnStep.STOPPED);
            assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
            assertThat(e.getMessage()).contains("stopped before exec");
            assertThat(waitedMillis).isLessThan(5000);
            assertThat(Helper.children()).isEqualTo(children);
        } finally {
            close(b);
        }
    }

    @Test
    void aShortStopEndedBySigcontOnlyDelaysTheSpawn() throws Exception {
        Registry.setStoppedChildLimitMillis(5000);
        int b = Uapi.helper("exit", "6");
        try {
            HeldBeforeExec blocked = HeldBeforeExec.start(b, tmp);
            blocked.signal(19);
            Thread.sleep(300);
            assertThat(blocked.run()).isNotDone();
            blocked.signal(18); // SIGCONT: the child goes back to waiting in open
            blocked.release();
            Spawned child = blocked.run().get(10, TimeUnit.SECONDS);
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(6));
            close(child.pidfd());
        } finally {
            close(b);
        }
    }
}
