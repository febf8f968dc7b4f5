package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.close;
import static io.pidspawn.uapi.PidfdSpawn.pidfd_poll;
import static io.pidspawn.uapi.PidfdSpawn.pidfd_send_signal;
import static io.pidspawn.uapi.PidfdSpawn.pidfd_spawn_run;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.LeakGuard;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A poll of a pidfd interrupted by signals (SIGPIPE, which the JVM catches, sent to the polling
 * thread itself every millisecond) neither fails with EINTR nor starts its timeout over: it
 * returns when the timeout it was given has passed, with the time ppoll left in its timespec.
 */
@ExtendWith(LeakGuard.class)
class PollInterruptedTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("gettid"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle TGKILL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("tgkill"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    @Test
    void aPollUnderASignalStormEndsWhenItsTimeoutHasPassed() throws Throwable {
        int b = Uapi.helper("sleep", "10");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            AtomicBoolean polling = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            Thread storm = Thread.ofPlatform().start(() -> {
                try {
                    int pid = (int) ProcessHandle.current().pid();
                    int target = tid.join();
                    long end = System.nanoTime() + 5_000_000_000L; // a poll restarted in full each time would still run
                    while (polling.get() && System.nanoTime() < end) {
                        if ((int) TGKILL.invokeExact(pid, target, 13 /* SIGPIPE */) == 0) {
                            sent.incrementAndGet();
                        }
                        Thread.sleep(1);
                    }
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            });
            boolean exited;
            long start;
            try {
                tid.complete((int) GETTID.invokeExact());
                Thread.sleep(20); // the storm is under way
                start = System.nanoTime();
                exited = pidfd_poll(child.pidfd(), 400);
            } finally {
                polling.set(false);
                storm.join();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(exited).as("the child sleeps 10 s").isFalse();
            assertThat(sent.get()).as("signals sent to the polling thread").isGreaterThan(50);
            assertThat(millis).as("ms polled of a 400 ms timeout").isBetween(390L, 2_000L);
            pidfd_send_signal(child.pidfd(), 9, 0);
            Uapi.waitAndClose(child);
        } finally {
            close(b);
        }
    }
}
