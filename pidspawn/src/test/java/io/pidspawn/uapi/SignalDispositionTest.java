package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.ExitStatus;
import io.pidspawn.HeldBeforeExec;
import io.pidspawn.LeakGuard;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child shares the JVM's memory until exec, so no JVM signal handler may ever run in it, and
 * it must not inherit the signal mask HotSpot keeps on its threads.
 */
@ExtendWith(LeakGuard.class)
class SignalDispositionTest {
    @TempDir
    Path tmp;

    @Test
    void theProgramStartsWithAnEmptySignalMask() throws Exception {
        // HotSpot blocks SIGQUIT on every thread but its signal dispatcher; the child must not.
        int b = Uapi.helper("status", "SigBlk");
        try {
            assertThat(Uapi.capture(b).out()).isEqualTo("0000000000000000\n");
        } finally {
            close(b);
        }
    }

    @Test
    void aSignalArrivingBeforeExecKillsTheChildAndNeverRunsAJvmHandler() throws Exception {
        // The child blocks in an OPEN action on a FIFO; SIGTERM sent to it then is held until just
        // before exec, where its default action kills the child. Were the JVM's SIGTERM handler
        // still installed in the child, it would start this JVM's shutdown.
        int b = Uapi.helper("exit", "0");
        HeldBeforeExec held = HeldBeforeExec.start(b, tmp);
        CompletableFuture<Spawned> run = held.run();
        try {
            held.signal(15);
            Thread.sleep(100);
            assertThat(run).isNotDone(); // held pending, not acted on, while set-up runs
            held.release();
            Spawned child = run.get(10, TimeUnit.SECONDS);
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(15, false));
            close(child.pidfd());
        } finally {
            close(b);
        }
    }
}
