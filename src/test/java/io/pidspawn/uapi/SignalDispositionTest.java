package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.ExitStatus;
import io.pidspawn.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
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
        Path fifo = tmp.resolve("gate");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        int b = Uapi.helper("exit", "0");
        Set<Integer> before = Helper.children();
        CompletableFuture<Spawned> run = CompletableFuture.supplyAsync(() -> {
            try {
                return pidfd_spawn_run(b, RunArgs.of(SpawnAction.open(0, fifo.toString(), O_RDONLY, 0)));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            int pid = awaitNewChild(before);
            int pidfd = Libc.pidfdOpen(pid, 0);
            assertThat(pidfd).isPositive();
            assertThat(Libc.pidfdSendSignal(pidfd, 15, 0)).isZero();
            Libc.close(pidfd);
            Thread.sleep(100);
            assertThat(run).isNotDone(); // held pending, not acted on, while set-up runs
            int writer = Libc.openat(Libc.AT_FDCWD, fifo.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            Libc.close(writer);
            Spawned child = run.get(10, TimeUnit.SECONDS);
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(15, false));
            close(child.pidfd());
        } finally {
            close(b);
        }
    }

    private static int awaitNewChild(Set<Integer> before) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            Set<Integer> now = new TreeSet<>(Helper.children());
            now.removeAll(before);
            if (!now.isEmpty()) {
                return now.iterator().next();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the child never appeared");
    }
}
