package io.pidspawn.internal.reaper;

import static io.pidspawn.uapi.PidfdSpawn.close;
import static io.pidspawn.uapi.PidfdSpawn.pidfd_spawn_run;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.ExitStatus;
import io.pidspawn.LeakGuard;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Uapi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A new child joins the reaper's epoll set only after a short deferral, unless something needs
 * its exit promptly: a thread that waits for it at once polls its pidfd itself and never costs
 * an epoll_ctl, a child nobody waits for is still reaped, and a future asked for registers it.
 */
@ExtendWith(LeakGuard.class)
class DeferredWatchTest {
    @AfterEach
    void restoreAge() {
        ExitWatch.Deferred.setAgeMillis(-1);
    }

    @Test
    void aChildWaitedForAtOnceNeverEntersTheReapersEpollSet() throws Exception {
        ExitWatch.Deferred.setAgeMillis(60_000); // however slow this thread is, the deferral outlasts it
        int builder = Uapi.helper("exit", "3");
        try {
            for (int i = 0; i < 20; i++) {
                ExitWatch w = ExitWatch.start(pidfd_spawn_run(builder, RunArgs.none()));
                assertThat(w.await()).isEqualTo(ExitStatus.exited(3));
                assertThat(w.everWatched()).as("spawn %d: registered with the reaper although waited for directly", i).isFalse();
                assertThat(ExitWatch.Deferred.INSTANCE.queued(w)).as("spawn %d: left queued, so the reaper ticks for it", i).isFalse();
            }
        } finally {
            close(builder);
        }
    }

    @Test
    void aChildNobodyWaitsForIsStillReaped() throws Exception {
        int builder = Uapi.helper("exit", "0");
        List<ExitWatch> watches = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                watches.add(ExitWatch.start(pidfd_spawn_run(builder, RunArgs.none())));
            }
        } finally {
            close(builder);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ExitWatch w : watches) {
            while (w.peek() == null && System.nanoTime() < deadline) { // peek, unlike now(), does not register it
                Thread.sleep(5);
            }
            assertThat(w.peek()).as("pid %d left a zombie", w.pid()).isEqualTo(ExitStatus.exited(0));
            assertThat(w.everWatched()).isTrue();
            w.releaseOwner();
        }
    }

    @Test
    void anExitFutureOrAVirtualThreadWaiterRegistersTheChildAtOnce() throws Exception {
        ExitWatch.Deferred.setAgeMillis(60_000); // only the prompt registration can complete these in time
        int builder = Uapi.helper("exit", "0");
        try {
            ExitWatch published = ExitWatch.start(pidfd_spawn_run(builder, RunArgs.none()));
            var onExit = published.published();
            assertThat(published.everWatched()).isTrue();
            assertThat(onExit.get(30, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
            published.releaseOwner();

            ExitWatch virtual = ExitWatch.start(pidfd_spawn_run(builder, RunArgs.none()));
            ExitStatus[] status = new ExitStatus[1];
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    status[0] = virtual.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(status[0]).as("a virtual thread's wait stayed on the deferral").isEqualTo(ExitStatus.exited(0));
            assertThat(virtual.everWatched()).isTrue();

            ExitWatch dropped = ExitWatch.start(pidfd_spawn_run(builder, RunArgs.none()));
            dropped.releaseOwner(); // closed or dropped: nobody will wait
            assertThat(dropped.everWatched()).isTrue();
            assertThat(dropped.exitFuture().get(30, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        } finally {
            close(builder);
        }
    }
}
