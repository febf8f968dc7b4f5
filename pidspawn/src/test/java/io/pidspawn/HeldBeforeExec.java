package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * A spawn whose child is held between clone and exec: its first action opens a FIFO for reading,
 * which blocks until {@link #release} opens the other end. Tests use it to look at, or signal,
 * a child that has not exec'd yet.
 *
 * @param run the spawn, completing once the child has exec'd or failed
 * @param pid the held child's pid
 * @param fifo the FIFO it waits on
 */
public record HeldBeforeExec(CompletableFuture<Spawned> run, int pid, Path fifo) {

    /** Starts a run of {@code builder} with its child held; returns once the child exists. */
    public static HeldBeforeExec start(int builder, Path dir) throws Exception {
        Path fifo = dir.resolve("gate-" + System.nanoTime());
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Set<Integer> before = Helper.children();
        CompletableFuture<Spawned> run = CompletableFuture.supplyAsync(() -> {
            try {
                return PidfdSpawn.pidfd_spawn_run(builder,
                        RunArgs.of(SpawnAction.open(0, fifo.toString(), PidfdSpawn.O_RDONLY, 0)));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < 500; i++) {
            Set<Integer> now = new TreeSet<>(Helper.children());
            now.removeAll(before);
            if (!now.isEmpty()) {
                return new HeldBeforeExec(run, now.iterator().next(), fifo);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the child never appeared");
    }

    /** Opens the FIFO for writing, which lets the child's open complete (blocks until it is in it). */
    public void release() {
        int w = Libc.openat(Libc.AT_FDCWD, fifo.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        assertThat(w).isPositive();
        Libc.close(w);
    }

    /** Sends the held child a signal through a pidfd of its own. */
    public void signal(int sig) {
        int pidfd = Libc.pidfdOpen(pid, 0);
        assertThat(pidfd).isPositive();
        assertThat(Libc.pidfdSendSignal(pidfd, sig, 0)).isZero();
        Libc.close(pidfd);
    }
}
